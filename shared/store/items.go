package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/souqhq/souq/shared/fault"
)

// N is a number attribute value.
func N(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// NumberAttr reads an integer attribute, 0 when absent or not a number.
func NumberAttr(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// badCursor is the 400 every list answers for a cursor that does not fit.
func badCursor() error {
	return fault.InvalidFields("store.QueryPage", "cursor is not valid for this list",
		fault.FieldError{Field: "cursor", Message: "is malformed or from another list or filter"})
}

// QueryPage runs one page of a query, continuing from cursor, which must
// have been made by the same query (QueryDigest) and lie in the partition
// whose keyAttr is want, so an edited cursor can never reach another
// owner's items. It returns the items as T and the cursor of the next page
// ("" on the last). A cursor that does not fit is a 400 naming the field,
// never a 500: DynamoDB's refusal of a start key (outside the key
// condition, missing an index's key) is the cursor's fault, since the same
// query without it is well formed.
func QueryPage[T any](ctx context.Context, c *dynamodb.Client, in *dynamodb.QueryInput, cursor, keyAttr, want string) ([]T, string, error) {
	digest := QueryDigest(in)
	start, err := DecodeCursor(cursor, digest)
	if err != nil || (start != nil && StringAttr(start, keyAttr) != want) {
		return nil, "", badCursor()
	}
	in.ExclusiveStartKey = start
	out, err := c.Query(ctx, in)
	if err != nil {
		if start != nil && isValidation(err) {
			return nil, "", badCursor()
		}
		return nil, "", Classify(err)
	}
	items := []T{}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", err
	}
	return items, EncodeCursor(out.LastEvaluatedKey, digest), nil
}

func isValidation(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException"
}

// IndexPage is one page of an index partition (keyAttr = value), newest
// or oldest first, for the lists every context pages through.
func IndexPage[T any](ctx context.Context, c *dynamodb.Client, table, index, keyAttr, value string, forward bool, limit int, cursor string) ([]T, string, error) {
	return QueryPage[T](ctx, c, &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(index),
		KeyConditionExpression:    aws.String(keyAttr + " = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": S(value)},
		ScanIndexForward:          aws.Bool(forward), Limit: aws.Int32(int32(limit)),
	}, cursor, keyAttr, value)
}

// QueryAll reads every page of a query into T, up to maxPages pages: a
// bounded read of a partition the caller knows to be small.
func QueryAll[T any](ctx context.Context, c *dynamodb.Client, in *dynamodb.QueryInput, maxPages int) ([]T, error) {
	var out []T
	q := *in
	for page := 0; page < maxPages; page++ {
		res, err := c.Query(ctx, &q)
		if err != nil {
			return nil, Classify(err)
		}
		var items []T
		if err := attributevalue.UnmarshalListOfMaps(res.Items, &items); err != nil {
			return nil, err
		}
		out = append(out, items...)
		if res.LastEvaluatedKey == nil {
			return out, nil
		}
		q.ExclusiveStartKey = res.LastEvaluatedKey
	}
	return nil, fmt.Errorf("store: a query of more than %d pages", maxPages)
}

// Adds builds an update's ADD clause of counters, each under placeholders
// of its own (#aN, :aN), into the names and values an update already has.
type Adds struct {
	Names  map[string]string
	Values map[string]types.AttributeValue
	terms  []string
}

// Add adds n to the counter name.
func (a *Adds) Add(name string, n int64) {
	k := "a" + strconv.Itoa(len(a.terms))
	a.Names["#"+k], a.Values[":"+k] = name, N(n)
	a.terms = append(a.terms, "#"+k+" :"+k)
}

// AddEach adds each counter of m under prefix+its key, in key order (so
// that an update's text is the same for the same counts).
func (a *Adds) AddEach(prefix string, m map[string]int64) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a.Add(prefix+k, m[k])
	}
}

// Clause is "ADD …" of every counter added.
func (a *Adds) Clause() string { return "ADD " + strings.Join(a.terms, ", ") }
