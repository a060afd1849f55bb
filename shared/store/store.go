// Package store is Souq's access to DynamoDB: the client, the physical
// names of the topology's tables, and the translation of DynamoDB's
// conditional and transactional failures into fault kinds.
//
// It knows nothing of any product. It must never Scan on a request path and
// never hide a failed condition: a lost race is reported, not overwritten.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/souqhq/souq/shared/fault"
)

// DB is a DynamoDB client and the physical names of the tables a function
// may use.
type DB struct {
	Client *dynamodb.Client
	names  map[string]string
}

// NewDB pairs a client with logical→physical table names.
func NewDB(client *dynamodb.Client, names map[string]string) *DB {
	cp := make(map[string]string, len(names))
	for k, v := range names {
		cp[k] = v
	}
	return &DB{Client: client, names: cp}
}

// WithClient returns the same tables over another client (e.g. one with
// extra middleware).
func (db *DB) WithClient(c *dynamodb.Client) *DB { return &DB{Client: c, names: db.names} }

// Table returns the physical name of a logical table. A missing name is a
// wiring bug (the topology did not grant the table to this function), so it
// panics at start-up rather than failing a request later.
func (db *DB) Table(logical string) string {
	n, ok := db.names[logical]
	if !ok {
		panic(fmt.Sprintf("store: table %q is not wired into this function", logical))
	}
	return n
}

// EnvName is the environment variable that carries a table's physical name
// into a Lambda function, e.g. SOUQ_TABLE_ACCOUNTS.
func EnvName(logical string) string {
	return "SOUQ_TABLE_" + strings.ToUpper(strings.ReplaceAll(logical, "-", "_"))
}

// NamesFromEnv reads the physical names of the given logical tables from the
// environment, failing if any is missing.
func NamesFromEnv(logical []string) (map[string]string, error) {
	out := map[string]string{}
	for _, l := range logical {
		v := os.Getenv(EnvName(l))
		if v == "" {
			return nil, fmt.Errorf("store: %s is not set", EnvName(l))
		}
		out[l] = v
	}
	return out, nil
}

// PrefixedNames names every logical table prefix+logical: the local
// platform and tests give each run its own prefix.
func PrefixedNames(prefix string, logical []string) map[string]string {
	out := map[string]string{}
	for _, l := range logical {
		out[l] = prefix + l
	}
	return out
}

// ClientConfig says how to reach DynamoDB.
type ClientConfig struct {
	// Endpoint, when set, points at DynamoDB Local; static dummy credentials
	// are used so that nothing ever reaches AWS.
	Endpoint string
	Region   string
}

// NewClient builds a DynamoDB client. With an endpoint it is a local client
// that cannot reach AWS; without one it uses the Lambda environment.
func NewClient(ctx context.Context, cfg ClientConfig) (*dynamodb.Client, error) {
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	if cfg.Endpoint != "" {
		awsCfg := aws.Config{
			Region:      region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		}
		return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}), nil
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("store: load AWS config: %w", err)
	}
	return dynamodb.NewFromConfig(awsCfg), nil
}

// TxCanceled is a transaction cancelled because conditions failed. Ask it
// by part name (a Tx's): Failed("deal") says whether that part's
// condition failed, Item("deal") what the item held then.
type TxCanceled struct {
	// reasons[i] is DynamoDB's code for item i ("None" when it was fine,
	// "ConditionalCheckFailed" when its condition failed).
	reasons []string
	// items[i] is the item as it was when the condition failed, when the
	// write asked for it with ReturnValuesOnConditionCheckFailure.
	items []map[string]types.AttributeValue
	names []string // names[i] is item i's part name, when it ran as a Tx
}

func (e *TxCanceled) Error() string {
	out := "store: transaction canceled:"
	for i, r := range e.reasons {
		if r == "ConditionalCheckFailed" && i < len(e.names) {
			out += " " + e.names[i] + " failed its condition;"
		}
	}
	if len(e.names) == 0 {
		out += " " + strings.Join(e.reasons, ",")
	}
	return out
}

func (e *TxCanceled) index(name string) int {
	for i, n := range e.names {
		if n == name {
			return i
		}
	}
	return -1
}

// Failed reports whether the named part failed its condition.
func (e *TxCanceled) Failed(name string) bool {
	i := e.index(name)
	return i >= 0 && i < len(e.reasons) && e.reasons[i] == "ConditionalCheckFailed"
}

// Item is the named part's item as it was when its condition failed (nil
// when it did not fail or the write did not ask for it).
func (e *TxCanceled) Item(name string) map[string]types.AttributeValue {
	if i := e.index(name); i >= 0 && i < len(e.items) && e.Failed(name) {
		return e.items[i]
	}
	return nil
}

// Failed reports whether err is (or wraps) a transaction cancelled because
// the named part failed its condition.
func Failed(err error, name string) bool {
	var tc *TxCanceled
	return errors.As(err, &tc) && tc.Failed(name)
}

// transactWrite runs one TransactWriteItems (Tx.Write's engine; product
// code builds a Tx). token, when not empty, is the ClientRequestToken that
// makes a retried call within ten minutes a no-op.
//
// Failed conditions come back as *TxCanceled. A conflict with another transaction
// becomes fault.Conflict; throttling becomes fault.Unavailable. Both are
// safe for the client to retry.
func transactWrite(ctx context.Context, c *dynamodb.Client, items []types.TransactWriteItem, token string) error {
	if len(items) == 0 {
		return nil
	}
	if len(items) > 100 {
		return fmt.Errorf("store: %d items in one transaction, DynamoDB allows 100", len(items))
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	var err error
	for attempt := 1; ; attempt++ {
		_, err = c.TransactWriteItems(ctx, in)
		err = Classify(err)
		// A transaction cancelled by a conflict with another one wrote
		// nothing, so running it again is safe; conditions are evaluated
		// afresh. Give up after a few tries and let the client retry (409).
		if attempt >= maxConflictRetries || fault.KindOf(err) != fault.Conflict {
			return err
		}
		select {
		case <-ctx.Done():
			return Classify(ctx.Err())
		case <-time.After(time.Duration(attempt*10+rand.IntN(20)) * time.Millisecond):
		}
	}
}

// maxConflictRetries bounds how often a transaction that lost a race with
// another is run again before the conflict is reported. It is the one
// retry policy for lost races: callers do not add their own.
const maxConflictRetries = 10

// Classify turns a DynamoDB error into a fault where the caller can act on
// it: failed conditions stay visible (*TxCanceled or ErrConditionFailed),
// contention and throttling become retryable faults, the rest is internal.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		out := &TxCanceled{}
		conflict, throttled := false, false
		for _, r := range tce.CancellationReasons {
			code := aws.ToString(r.Code)
			out.reasons = append(out.reasons, code)
			out.items = append(out.items, r.Item)
			switch code {
			case "TransactionConflict":
				conflict = true
			case "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded":
				throttled = true
			}
		}
		for _, r := range out.reasons {
			if r == "ConditionalCheckFailed" {
				return out
			}
		}
		if conflict {
			return &fault.Error{Kind: fault.Conflict, Message: "a concurrent request changed the same object; retry", Err: err}
		}
		if throttled {
			return &fault.Error{Kind: fault.Unavailable, Message: "the store is busy; retry shortly", Err: err}
		}
		return fmt.Errorf("store: %w", err)
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return &ConditionFailedError{Item: ccf.Item, err: err}
	}
	var tc *types.TransactionConflictException
	if errors.As(err, &tc) {
		return &fault.Error{Kind: fault.Conflict, Message: "a concurrent request changed the same object; retry", Err: err}
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "TransactionInProgressException":
			return &fault.Error{Kind: fault.Unavailable, Message: "the store is busy; retry shortly", Err: err}
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &fault.Error{Kind: fault.Unavailable, Message: "the request timed out; retry", Err: err}
	}
	// The SDK gave up on a connection that failed or timed out: DynamoDB
	// may or may not have applied a write, and the caller's retry (with
	// its idempotency) settles which. Retryable, never internal.
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	if errors.As(err, &send) || errors.As(err, &netErr) {
		return &fault.Error{Kind: fault.Unavailable, Message: "the store did not answer; retry", Err: err}
	}
	return fmt.Errorf("store: %w", err)
}

// ConditionFailedError is a single-item write whose condition failed.
type ConditionFailedError struct {
	// Item is the item as it was, when the write asked for it.
	Item map[string]types.AttributeValue
	err  error
}

func (e *ConditionFailedError) Error() string { return "store: condition failed" }
func (e *ConditionFailedError) Unwrap() error { return e.err }

// IsConditionFailed reports whether err is a failed condition on a
// single-item write.
func IsConditionFailed(err error) bool {
	var c *ConditionFailedError
	return errors.As(err, &c)
}

// Get reads one item strongly consistent into T; found is false when the
// item does not exist.
func Get[T any](ctx context.Context, c *dynamodb.Client, table, pk, sk string) (item T, found bool, err error) {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": S(pk), "sk": S(sk)},
	})
	if err != nil {
		return item, false, Classify(err)
	}
	if out.Item == nil {
		return item, false, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &item); err != nil {
		return item, false, fmt.Errorf("store: unmarshal %s/%s: %w", pk, sk, err)
	}
	return item, true, nil
}

// PutItem writes in's item, under its condition if it has one, safely
// under the SDK's retries: when a write's answer is lost on the way back
// (a connection reset), the SDK sends the same input again, and a
// conditional write then meets its own first attempt (the item exists,
// or its version has moved on). So a conditional write carries a token
// of its own (the item's "wt" attribute, random per call) and asks for
// the item that failed the condition: when that item carries this call's
// token, the first attempt made the write and it is done. Another call's
// item (a replayed beacon's, a concurrent update's) fails the condition as
// before (Classify's *ConditionFailedError).
func PutItem(ctx context.Context, c *dynamodb.Client, in *dynamodb.PutItemInput) error {
	return PutItemAs(ctx, c, in, fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()))
}

// PutItemAs is PutItem with the caller's token: a caller that sends the
// same write again after a call failed (the write may have been made
// though every answer was lost) sends it with the token of its first
// call, and meeting its own item is done.
func PutItemAs(ctx context.Context, c *dynamodb.Client, in *dynamodb.PutItemInput, token string) error {
	if in.ConditionExpression == nil {
		token = ""
	}
	if token != "" {
		item := make(map[string]types.AttributeValue, len(in.Item)+1)
		for k, v := range in.Item {
			item[k] = v
		}
		item[WriteToken] = S(token)
		in.Item = item
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	_, err := c.PutItem(ctx, in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) && token != "" {
		if old, ok := failed.Item[WriteToken].(*types.AttributeValueMemberS); ok && old.Value == token {
			return nil
		}
	}
	return Classify(err)
}

// WriteToken is the attribute PutItem marks a conditional write with.
const WriteToken = "wt"

// AddOnce makes in's update, an unconditional one that adds to counters
// (ADD), once for token, a token the caller draws for these counts
// (NewAddToken) and sends them with every time: when an answer is lost on
// the way back (a connection reset, a 500 after the write), the SDK sends
// the same input again, and an ADD sent twice counts twice (an impression
// billed twice); and when the SDK gives up while the write was made, the
// caller sends the same counts again later. So the update keeps the item's
// last AddTokens tokens (wt0, newest, to wt5) and is made on the condition
// that none of them is this one: a send that meets its own earlier
// attempt is done. A send is counted twice only if AddTokens other sends
// wrote the same item between its attempt and its resend, so items it is
// used on are written by few (a counter's shard is one of 16, drawn per
// instance, written every few seconds).
func AddOnce(ctx context.Context, c *dynamodb.Client, in *dynamodb.UpdateItemInput, token string) error {
	if in.ConditionExpression != nil || in.UpdateExpression == nil || token == "" {
		return errors.New("store.AddOnce: an unconditional update expression and a token only")
	}
	names := make(map[string]string, len(in.ExpressionAttributeNames)+AddTokens)
	for k, v := range in.ExpressionAttributeNames {
		names[k] = v
	}
	vals := make(map[string]types.AttributeValue, len(in.ExpressionAttributeValues)+2)
	for k, v := range in.ExpressionAttributeValues {
		vals[k] = v
	}
	vals[":souqwt"], vals[":souqnone"] = S(token), S("-")
	set := make([]string, 0, AddTokens)
	cond := make([]string, 0, AddTokens)
	for i := 0; i < AddTokens; i++ {
		n := fmt.Sprintf("#souqwt%d", i)
		names[n] = fmt.Sprintf("%s%d", WriteToken, i)
		if i == 0 {
			set = append(set, n+" = :souqwt")
		} else {
			// Every operand reads the item as it was: the tokens shift by one.
			set = append(set, fmt.Sprintf("%s = if_not_exists(#souqwt%d, :souqnone)", n, i-1))
		}
		cond = append(cond, fmt.Sprintf("(attribute_not_exists(%s) OR %s <> :souqwt)", n, n))
	}
	expr := *in.UpdateExpression
	if loc := setClause.FindStringIndex(expr); loc != nil {
		expr = expr[:loc[1]] + strings.Join(set, ", ") + ", " + expr[loc[1]:]
	} else {
		expr = "SET " + strings.Join(set, ", ") + " " + expr
	}
	up := *in
	up.UpdateExpression, up.ExpressionAttributeNames, up.ExpressionAttributeValues = &expr, names, vals
	up.ConditionExpression = aws.String(strings.Join(cond, " AND "))
	_, err := c.UpdateItem(ctx, &up)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil // only this token's own earlier send carries it
	}
	return Classify(err)
}

// setClause finds an update expression's SET keyword (a clause's first
// word, in any case), not the letters inside a name such as #OFFSET.
var setClause = regexp.MustCompile(`(?i)(^|\s)SET\s+`)

// AddTokens is how many of its last writers' tokens an AddOnce item keeps.
const AddTokens = 6

// NewAddToken is a token for AddOnce: 64 random bits, as hex.
func NewAddToken() string { return fmt.Sprintf("%016x", rand.Uint64()) }

// KeyMark is a keyed create's mark (api.RequestKey names the request and
// its fingerprint), put in the create's own transaction beside the object
// it makes: it holds the object's id until expires (the Idempotency-Key's
// life, after which the same key is a new request). A run again of the
// same request finds it with KeyMarked and answers the first run's object;
// one that raced past that lookup meets it here (the transaction's part
// fails its condition).
func KeyMark(table, name, fingerprint, objectID string, now, expires time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
		Item:                      map[string]types.AttributeValue{"pk": S("KEY#" + name), "sk": S("KEY"), "object": S(objectID), "fp": S(fingerprint), "expiresAt": N(expires.Unix())},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": N(now.Unix())}}}
}

// Keyed is the object a keyed request (api.RequestKey's name and
// fingerprint) made on an earlier run, read by its id: found is false
// when the request came without a key, made nothing yet, or its mark has
// expired. Creates that hold money ask it before anything else, and again
// when their transaction meets the mark.
func Keyed[T any](ctx context.Context, c *dynamodb.Client, table, name, fingerprint string, now time.Time, read func(id string) (T, error)) (T, bool, error) {
	var zero T
	if name == "" {
		return zero, false, nil
	}
	objectID, found, err := KeyMarked(ctx, c, table, name, fingerprint, now)
	if err != nil || !found {
		return zero, false, err
	}
	v, err := read(objectID)
	return v, err == nil, err
}

// KeyMarked is the id of the object a keyed request made (found false
// when it made none, or its mark has expired, since the key is then a new
// request). The same key with another request (another fingerprint) is
// an IdempotencyMismatch.
func KeyMarked(ctx context.Context, c *dynamodb.Client, table, name, fingerprint string, now time.Time) (string, bool, error) {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": S("KEY#" + name), "sk": S("KEY")}})
	if err != nil {
		return "", false, Classify(err)
	}
	if out.Item == nil || NumberAttr(out.Item, "expiresAt") < now.Unix() {
		return "", false, nil
	}
	if StringAttr(out.Item, "fp") != fingerprint {
		return "", false, fault.New(fault.IdempotencyMismatch, "store.KeyMarked",
			"this Idempotency-Key was used for a different request; use a new key for a new request")
	}
	return StringAttr(out.Item, "object"), true, nil
}
