package owners

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

// The people projection keeps what a context shows of a person to others:
// the display name they chose (PATCH /v1/me). Only the contexts that show
// people keep it (referrals: an influencer on a deal).

const skPerson = "PERSON"

func personPK(userID string) string { return "USR#" + userID }

// ListenPeople has mux keep people's display names (PersonUpdated).
// Updates may arrive in any order: a version never replaces a later one.
func (p *Projection) ListenPeople(mux *events.Mux) {
	events.On(mux, func(ctx context.Context, e events.PersonUpdated) error {
		const op = "owners.ListenPeople"
		if e.UserID == "" {
			return fault.New(fault.Invalid, op, "a person event without its user id")
		}
		_, err := p.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(p.table),
			Item: map[string]types.AttributeValue{"pk": store.S(personPK(e.UserID)), "sk": store.S(skPerson),
				"displayName": store.S(e.DisplayName), "version": store.N(int64(e.Version))},
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(e.Version))},
		})
		if err = store.Classify(err); store.IsConditionFailed(err) {
			return nil // an older (or the same) update: the newer one stands
		}
		return fault.Wrap(op, err)
	})
}

// DisplayName is the name a person shows others: "" for one who chose
// none, or whom the context has not heard of.
func (p *Projection) DisplayName(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	it, _, err := store.Get[struct {
		DisplayName string `dynamodbav:"displayName"`
	}](ctx, p.db, p.table, personPK(userID), skPerson)
	return it.DisplayName, fault.Wrap("owners.DisplayName", err)
}

// People looks up display names for one response, each person read once.
type People struct {
	p     *Projection
	known map[string]string
}

// People returns an empty lookup of display names.
func (p *Projection) People() *People { return &People{p: p, known: map[string]string{}} }

// Of is one person's display name.
func (n *People) Of(ctx context.Context, userID string) (string, error) {
	if v, ok := n.known[userID]; ok {
		return v, nil
	}
	if len(n.known) >= MaxNames {
		return "", nil
	}
	v, err := n.p.DisplayName(ctx, userID)
	if err != nil {
		return "", err
	}
	n.known[userID] = v
	return v, nil
}
