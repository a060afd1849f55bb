package referrals

// Key design of the referrals table (pk, sk strings):
//
//	pk                         sk          gsi1pk / gsi1sk                gsi2pk / gsi2sk              item
//	COM#<cid>                  META        -                              -                            community projection (owner, currency, URL), from CommunityCreated
//	EVT#<eventId>              EVT         -                              -                            a consumed event (dedupe), expires after 7 days
//	PRG#<pid>                  META        COM#<cid>#PRGS / <pid>         -                            a program: terms for future deals, status, version
//	PRG#<pid>                  BUDGET      -                              -                            notes on the budget: when it ran out (told once), what came back after the close
//	DEAL#<did>                 META        PRG#<pid>#DEALS / <did>        INF#<uid>#DEALS / <did>      a deal: status, frozen terms, code
//	DEAL#<did>                 STATS       -                              -                            counters: clicks, bot clicks, conversions, commission pending/cleared/reversed
//	APP#<pid>#<uid>            APP         -                              -                            one deal per influencer per program
//	CODE#<code>                CODE        -                              -                            a referral code (lower case) → its deal: unique
//	CLK#<clickId>              META        -                              -                            a click: deal, time, hashed IP and user agent, conversions from it
//	FLOOD#<did>#<src>#<minute> FLOOD       -                              -                            one click per source per deal per minute, expires after 2 days
//	EXT#<cid>#<externalId>     EXT         -                              -                            a community's conversion id → our conversion, with the body's hash
//	CNV#<cnvId>                META        DEAL#<did>#CNVS / <cnvId>      COM#<cid>#FLAGGED / <cnvId>  a conversion and its commission (gsi2 only while flagged)
//	CUST#<pid>#<customerId>    CUST        -                              -                            the first deal a customer converted on, per program
//	IPH#<pid>#<src>#<day>      IPH         -                              -                            conversions from one hashed source per program per day
//	INF#<uid>                  CUR#<cur>   -                              -                            a currency the influencer has earned in (for earnings)
//	INF#<uid>                  OWED#<cur>  -                              -                            clawbacks the influencer owes, deducted from later clearings
//	MREF#<cid>#<uid>           MREF        DEAL#<did>#MEMBERS / <joined>  -                            a person's referral in a community (first touch): its deal or why none, what they paid and earned
//	MEXT#<cid>#<paymentId>     EXT         -                              -                            a member's payment → its conversion, apart from the ids communities report
//	RFD#<cnvId>#<refundId>     RFD         -                              -                            a membership payment's refund, applied to its commission once
//
// A program's budget is a ledger draw-down hold (its id is the program's):
// funded by the opening and top-ups, drawn by each accrual, given back by
// a commission reversed before it cleared, released at the close. It
// never commits more than it was funded: an accrual is one transaction
// with the hold's draw (a conditional ADD on what remains), the
// conversion, its EXT and CUST guards, the program's status as read and
// its events. Concurrent reports of one
// externalId meet on the EXT item's attribute_not_exists, so exactly one
// conversion is recorded.

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

// Index names.
const (
	IndexByParent = topology.IndexGSI1
	IndexByOwner  = topology.IndexGSI2
)

// Repository loads and saves referrals data.
type Repository struct {
	db     *dynamodb.Client
	table  string
	outbox string
}

// NewRepository returns a repository over the referrals table.
func NewRepository(db *store.DB) *Repository {
	return &Repository{db: db.Client, table: db.Table(topology.TableReferrals), outbox: db.Table(topology.TableOutbox)}
}

type programItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	GSI1PK        string `dynamodbav:"gsi1pk"`
	GSI1SK        string `dynamodbav:"gsi1sk"`
	ID            string `dynamodbav:"id"`
	CommunityID   string `dynamodbav:"communityId"`
	Name          string `dynamodbav:"name"`
	Currency      string `dynamodbav:"currency"`
	Terms         Terms  `dynamodbav:"terms"`
	MinimumPayout int64  `dynamodbav:"minimumPayout"`
	Status        string `dynamodbav:"status"`
	CreatedAt     string `dynamodbav:"createdAt"`
	UpdatedAt     string `dynamodbav:"updatedAt"`
	Version       int    `dynamodbav:"version"`
}

// budgetItem is what referrals notes beside the ledger's hold of a
// program's budget; the money itself is the ledger's.
type budgetItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	// ExhaustedAt is set when a conversion first found the budget short,
	// so the owner is told once per exhaustion; a top-up clears it.
	ExhaustedAt string `dynamodbav:"exhaustedAt,omitempty"`
	// ReturnedAfterClose is commission reversed after the budget was
	// released: it went to the community's available balance.
	ReturnedAfterClose int64 `dynamodbav:"returnedAfterClose"`
}

type dealItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk"`
	GSI1SK       string `dynamodbav:"gsi1sk"`
	GSI2PK       string `dynamodbav:"gsi2pk"`
	GSI2SK       string `dynamodbav:"gsi2sk"`
	ID           string `dynamodbav:"id"`
	ProgramID    string `dynamodbav:"programId"`
	CommunityID  string `dynamodbav:"communityId"`
	InfluencerID string `dynamodbav:"influencerId"`
	Currency     string `dynamodbav:"currency"`
	Status       string `dynamodbav:"status"`
	Pitch        string `dynamodbav:"pitch,omitempty"`
	InvitedBy    string `dynamodbav:"invitedBy,omitempty"`
	// Terms are frozen at approval.
	Terms      *Terms `dynamodbav:"terms,omitempty"`
	Code       string `dynamodbav:"code,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt"`
	ApprovedAt string `dynamodbav:"approvedAt,omitempty"`
	EndedAt    string `dynamodbav:"endedAt,omitempty"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
	Version    int    `dynamodbav:"version"`
}

func (it *dealItem) index() {
	it.PK, it.SK = "DEAL#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "PRG#"+it.ProgramID+"#DEALS", it.ID
	it.GSI2PK, it.GSI2SK = "INF#"+it.InfluencerID+"#DEALS", it.ID
}

type statsItem struct {
	Clicks             int64 `dynamodbav:"clicks"`
	BotClicks          int64 `dynamodbav:"botClicks"`
	Conversions        int64 `dynamodbav:"conversions"`
	CommissionPending  int64 `dynamodbav:"commissionPending"`
	CommissionCleared  int64 `dynamodbav:"commissionCleared"`
	CommissionReversed int64 `dynamodbav:"commissionReversed"`
	Members            int64 `dynamodbav:"members"`
}

type clickItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	ID          string `dynamodbav:"id"`
	DealID      string `dynamodbav:"dealId"`
	At          string `dynamodbav:"at"`
	Source      string `dynamodbav:"source"` // HMAC of the IP address, never the address
	Agent       string `dynamodbav:"agent"`  // HMAC of the user agent
	Bot         bool   `dynamodbav:"bot"`
	Conversions int64  `dynamodbav:"conversions"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
}

type extItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	ConversionID string `dynamodbav:"conversionId"`
	BodyHash     string `dynamodbav:"bodyHash"`
}

type conversionItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk"`
	GSI1SK       string `dynamodbav:"gsi1sk"`
	GSI2PK       string `dynamodbav:"gsi2pk,omitempty"`
	GSI2SK       string `dynamodbav:"gsi2sk,omitempty"`
	ID           string `dynamodbav:"id"`
	ExternalID   string `dynamodbav:"externalId"`
	CommunityID  string `dynamodbav:"communityId"`
	ProgramID    string `dynamodbav:"programId"`
	DealID       string `dynamodbav:"dealId"`
	InfluencerID string `dynamodbav:"influencerId"`
	ClickID      string `dynamodbav:"clickId,omitempty"`
	CustomerID   string `dynamodbav:"customerId"`
	Amount       int64  `dynamodbav:"amount"`
	Currency     string `dynamodbav:"currency"`
	Status       string `dynamodbav:"status"`
	Reason       string `dynamodbav:"reason,omitempty"`
	Commission   int64  `dynamodbav:"commission"`
	// Reversed is how much of the amount the community refunded;
	// CommissionReversed the commission that took back, of which
	// Clawback was already cleared (and is owed back).
	Reversed           int64  `dynamodbav:"reversed"`
	CommissionReversed int64  `dynamodbav:"commissionReversed"`
	Clawback           int64  `dynamodbav:"clawback"`
	Reversals          int    `dynamodbav:"reversals"`
	Cleared            int64  `dynamodbav:"cleared"`  // what reached available
	Deducted           int64  `dynamodbav:"deducted"` // what clearing kept back for earlier clawbacks
	ClearsAt           string `dynamodbav:"clearsAt,omitempty"`
	CreatedAt          string `dynamodbav:"createdAt"`
	UpdatedAt          string `dynamodbav:"updatedAt"`
	Rev                int    `dynamodbav:"rev"`
	// A membership's payment (DESIGN §18): recorded by Souq, its refunds
	// follow the membership's. UserID is the member, never shown.
	Source       string `dynamodbav:"source,omitempty"`
	MembershipID string `dynamodbav:"membershipId,omitempty"`
	UserID       string `dynamodbav:"userId,omitempty"`
	PaymentKind  string `dynamodbav:"paymentKind,omitempty"`
	PeriodStart  string `dynamodbav:"periodStart,omitempty"`
	PeriodEnd    string `dynamodbav:"periodEnd,omitempty"`
}

// SourceMembership marks a conversion Souq recorded from a membership's
// payment; SourceReported one a community's server reported.
const (
	SourceMembership = "membership"
	SourceReported   = "reported"
)

func (it *conversionItem) index() {
	it.PK, it.SK = "CNV#"+it.ID, "META"
	it.GSI1PK, it.GSI1SK = "DEAL#"+it.DealID+"#CNVS", it.ID
	it.GSI2PK, it.GSI2SK = "", ""
	if Status(it.Status) == Flagged {
		it.GSI2PK, it.GSI2SK = "COM#"+it.CommunityID+"#FLAGGED", it.ID
	}
}

func marshalPut(table string, v any, cond string, vals map[string]types.AttributeValue) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeValues = vals
	}
	return types.TransactWriteItem{Put: p}, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S(sk)}
}

func get[T any](ctx context.Context, r *Repository, op, pk, sk string) (T, bool, error) {
	it, found, err := store.Get[T](ctx, r.db, r.table, pk, sk)
	return it, found, fault.Wrap(op, err)
}

func (r *Repository) program(ctx context.Context, id string) (programItem, bool, error) {
	return get[programItem](ctx, r, "referrals.program", "PRG#"+id, "META")
}

func (r *Repository) budget(ctx context.Context, programID string) (budgetItem, error) {
	b, _, err := get[budgetItem](ctx, r, "referrals.budget", "PRG#"+programID, "BUDGET")
	return b, err
}

func (r *Repository) deal(ctx context.Context, id string) (dealItem, bool, error) {
	return get[dealItem](ctx, r, "referrals.deal", "DEAL#"+id, "META")
}

func (r *Repository) stats(ctx context.Context, dealID string) (statsItem, error) {
	s, _, err := get[statsItem](ctx, r, "referrals.stats", "DEAL#"+dealID, "STATS")
	return s, err
}

func (r *Repository) conversion(ctx context.Context, id string) (conversionItem, bool, error) {
	return get[conversionItem](ctx, r, "referrals.conversion", "CNV#"+id, "META")
}

// statsAdd counts on a deal's STATS item.
func (r *Repository) statsAdd(dealID string, deltas map[string]int64) types.TransactWriteItem {
	expr, vals, names := "ADD", map[string]types.AttributeValue{}, map[string]string{}
	i := 0
	for field, d := range deltas {
		if i > 0 {
			expr += ","
		}
		expr += " #f" + string(rune('a'+i)) + " :v" + string(rune('a'+i))
		names["#f"+string(rune('a'+i))] = field
		vals[":v"+string(rune('a'+i))] = store.N(d)
		i++
	}
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("DEAL#"+dealID, "STATS"),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: vals}}
}

// page reads one page of an index partition.
func page[T any](ctx context.Context, r *Repository, op, index, keyAttr, value string, forward bool, limit int, cursor string) ([]T, string, error) {
	items, next, err := store.IndexPage[T](ctx, r.db, r.table, index, keyAttr, value, forward, limit, cursor)
	return items, next, fault.Wrap(op, err)
}
