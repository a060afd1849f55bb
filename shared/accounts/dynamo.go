package accounts

// Key design of the accounts table (pk, sk strings):
//
//	pk                    sk            item
//	COM#<communityId>     META          community; activeKeys counter
//	ADV#<advertiserId>    META          advertiser; activeKeys counter
//	COM#… / ADV#…         KEY#<keyId>   an API key of that account (no secret)
//	KEYHASH#<sha256>      KEY           the authorizer's lookup: key → account, revoked flag
//	USR#<userId>          META          per-owner counters (communities, advertisers)
//	USR#<userId>          COM#<id>      "user owns community": GET /v1/me lists these
//	USR#<userId>          ADV#<id>      "user owns advertiser"
//
// Access patterns: read an account (GetItem META, strongly consistent);
// list an owner's accounts (Query USR#<id>); list an account's keys (Query
// <account>, sk begins_with KEY#); authenticate an API key (GetItem
// KEYHASH#<hash>, strongly consistent so that revocation is immediate).
// Every create writes the object, its index item, the counter and the
// outbox event in one transaction. No Scan anywhere.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

const (
	skMeta = "META"
	skKey  = "KEY"
)

func accountPK(kind, id string) string {
	if kind == auth.AccountCommunity {
		return "COM#" + id
	}
	return "ADV#" + id
}

func userPK(userID string) string  { return "USR#" + userID }
func keyHashPK(hash string) string { return "KEYHASH#" + hash }

// accountItem is a community or an advertiser as stored.
type accountItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Kind       string `dynamodbav:"kind"`
	ID         string `dynamodbav:"id"`
	OwnerID    string `dynamodbav:"ownerId"`
	Name       string `dynamodbav:"name"`
	URL        string `dynamodbav:"url,omitempty"`
	Currency   string `dynamodbav:"currency"`
	CreatedAt  string `dynamodbav:"createdAt"`
	ActiveKeys int    `dynamodbav:"activeKeys"`
	// A community's page allowlist and the version of its last change.
	AllowedDomains  []string `dynamodbav:"allowedDomains,omitempty"`
	SettingsVersion int      `dynamodbav:"settingsVersion,omitempty"`
	// A community's listing in the directory and what may run on its
	// pages (DESIGN §16).
	Listing
}

// Listing is what a community says of itself in the directory, and what
// it lets run on its pages.
type Listing struct {
	Listed             bool     `dynamodbav:"listed,omitempty" json:"listed"`
	Description        string   `dynamodbav:"description,omitempty" json:"description"`
	Topics             []string `dynamodbav:"topics,omitempty" json:"topics"`
	Languages          []string `dynamodbav:"languages,omitempty" json:"languages"`
	Country            string   `dynamodbav:"country,omitempty" json:"country"`
	CampaignReview     string   `dynamodbav:"campaignReview,omitempty" json:"campaignReview"`
	BlockedAdvertisers []string `dynamodbav:"blockedAdvertisers,omitempty" json:"blockedAdvertisers"`
}

type ownedItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Kind      string `dynamodbav:"kind"`
	ID        string `dynamodbav:"id"`
	Name      string `dynamodbav:"name"`
	CreatedAt string `dynamodbav:"createdAt"`
}

type keyItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	ID          string `dynamodbav:"id"`
	AccountKind string `dynamodbav:"accountKind"`
	AccountID   string `dynamodbav:"accountId"`
	Name        string `dynamodbav:"name"`
	Prefix      string `dynamodbav:"prefix"`
	Mode        string `dynamodbav:"mode"`
	Hash        string `dynamodbav:"hash"`
	CreatedAt   string `dynamodbav:"createdAt"`
	RevokedAt   string `dynamodbav:"revokedAt,omitempty"`
}

type keyHashItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	KeyID       string `dynamodbav:"keyId"`
	AccountKind string `dynamodbav:"accountKind"`
	AccountID   string `dynamodbav:"accountId"`
	Revoked     bool   `dynamodbav:"revoked"`
}

// Repository loads and saves accounts.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the accounts and outbox tables.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableAccounts), outbox: db.Table(topology.TableOutbox)}
}

// NewKeyLookup returns the authorizer's read-only view: it needs only the
// accounts table.
func NewKeyLookup(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableAccounts)}
}

var _ auth.KeyLookup = (*Repository)(nil)

// ts and parseTS are the one stored time format (clock.Format).
func ts(t time.Time) string { return clock.Format(t) }

func parseTS(s string) time.Time { return clock.Parse(s) }

func mustMarshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		// Only our own item structs are marshalled here.
		panic(fmt.Sprintf("accounts: marshal %T: %v", v, err))
	}
	return m
}

// counterUpdate increments an owner counter, refusing to pass max.
func (r *Repository) counterUpdate(userID, attr string, max int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                aws.String(r.table),
		Key:                      map[string]types.AttributeValue{"pk": store.S(userPK(userID)), "sk": store.S(skMeta)},
		UpdateExpression:         aws.String("ADD #c :one"),
		ConditionExpression:      aws.String("attribute_not_exists(#c) OR #c < :max"),
		ExpressionAttributeNames: map[string]string{"#c": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": &types.AttributeValueMemberN{Value: "1"},
			":max": &types.AttributeValueMemberN{Value: strconv.Itoa(max)},
		},
	}}
}

// insertAccount writes a new account, its owner index and counter, and
// its event, atomically.
func (r *Repository) insertAccount(ctx context.Context, it accountItem, counter string, max int, event types.TransactWriteItem) error {
	const op = "accounts.insertAccount"
	tx := store.NewTx().
		Add("counter", r.counterUpdate(it.OwnerID, counter, max)).
		Add("account", types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(r.table), Item: mustMarshal(it),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}).
		Add("owned", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: mustMarshal(ownedItem{
			PK: userPK(it.OwnerID), SK: it.PK, Kind: it.Kind, ID: it.ID, Name: it.Name, CreatedAt: it.CreatedAt,
		})}}).
		Add("event", event)
	err := tx.Write(ctx, r.db)
	if tc, ok := err.(*store.TxCanceled); ok {
		if tc.Failed("counter") {
			return fault.New(fault.Conflict, op, fmt.Sprintf("you already own the maximum of %d %s accounts", max, it.Kind))
		}
		return fault.Wrap(op, fmt.Errorf("id collision: %w", err))
	}
	return fault.Wrap(op, err)
}

// getAccount reads an account by kind and id; NotFound when absent.
// updateSettings writes a community's settings if nobody changed them
// since version was read, with its event, in one transaction.
func (r *Repository) updateSettings(ctx context.Context, it accountItem, version int, event types.TransactWriteItem) error {
	const op = "accounts.updateSettings"
	cond := "attribute_exists(pk) AND (attribute_not_exists(settingsVersion) OR settingsVersion = :v)"
	vals := map[string]types.AttributeValue{":v": store.N(int64(version)), ":n": store.N(int64(version + 1))}
	// Only the settings are written (SET each), never the whole item: the
	// item's counters (active keys) move in other transactions.
	sets := []string{"settingsVersion = :n"}
	for name, v := range map[string]any{"allowedDomains": nonNil(it.AllowedDomains), "listed": it.Listed, "description": it.Description,
		"topics": nonNil(it.Topics), "languages": nonNil(it.Languages), "country": it.Country, "campaignReview": it.CampaignReview,
		"blockedAdvertisers": nonNil(it.BlockedAdvertisers)} {
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return fault.Wrap(op, err)
		}
		sets = append(sets, "#"+name+" = :"+name)
		vals[":"+name] = av
	}
	names := map[string]string{}
	for _, n := range []string{"allowedDomains", "listed", "description", "topics", "languages", "country", "campaignReview", "blockedAdvertisers"} {
		names["#"+n] = n
	}
	sort.Strings(sets)
	tx := store.NewTx().
		Add("community", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"pk": store.S(it.PK), "sk": store.S(it.SK)},
			UpdateExpression: aws.String("SET " + strings.Join(sets, ", ")), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		}}).
		Add("event", event)
	err := tx.Write(ctx, r.db)
	if store.Failed(err, "community") {
		return fault.New(fault.Conflict, op, "the community changed meanwhile: read it and try again")
	}
	return fault.Wrap(op, err)
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (r *Repository) getAccount(ctx context.Context, kind, id string) (accountItem, error) {
	const op = "accounts.getAccount"
	it, found, err := store.Get[accountItem](ctx, r.db, r.table, accountPK(kind, id), skMeta)
	if err != nil {
		return accountItem{}, fault.Wrap(op, err)
	}
	if !found {
		return accountItem{}, fault.New(fault.NotFound, op, "no such "+kind)
	}
	return it, nil
}

// listOwned returns the accounts a user owns (bounded by the per-user limits).
func (r *Repository) listOwned(ctx context.Context, userID string) ([]ownedItem, error) {
	const op = "accounts.listOwned"
	var out []ownedItem
	var start map[string]types.AttributeValue
	for page := 0; page < 10; page++ {
		res, err := r.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(r.table),
			KeyConditionExpression:    aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(userPK(userID)), ":lo": store.S("ADV#"), ":hi": store.S("COM#\uffff")},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fault.Wrap(op, store.Classify(err))
		}
		var items []ownedItem
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &items); err != nil {
			return nil, fault.Wrap(op, err)
		}
		out = append(out, items...)
		if res.LastEvaluatedKey == nil {
			break
		}
		start = res.LastEvaluatedKey
	}
	return out, nil
}

// insertKey writes a key, its hash lookup and event, and counts it against
// the account, whose owner must still be the caller.
func (r *Repository) insertKey(ctx context.Context, acct Account, k keyItem, event types.TransactWriteItem) error {
	const op = "accounts.insertKey"
	tx := store.NewTx().
		Add("account", types.TransactWriteItem{Update: &types.Update{
			TableName:           aws.String(r.table),
			Key:                 map[string]types.AttributeValue{"pk": store.S(accountPK(acct.Kind, acct.ID)), "sk": store.S(skMeta)},
			UpdateExpression:    aws.String("ADD activeKeys :one"),
			ConditionExpression: aws.String("ownerId = :owner AND (attribute_not_exists(activeKeys) OR activeKeys < :max)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"}, ":owner": store.S(acct.OwnerID),
				":max": &types.AttributeValueMemberN{Value: strconv.Itoa(MaxActiveKeys)},
			},
		}}).
		Add("key", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: mustMarshal(k), ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("hash", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: mustMarshal(keyHashItem{
			PK: keyHashPK(k.Hash), SK: skKey, KeyID: k.ID, AccountKind: k.AccountKind, AccountID: k.AccountID,
		}), ConditionExpression: aws.String("attribute_not_exists(pk)")}}).
		Add("event", event)
	err := tx.Write(ctx, r.db)
	if tc, ok := err.(*store.TxCanceled); ok {
		if tc.Failed("account") {
			return fault.New(fault.Conflict, op, fmt.Sprintf("this account already has the maximum of %d active API keys; revoke one first", MaxActiveKeys))
		}
		return fault.Wrap(op, fmt.Errorf("key collision: %w", err))
	}
	return fault.Wrap(op, err)
}

// getKey reads one key of an account.
func (r *Repository) getKey(ctx context.Context, acct Account, keyID string) (keyItem, error) {
	const op = "accounts.getKey"
	k, found, err := store.Get[keyItem](ctx, r.db, r.table, accountPK(acct.Kind, acct.ID), "KEY#"+keyID)
	if err != nil {
		return keyItem{}, fault.Wrap(op, err)
	}
	if !found {
		return keyItem{}, fault.New(fault.NotFound, op, "no such API key")
	}
	return k, nil
}

// revokeKey marks a key and its lookup revoked and frees its slot, once:
// a second revoke finds the condition false and changes nothing.
func (r *Repository) revokeKey(ctx context.Context, acct Account, k keyItem, at time.Time, event types.TransactWriteItem) (revoked bool, err error) {
	const op = "accounts.revokeKey"
	tx := store.NewTx().
		Add("key", types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S(k.PK), "sk": store.S(k.SK)},
			UpdateExpression:          aws.String("SET revokedAt = :at"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(revokedAt)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": store.S(ts(at))},
		}}).
		Add("hash", types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S(keyHashPK(k.Hash)), "sk": store.S(skKey)},
			UpdateExpression:          aws.String("SET revoked = :t"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}},
		}}).
		Add("account", types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(r.table),
			Key:                       map[string]types.AttributeValue{"pk": store.S(accountPK(acct.Kind, acct.ID)), "sk": store.S(skMeta)},
			UpdateExpression:          aws.String("ADD activeKeys :minus"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":minus": &types.AttributeValueMemberN{Value: "-1"}},
		}}).
		Add("event", event)
	err = tx.Write(ctx, r.db)
	if store.Failed(err, "key") {
		return false, nil
	}
	if err != nil {
		return false, fault.Wrap(op, err)
	}
	return true, nil
}

// listKeys pages through an account's keys, newest first.
func (r *Repository) listKeys(ctx context.Context, acct Account, limit int, cursor string) ([]keyItem, string, error) {
	pk := accountPK(acct.Kind, acct.ID)
	items, next, err := store.QueryPage[keyItem](ctx, r.db, &dynamodb.QueryInput{
		TableName:                 aws.String(r.table),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :key)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S(pk), ":key": store.S("KEY#")},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	}, cursor, "pk", pk)
	return items, next, fault.Wrap("accounts.listKeys", err)
}

// LookupAPIKey finds the principal of a key by its hash (the authorizer's
// one read). Unknown and revoked keys are Unauthorized, with one message so
// that a caller cannot tell them apart.
func (r *Repository) LookupAPIKey(ctx context.Context, hash string) (auth.Principal, error) {
	const op = "accounts.LookupAPIKey"
	it, found, err := store.Get[keyHashItem](ctx, r.db, r.table, keyHashPK(hash), skKey)
	if err != nil {
		return auth.Principal{}, fault.Wrap(op, err)
	}
	if !found || it.Revoked {
		return auth.Principal{}, fault.New(fault.Unauthorized, op, "API key is unknown or revoked")
	}
	return auth.Principal{Kind: auth.KindClient, AccountKind: it.AccountKind, AccountID: it.AccountID, KeyID: it.KeyID}, nil
}

func (k keyItem) toAPIKey() APIKey {
	out := APIKey{ID: k.ID, AccountKind: k.AccountKind, AccountID: k.AccountID, Name: k.Name,
		Prefix: k.Prefix, Mode: k.Mode, CreatedAt: parseTS(k.CreatedAt)}
	if k.RevokedAt != "" {
		t := parseTS(k.RevokedAt)
		out.RevokedAt = &t
	}
	return out
}
