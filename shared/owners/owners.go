// Package owners is the one projection of who owns which community and
// advertiser that every product context keeps in its own table, fed by the
// bus (CommunityCreated, AdvertiserCreated), each event applied once; and
// the one "404 for strangers" check over it. Products never read the
// accounts table: they hear of accounts and remember what they need,
// their names too, so that a page names the other party (DESIGN §16).
//
// It knows nothing of any product. Its items, in the context's table:
//
//	pk          sk      item
//	COM#<cid>   META    a community: ownerId, currency, url, name (nameVersion)
//	ADV#<aid>   META    an advertiser: ownerId, currency, name
//	USR#<uid>   PERSON  a person's display name and its version (ListenPeople)
//	COM#<cid>   PAGES  a community's page allowlist and its version (ListenPages)
//	EVT#<eid>   EVT    an event applied (store.PutOnce), kept 7 days
package owners

import (
	"context"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/store"
)

// Kind is what is owned.
type Kind string

// The kinds of account a context may project.
const (
	Community  Kind = "COM"
	Advertiser Kind = "ADV"
)

func (k Kind) noun() string {
	if k == Advertiser {
		return "advertiser"
	}
	return "community"
}

func (k Kind) idPrefix() string {
	if k == Advertiser {
		return "adv"
	}
	return "com"
}

// Account is what a context knows of a community or an advertiser.
type Account struct {
	ID       string `dynamodbav:"id"`
	OwnerID  string `dynamodbav:"ownerId"`
	Currency string `dynamodbav:"currency"`
	// URL is a community's own site (referral links land there).
	URL string `dynamodbav:"url,omitempty"`
	// Name is the account's name as other parties see it ("" for an
	// account created before names were sent).
	Name string `dynamodbav:"name,omitempty"`
}

type item struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	Account
}

// Projection is one context's view of the accounts, in its own table.
type Projection struct {
	db    *dynamodb.Client
	table string
	clock clock.Clock
	// observer is Listen's handlers for both kinds, for Observe.
	observer *events.Mux
}

// New returns the projection kept in table.
func New(db *dynamodb.Client, table string, c clock.Clock) *Projection {
	p := &Projection{db: db, table: table, clock: c, observer: events.NewMux("owners")}
	p.Listen(p.observer, Community, Advertiser)
	return p
}

func pk(k Kind, accountID string) string { return string(k) + "#" + accountID }

// Listen has mux keep the projection of the kinds given.
func (p *Projection) Listen(mux *events.Mux, kinds ...Kind) {
	for _, k := range kinds {
		switch k {
		case Community:
			events.On(mux, func(ctx context.Context, e events.CommunityCreated) error {
				return p.record(ctx, e.EventID, Community, Account{ID: e.CommunityID, OwnerID: e.OwnerID, Currency: e.Currency, URL: e.URL, Name: e.Name})
			})
		case Advertiser:
			events.On(mux, func(ctx context.Context, e events.AdvertiserCreated) error {
				return p.record(ctx, e.EventID, Advertiser, Account{ID: e.AdvertiserID, OwnerID: e.OwnerID, Currency: e.Currency, Name: e.Name})
			})
		}
	}
}

// ListenPages has mux keep communities' page allowlists (CommunityUpdated),
// for the contexts that refuse traffic from pages elsewhere. Updates may
// arrive in any order: a version never replaces a later one.
func (p *Projection) ListenPages(mux *events.Mux) {
	events.On(mux, func(ctx context.Context, e events.CommunityUpdated) error {
		const op = "owners.ListenPages"
		if e.CommunityID == "" {
			return fault.New(fault.Invalid, op, "a community event without its id")
		}
		domains, err := attributevalue.Marshal(e.AllowedDomains)
		if err != nil {
			return fault.Wrap(op, err)
		}
		_, err = p.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(p.table),
			Item: map[string]types.AttributeValue{"pk": store.S(pk(Community, e.CommunityID)), "sk": store.S("PAGES"),
				"allowedDomains": domains, "version": store.N(int64(e.Version))},
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR version < :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(e.Version))},
		})
		if err = store.Classify(err); store.IsConditionFailed(err) {
			err = nil // an older (or the same) update: the newer one stands
		}
		if err != nil {
			return fault.Wrap(op, err)
		}
		return p.KeepName(ctx, e)
	})
}

// Pages is a community's page allowlist (empty: every page).
func (p *Projection) Pages(ctx context.Context, communityID string) ([]string, error) {
	it, _, err := store.Get[struct {
		AllowedDomains []string `dynamodbav:"allowedDomains"`
	}](ctx, p.db, p.table, pk(Community, communityID), "PAGES")
	return it.AllowedDomains, fault.Wrap("owners.Pages", err)
}

// Observe keeps the projection from an event as it came off the bus, for
// a consumer that takes every event as it is (webhooks): an account event
// is recorded, anything else is not this projection's.
func (p *Projection) Observe(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
	return p.observer.Handle(ctx, ev)
}

// record stores an account once per event it came from (the bus delivers
// at least once, in any order; an account is created once, so a later
// event never has to win over an earlier one). Its name is the one it was
// created with unless an update (KeepName) already named it: the creation
// is version 0 of the name, so it never replaces a later one.
func (p *Projection) record(ctx context.Context, eventID string, k Kind, a Account) error {
	const op = "owners.record"
	if a.ID == "" {
		return fault.New(fault.Invalid, op, "an account event without its id")
	}
	set := "SET id = :id, ownerId = :owner, currency = :currency"
	vals := map[string]types.AttributeValue{":id": store.S(a.ID), ":owner": store.S(a.OwnerID), ":currency": store.S(a.Currency)}
	names := map[string]string{}
	if a.URL != "" {
		set += ", #url = :url"
		names["#url"], vals[":url"] = "url", store.S(a.URL)
	}
	if a.Name != "" {
		set += ", #name = if_not_exists(#name, :name)"
		names["#name"], vals[":name"] = "name", store.S(a.Name)
	}
	upd := &types.Update{TableName: aws.String(p.table), Key: key(pk(k, a.ID), "META"),
		UpdateExpression: aws.String(set), ExpressionAttributeValues: vals}
	if len(names) > 0 {
		upd.ExpressionAttributeNames = names
	}
	return fault.Wrap(op, store.ApplyOnce(ctx, p.db, p.table, eventID, p.clock.Now(), store.Part{Name: "account", Item: types.TransactWriteItem{Update: upd}}))
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S(sk)}
}

// KeepName keeps a community's name from an update of its settings, when
// the update carries one: a version never replaces a later one, and the
// name it was created with is version 0. A context that handles
// CommunityUpdated for reasons of its own calls it from its handler (a
// mux takes one handler per detail-type); ListenPages does.
func (p *Projection) KeepName(ctx context.Context, e events.CommunityUpdated) error {
	const op = "owners.KeepName"
	if e.CommunityID == "" {
		return fault.New(fault.Invalid, op, "a community event without its id")
	}
	if e.Name == "" {
		return nil
	}
	_, err := p.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(p.table), Key: key(pk(Community, e.CommunityID), "META"),
		UpdateExpression:          aws.String("SET #name = :name, nameVersion = :v"),
		ConditionExpression:       aws.String("attribute_not_exists(nameVersion) OR nameVersion < :v"),
		ExpressionAttributeNames:  map[string]string{"#name": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": store.S(e.Name), ":v": store.N(int64(e.Version))},
	})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // an older (or the same) update: the newer name stands
	}
	return fault.Wrap(op, err)
}

// Get reads an account as the context knows it; found is false for one it
// has not heard of (yet): a name heard of before the account's creation
// is not an account.
func (p *Projection) Get(ctx context.Context, k Kind, accountID string) (Account, bool, error) {
	if !id.HasPrefix(accountID, k.idPrefix()) {
		return Account{}, false, nil
	}
	it, found, err := store.Get[item](ctx, p.db, p.table, pk(k, accountID), "META")
	if err != nil || !found || it.OwnerID == "" {
		return Account{}, false, fault.Wrap("owners.Get", err)
	}
	return it.Account, true, nil
}

// Name is an account's name as the context knows it: "" for one it has
// not heard of, or that has none.
func (p *Projection) Name(ctx context.Context, k Kind, accountID string) (string, error) {
	a, _, err := p.Get(ctx, k, accountID)
	return a.Name, err
}

// Names looks up the names of accounts for one response, each account
// read once however often it is named; ids of other kinds, or unknown,
// are named "". At most MaxNames distinct accounts are looked up, as a
// page has at most that many rows.
type Names struct {
	p     *Projection
	k     Kind
	known map[string]string
}

// MaxNames bounds the accounts one Names looks up (a page's rows).
const MaxNames = 200

// Names returns an empty lookup of accounts of kind k.
func (p *Projection) Names(k Kind) *Names { return &Names{p: p, k: k, known: map[string]string{}} }

// Of is the name of one account.
func (n *Names) Of(ctx context.Context, accountID string) (string, error) {
	if accountID == "" {
		return "", nil
	}
	if v, ok := n.known[accountID]; ok {
		return v, nil
	}
	if len(n.known) >= MaxNames {
		return "", nil
	}
	v, err := n.p.Name(ctx, n.k, accountID)
	if err != nil {
		return "", err
	}
	n.known[accountID] = v
	return v, nil
}

// Owned reads an account the principal owns as a person. A stranger gets
// the same 404 as for an account that does not exist, so ids cannot be
// probed.
func (p *Projection) Owned(ctx context.Context, op string, pr auth.Principal, k Kind, accountID string) (Account, error) {
	if pr.Kind != auth.KindUser {
		return Account{}, fault.New(fault.NotFound, op, "no such "+k.noun())
	}
	a, found, err := p.Get(ctx, k, accountID)
	if err != nil {
		return Account{}, err
	}
	if !found || a.OwnerID != pr.UserID {
		return Account{}, fault.New(fault.NotFound, op, "no such "+k.noun())
	}
	return a, nil
}
