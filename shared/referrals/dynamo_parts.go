package referrals

// The transaction parts and reads of the use cases, named for what they
// guard or count; the services build transactions from them and never
// spell a key or an expression (the key design is in dynamo.go).

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
)

var statusName = map[string]string{"#s": "status"}

// codeDeal reads the deal a referral code (lower case) points to.
func (r *Repository) codeDeal(ctx context.Context, op, code string) (string, bool, error) {
	ref, found, err := get[struct {
		DealID string `dynamodbav:"dealId"`
	}](ctx, r, op, "CODE#"+code, "CODE")
	return ref.DealID, found, err
}

func (r *Repository) click(ctx context.Context, op, clickID string) (clickItem, bool, error) {
	return get[clickItem](ctx, r, op, "CLK#"+clickID, "META")
}

// customerPK keys the first deal a customer converted on, per program.
func customerPK(programID, customerID string) string { return "CUST#" + programID + "#" + customerID }

// customerDeal reads that first deal.
func (r *Repository) customerDeal(ctx context.Context, op, programID, customerID string) (string, bool, error) {
	c, found, err := get[struct {
		DealID string `dynamodbav:"dealId"`
	}](ctx, r, op, customerPK(programID, customerID), "CUST")
	return c.DealID, found, err
}

// sourcePK keys the conversions of one hashed source per program per day.
func sourcePK(programID, source string, day time.Time) string {
	return fmt.Sprintf("IPH#%s#%s#%s", programID, source, day.Format(clock.DayLayout))
}

func (r *Repository) sourceConversions(ctx context.Context, op, pk string) (int64, error) {
	n, _, err := get[struct {
		N int64 `dynamodbav:"n"`
	}](ctx, r, op, pk, "IPH")
	return n.N, err
}

// owed reads the clawbacks an influencer owes in a currency.
func (r *Repository) owed(ctx context.Context, op, influencerID, currency string) (int64, error) {
	o, _, err := get[struct {
		Amount int64 `dynamodbav:"amount"`
	}](ctx, r, op, "INF#"+influencerID, "OWED#"+currency)
	return o.Amount, err
}

// earningsRows reads an influencer's per-currency rows (currencies seen,
// owed, paid).
func (r *Repository) earningsRows(ctx context.Context, influencerID string) ([]map[string]any, error) {
	return store.QueryAll[map[string]any](ctx, r.db, &dynamodb.QueryInput{
		TableName: aws.String(r.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S("INF#" + influencerID)},
	}, 5)
}

// floodGuard is the minute's first click of a source on a deal: a second
// finds it (attribute_not_exists) and stands for the first.
func (r *Repository) floodGuard(floodPK, clickID string, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), ConditionExpression: aws.String("attribute_not_exists(pk)"), Item: map[string]types.AttributeValue{
		"pk": store.S(floodPK), "sk": store.S("FLOOD"), "clickId": store.S(clickID), "expiresAt": store.N(now.Add(48 * time.Hour).Unix())}}}
}

func floodPK(dealID, source string, now time.Time) string {
	return fmt.Sprintf("FLOOD#%s#%s#%d", dealID, source, now.Unix()/60)
}

func (r *Repository) floodClick(ctx context.Context, op, floodPK string) (string, error) {
	f, _, err := get[struct {
		ClickID string `dynamodbav:"clickId"`
	}](ctx, r, op, floodPK, "FLOOD")
	return f.ClickID, err
}

// applicationGuard: one deal per influencer per program.
func (r *Repository) applicationGuard(programID, influencerID, dealID string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("APP#" + programID + "#" + influencerID), "sk": store.S("APP"), "dealId": store.S(dealID)}}}
}

// codeClaim takes a referral code for a deal: codes are unique.
func (r *Repository) codeClaim(code, dealID string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("CODE#" + code), "sk": store.S("CODE"), "dealId": store.S(dealID)}}}
}

// programAt: the program is still at the version read.
func (r *Repository) programAt(programID string, version int) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(r.table), Key: key("PRG#"+programID, "META"),
		ConditionExpression: aws.String("version = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": store.N(int64(version))}}}
}

// programIn: the program is still in the status read.
func (r *Repository) programIn(programID, status string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(r.table), Key: key("PRG#"+programID, "META"),
		ConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: statusName, ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.S(status)}}}
}

// programOpen: the program is not closed.
func (r *Repository) programOpen(programID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(r.table), Key: key("PRG#"+programID, "META"),
		ConditionExpression: aws.String("#s <> :closed"), ExpressionAttributeNames: statusName,
		ExpressionAttributeValues: map[string]types.AttributeValue{":closed": store.S(string(ProgramClosed))}}}
}

// dealIn: the deal is still in the status read.
func (r *Repository) dealIn(dealID, status string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(r.table), Key: key("DEAL#"+dealID, "META"),
		ConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: statusName, ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.S(status)}}}
}

// customerFirst remembers the first deal a customer converted on; first
// only (exclusive) when the conversion earns on a program that does not
// pay for repeat customers, so a racing repeat is refused.
func (r *Repository) customerFirst(programID, customerID, dealID string, exclusive bool) types.TransactWriteItem {
	u := &types.Update{TableName: aws.String(r.table), Key: key(customerPK(programID, customerID), "CUST"),
		UpdateExpression: aws.String("SET dealId = if_not_exists(dealId, :d)"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": store.S(dealID)}}
	if exclusive {
		u.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	return types.TransactWriteItem{Update: u}
}

// externalID is a community's conversion id (or a member's payment id)
// → ours, with the body's hash: pk is externalPK's or memberPaymentPK's.
func (r *Repository) externalID(pk, conversionID, hash string) (types.TransactWriteItem, error) {
	return marshalPut(r.table, extItem{PK: pk, SK: "EXT", ConversionID: conversionID, BodyHash: hash}, "attribute_not_exists(pk)", nil)
}

func externalPK(communityID, externalID string) string {
	return "EXT#" + communityID + "#" + externalID
}

// currencySeen notes a currency the influencer earns in (for earnings).
func (r *Repository) currencySeen(influencerID, currency string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), Item: map[string]types.AttributeValue{
		"pk": store.S("INF#" + influencerID), "sk": store.S("CUR#" + currency), "currency": store.S(currency)}}}
}

// exhaustedMark notes once per exhaustion that the budget ran out (a
// top-up clears it with budgetTopped).
func (r *Repository) exhaustedMark(programID string, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("PRG#"+programID, "BUDGET"),
		UpdateExpression: aws.String("SET exhaustedAt = :t"), ConditionExpression: aws.String("attribute_not_exists(exhaustedAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": store.S(clock.Format(now))}}}
}

func (r *Repository) budgetTopped(programID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("PRG#"+programID, "BUDGET"),
		UpdateExpression: aws.String("REMOVE exhaustedAt")}}
}

// returnedAfterClose counts commission reversed after the budget's release.
func (r *Repository) returnedAfterClose(programID string, amount int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("PRG#"+programID, "BUDGET"),
		UpdateExpression: aws.String("ADD returnedAfterClose :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": store.N(amount)}}}
}

// clickConverted counts a conversion on its click.
func (r *Repository) clickConverted(clickID string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("CLK#"+clickID, "META"),
		UpdateExpression: aws.String("ADD conversions :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": store.N(1)}}}
}

// sourceConverted counts a conversion on its source's day (kept 3 days).
func (r *Repository) sourceConverted(pk string, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key(pk, "IPH"),
		UpdateExpression:          aws.String("ADD n :one SET expiresAt = :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": store.N(1), ":x": store.N(now.Add(72 * time.Hour).Unix())}}}
}

// owedAdd adds a clawback to what an influencer owes.
func (r *Repository) owedAdd(influencerID, currency string, amount int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("INF#"+influencerID, "OWED#"+currency),
		UpdateExpression: aws.String("ADD amount :d SET currency = :c"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": store.N(amount), ":c": store.S(currency)}}}
}

// owedDeduct takes a deduction off what is owed, as long as it is owed.
func (r *Repository) owedDeduct(influencerID, currency string, amount int64) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: key("INF#"+influencerID, "OWED#"+currency),
		UpdateExpression: aws.String("ADD amount :m"), ConditionExpression: aws.String("amount >= :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": store.N(-amount), ":d": store.N(amount)}}}
}

// paidAdd adds what a payout paid an influencer, once per event.
func (r *Repository) paidAdd(ctx context.Context, eventID, influencerID, currency string, amount int64, now time.Time) error {
	return store.ApplyOnce(ctx, r.db, r.table, eventID, now, store.Part{Name: "paid", Item: types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(r.table), Key: key("INF#"+influencerID, "PAID#"+currency),
		UpdateExpression:          aws.String("ADD amount :a SET currency = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": store.N(amount), ":c": store.S(currency)},
	}}})
}

func (it *programItem) index() {
	it.PK, it.SK, it.GSI1PK, it.GSI1SK = "PRG#"+it.ID, "META", "COM#"+it.CommunityID+"#PRGS", it.ID
}

// putProgram writes a program over the version (and status) it was read at.
func (r *Repository) putProgram(ctx context.Context, prg programItem, readVersion int, readStatus string) error {
	cond, vals := "version = :v", map[string]types.AttributeValue{":v": store.N(int64(readVersion))}
	if readStatus != "" {
		cond += " AND #s = :s"
		vals[":s"] = store.S(readStatus)
	}
	item, err := attributevalue.MarshalMap(prg)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: item, ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals}
	if readStatus != "" {
		in.ExpressionAttributeNames = statusName
	}
	return store.PutItem(ctx, r.db, in)
}

func (r *Repository) communityPrograms(ctx context.Context, communityID string, limit int, cursor string) ([]programItem, string, error) {
	return page[programItem](ctx, r, "referrals.ListPrograms", IndexByParent, "gsi1pk", "COM#"+communityID+"#PRGS", false, limit, cursor)
}

func (r *Repository) influencerDeals(ctx context.Context, op, influencerID string, limit int, cursor string) ([]dealItem, string, error) {
	return page[dealItem](ctx, r, op, IndexByOwner, "gsi2pk", "INF#"+influencerID+"#DEALS", false, limit, cursor)
}

func (r *Repository) programDeals(ctx context.Context, op, programID string, limit int, cursor string) ([]dealItem, string, error) {
	return page[dealItem](ctx, r, op, IndexByParent, "gsi1pk", "PRG#"+programID+"#DEALS", true, limit, cursor)
}

func (r *Repository) flaggedConversions(ctx context.Context, op, communityID string, limit int, cursor string) ([]conversionItem, string, error) {
	return page[conversionItem](ctx, r, op, IndexByOwner, "gsi2pk", "COM#"+communityID+"#FLAGGED", true, limit, cursor)
}

func (r *Repository) dealConversions(ctx context.Context, op, dealID string, limit int, cursor string) ([]conversionItem, string, error) {
	return page[conversionItem](ctx, r, op, IndexByParent, "gsi1pk", "DEAL#"+dealID+"#CNVS", false, limit, cursor)
}

// isOwed and isPaid tell an influencer's earnings rows apart.
func isOwed(sk string) bool { return strings.HasPrefix(sk, "OWED#") }
func isPaid(sk string) bool { return strings.HasPrefix(sk, "PAID#") }

func (it *clickItem) index() { it.PK, it.SK = "CLK#"+it.ID, "META" }

// memberPaidFrom sets when a member's first paid period began, once.
func (r *Repository) memberPaidFrom(ctx context.Context, m memberItem, paidFrom string) error {
	_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(r.table), Key: key(m.PK, m.SK),
		UpdateExpression: aws.String("SET paidFrom = :p"), ConditionExpression: aws.String("attribute_exists(pk) AND attribute_not_exists(paidFrom)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": store.S(paidFrom)}})
	return store.Classify(err)
}

// memberStatus keeps the member's latest membership as its events said:
// a later-joined membership, or a higher version of the same, wins.
func (r *Repository) memberStatus(ctx context.Context, m memberItem, ev events.Membership) error {
	_, err := r.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(r.table), Key: key(m.PK, m.SK),
		UpdateExpression: aws.String("SET #s = :s, tierName = :t, #i = :i, cancelAtPeriodEnd = :c, statusJoinedAt = :j, statusVersion = :v"),
		ConditionExpression: aws.String("attribute_exists(pk) AND (attribute_not_exists(statusJoinedAt) OR statusJoinedAt < :j OR " +
			"(statusJoinedAt = :j AND statusVersion < :v))"),
		ExpressionAttributeNames: map[string]string{"#s": "status", "#i": "interval"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": store.S(ev.Status), ":t": store.S(ev.TierName), ":i": store.S(ev.Interval),
			":c": &types.AttributeValueMemberBOOL{Value: ev.CancelAtPeriodEnd}, ":j": store.S(ev.JoinedAt), ":v": store.N(int64(ev.Version))}})
	return store.Classify(err)
}

// memberAdd counts on a member's referral what a payment, or a refund,
// paid and earned.
func (r *Repository) memberAdd(communityID, userID string, deltas map[string]int64) types.TransactWriteItem {
	u := r.statsAdd("", deltas).Update
	u.Key = key(memberPK(communityID, userID), "MREF")
	return types.TransactWriteItem{Update: u}
}

// refundGuard: a refund takes its commission back once.
func (r *Repository) refundGuard(conversionID, refundID string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(r.table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("RFD#" + conversionID + "#" + refundID), "sk": store.S("RFD")}}}
}
