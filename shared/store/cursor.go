package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrBadCursor is returned for a cursor that this package did not make.
var ErrBadCursor = errors.New("store: malformed cursor")

// EncodeCursor makes an opaque pagination cursor from a LastEvaluatedKey.
// Keys hold only string and number attributes.
func EncodeCursor(key map[string]types.AttributeValue) string {
	if len(key) == 0 {
		return ""
	}
	plain := map[string][2]string{}
	for k, v := range key {
		switch av := v.(type) {
		case *types.AttributeValueMemberS:
			plain[k] = [2]string{"S", av.Value}
		case *types.AttributeValueMemberN:
			plain[k] = [2]string{"N", av.Value}
		}
	}
	b, _ := json.Marshal(plain)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reverses EncodeCursor. Callers must check that the decoded
// key lies in the partition they are listing, so that an edited cursor can
// never reach another owner's items.
func DecodeCursor(s string) (map[string]types.AttributeValue, error) {
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
	var plain map[string][2]string
	if err := json.Unmarshal(b, &plain); err != nil || len(plain) == 0 || len(plain) > 4 {
		return nil, ErrBadCursor
	}
	out := map[string]types.AttributeValue{}
	for k, v := range plain {
		switch v[0] {
		case "S":
			out[k] = &types.AttributeValueMemberS{Value: v[1]}
		case "N":
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
