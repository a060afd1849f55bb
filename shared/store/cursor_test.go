package store

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCursor_RoundTripsAndRefusesForgeries(t *testing.T) {
	key := map[string]types.AttributeValue{"pk": S("COM#com_1"), "sk": S("KEY#key_9"), "n": &types.AttributeValueMemberN{Value: "42"}}
	got, err := DecodeCursor(EncodeCursor(key, "q1"), "q1")
	if err != nil || StringAttr(got, "pk") != "COM#com_1" || StringAttr(got, "sk") != "KEY#key_9" || got["n"].(*types.AttributeValueMemberN).Value != "42" {
		t.Fatalf("round trip = %v, %v", got, err)
	}
	if c, err := DecodeCursor("", "q1"); c != nil || err != nil {
		t.Fatal("empty cursor means the first page")
	}
	if _, err := DecodeCursor(EncodeCursor(key, "q1"), "q2"); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a cursor of another query = %v, want ErrBadCursor", err)
	}
	for _, bad := range []string{"%%%", "bm90IGpzb24", "e30", "eyJwayI6WyJYIiwiYSJdfQ", string(make([]byte, 3000))} {
		if _, err := DecodeCursor(bad, "q1"); !errors.Is(err, ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrBadCursor", bad, err)
		}
	}
}

// A cursor is bound to its query's filters and order, not its page size.
func TestQueryDigest_ChangesWithFiltersNotLimit(t *testing.T) {
	q := func(lo string, forward bool, limit int32) *dynamodb.QueryInput {
		return &dynamodb.QueryInput{
			TableName: aws.String("t"), KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": S("A"), ":lo": S(lo), ":hi": S("P#\uffff")},
			ScanIndexForward:          aws.Bool(forward), Limit: aws.Int32(limit),
		}
	}
	base := QueryDigest(q("P#2026", false, 10))
	if QueryDigest(q("P#2026", false, 50)) != base {
		t.Fatal("the limit changed the digest")
	}
	if QueryDigest(q("P#2025", false, 10)) == base || QueryDigest(q("P#2026", true, 10)) == base {
		t.Fatal("another filter or order kept the digest")
	}
}
