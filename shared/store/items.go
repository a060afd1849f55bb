package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// CursorFor decodes a list's cursor and checks that it continues the same
// list (its keyAttr equals want), so an edited cursor can never reach
// another owner's items. A bad cursor is a 400 naming the field.
func CursorFor(cursor, keyAttr, want string) (map[string]types.AttributeValue, error) {
	start, err := DecodeCursor(cursor)
	if err != nil || (start != nil && StringAttr(start, keyAttr) != want) {
		return nil, fault.InvalidFields("store.CursorFor", "cursor is not valid for this list",
			fault.FieldError{Field: "cursor", Message: "is malformed or from another list"})
	}
	return start, nil
}

// QueryPage runs one page of a query, continuing from cursor, which must
// belong to the list whose keyAttr is want. It returns the items as T and
// the cursor of the next page ("" on the last).
func QueryPage[T any](ctx context.Context, c *dynamodb.Client, in *dynamodb.QueryInput, cursor, keyAttr, want string) ([]T, string, error) {
	start, err := CursorFor(cursor, keyAttr, want)
	if err != nil {
		return nil, "", err
	}
	in.ExclusiveStartKey = start
	out, err := c.Query(ctx, in)
	if err != nil {
		return nil, "", Classify(err)
	}
	items := []T{}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", err
	}
	return items, EncodeCursor(out.LastEvaluatedKey), nil
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
