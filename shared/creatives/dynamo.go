package creatives

// Key design of the creatives table (pk, sk strings; gsi1pk/gsi1sk for
// lists):
//
//	pk                 sk          gsi1pk                   gsi1sk        item
//	CRV#<id>           META        ADV#<advId>#CREATIVES    <creativeId>  a creative: advertiser, key, type, size, sha256, URL
//	ADV#<advId>        SHA#<hex>   -                        -             the advertiser's creative of these bytes (its id)
//
// Access patterns: read a creative by id (GetItem, strongly consistent:
// a campaign may name it the moment it is uploaded); list an
// advertiser's, newest first (Query gsi1); find an advertiser's creative
// of the same bytes (GetItem). A new creative is both items in one
// transaction, each conditional on its absence, so two uploads of the
// same bytes at once make one creative: the loser reads the winner's.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// Repository loads and saves creatives' records.
type Repository struct {
	db    *dynamodb.Client
	table string
}

// NewRepository is the repository over the creatives table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableCreatives)}
}

type creativeItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk"`
	GSI1SK       string `dynamodbav:"gsi1sk"`
	ID           string `dynamodbav:"id"`
	AdvertiserID string `dynamodbav:"advertiserId"`
	Key          string `dynamodbav:"key"`
	ImageURL     string `dynamodbav:"imageUrl"`
	ContentType  string `dynamodbav:"contentType"`
	Width        int    `dynamodbav:"width"`
	Height       int    `dynamodbav:"height"`
	Bytes        int    `dynamodbav:"bytes"`
	SHA256       string `dynamodbav:"sha256"`
	CreatedAt    string `dynamodbav:"createdAt"`
}

type shaItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	CreativeID string `dynamodbav:"creativeId"`
}

func (it creativeItem) creative() Creative {
	return Creative{ID: it.ID, AdvertiserID: it.AdvertiserID, Key: it.Key, ImageURL: it.ImageURL, ContentType: it.ContentType,
		Width: it.Width, Height: it.Height, Bytes: it.Bytes, SHA256: it.SHA256, CreatedAt: it.CreatedAt}
}

func itemOf(c Creative) creativeItem {
	return creativeItem{PK: "CRV#" + c.ID, SK: "META", GSI1PK: "ADV#" + c.AdvertiserID + "#CREATIVES", GSI1SK: c.ID,
		ID: c.ID, AdvertiserID: c.AdvertiserID, Key: c.Key, ImageURL: c.ImageURL, ContentType: c.ContentType,
		Width: c.Width, Height: c.Height, Bytes: c.Bytes, SHA256: c.SHA256, CreatedAt: c.CreatedAt}
}

func (r *Repository) get(ctx context.Context, id string) (Creative, bool, error) {
	it, found, err := store.Get[creativeItem](ctx, r.db, r.table, "CRV#"+id, "META")
	return it.creative(), found, fault.Wrap("creatives.get", err)
}

// bySHA is the advertiser's creative of the bytes whose SHA-256 is sum.
func (r *Repository) bySHA(ctx context.Context, advertiserID, sum string) (Creative, bool, error) {
	s, found, err := store.Get[shaItem](ctx, r.db, r.table, "ADV#"+advertiserID, "SHA#"+sum)
	if err != nil || !found {
		return Creative{}, false, fault.Wrap("creatives.bySHA", err)
	}
	return r.get(ctx, s.CreativeID)
}

// errExists is create's answer when the advertiser has a creative of the
// same bytes already.
var errExists = fault.New(fault.Conflict, "creatives.create", "the advertiser has this image already")

// create writes a new creative and its bytes' entry, or returns errExists.
func (r *Repository) create(ctx context.Context, c Creative) error {
	const op = "creatives.create"
	item, err := attributevalue.MarshalMap(itemOf(c))
	if err != nil {
		return fault.Wrap(op, err)
	}
	sha, err := attributevalue.MarshalMap(shaItem{PK: "ADV#" + c.AdvertiserID, SK: "SHA#" + c.SHA256, CreativeID: c.ID})
	if err != nil {
		return fault.Wrap(op, err)
	}
	absent := aws.String("attribute_not_exists(pk)")
	err = store.NewTx().
		Add("creative", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: item, ConditionExpression: absent}}).
		Add("sha", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: sha, ConditionExpression: absent}}).
		Write(ctx, r.db)
	if store.Failed(err, "sha") {
		return errExists
	}
	return fault.Wrap(op, err)
}

func (r *Repository) list(ctx context.Context, advertiserID string, limit int, cursor string) ([]Creative, string, error) {
	gpk := "ADV#" + advertiserID + "#CREATIVES"
	items, next, err := store.QueryPage[creativeItem](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), IndexName: aws.String(topology.IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(gpk)},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit)),
	}, cursor, "gsi1pk", gpk)
	if err != nil {
		return nil, "", fault.Wrap("creatives.list", err)
	}
	out := make([]Creative, len(items))
	for i, it := range items {
		out[i] = it.creative()
	}
	return out, next, nil
}
