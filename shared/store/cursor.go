package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrBadCursor is returned for a cursor that this package did not make,
// or that was made for another query.
var ErrBadCursor = errors.New("store: malformed cursor")

// A cursor is a LastEvaluatedKey bound to the query that produced it: the
// key's string and number attributes, and a digest of the query's shape
// (table, index, key condition, filter, values, names, order; not the
// limit, which may change between pages). A cursor sent with other filters
// (another `from`, another `status`) is refused before it reaches
// DynamoDB, whose answer to a start key outside the query would be a 500.
type cursorDoc struct {
	Key   map[string][2]string `json:"k"`
	Query string               `json:"q"`
}

// QueryDigest names a query's shape for its cursors.
func QueryDigest(in *dynamodb.QueryInput) string {
	h := sha256.New()
	w := func(s string) { h.Write([]byte(strconv.Itoa(len(s)) + ":" + s)) }
	w(aws.ToString(in.TableName))
	w(aws.ToString(in.IndexName))
	w(aws.ToString(in.KeyConditionExpression))
	w(aws.ToString(in.FilterExpression))
	w(strconv.FormatBool(aws.ToBool(in.ScanIndexForward)))
	for _, k := range sortedKeys(in.ExpressionAttributeValues) {
		w(k)
		switch v := in.ExpressionAttributeValues[k].(type) {
		case *types.AttributeValueMemberS:
			w("S" + v.Value)
		case *types.AttributeValueMemberN:
			w("N" + v.Value)
		case *types.AttributeValueMemberBOOL:
			w("B" + strconv.FormatBool(v.Value))
		default:
			w("?")
		}
	}
	names := make([]string, 0, len(in.ExpressionAttributeNames))
	for k, v := range in.ExpressionAttributeNames {
		names = append(names, k+"="+v)
	}
	sort.Strings(names)
	for _, n := range names {
		w(n)
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

func sortedKeys(m map[string]types.AttributeValue) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EncodeCursor makes an opaque pagination cursor from a LastEvaluatedKey
// of the query whose digest is query. Keys hold only string and number
// attributes.
func EncodeCursor(key map[string]types.AttributeValue, query string) string {
	if len(key) == 0 {
		return ""
	}
	doc := cursorDoc{Key: map[string][2]string{}, Query: query}
	for k, v := range key {
		switch av := v.(type) {
		case *types.AttributeValueMemberS:
			doc.Key[k] = [2]string{"S", av.Value}
		case *types.AttributeValueMemberN:
			doc.Key[k] = [2]string{"N", av.Value}
		}
	}
	b, _ := json.Marshal(doc)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reverses EncodeCursor for the query whose digest is query:
// a cursor of another query is ErrBadCursor. Callers must still check that
// the decoded key lies in the partition they are listing, so that an edited
// cursor can never reach another owner's items.
func DecodeCursor(s, query string) (map[string]types.AttributeValue, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > 2048 {
		return nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	var doc cursorDoc
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Key) == 0 || len(doc.Key) > 4 || doc.Query != query {
		return nil, ErrBadCursor
	}
	out := map[string]types.AttributeValue{}
	for k, v := range doc.Key {
		switch v[0] {
		case "S":
			out[k] = &types.AttributeValueMemberS{Value: v[1]}
		case "N":
			if _, err := strconv.ParseFloat(v[1], 64); err != nil {
				return nil, ErrBadCursor
			}
			out[k] = &types.AttributeValueMemberN{Value: v[1]}
		default:
			return nil, ErrBadCursor
		}
	}
	return out, nil
}

// S is a string attribute value.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// StringAttr reads a string attribute, "" when absent or not a string.
func StringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
