package store

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCursor_RoundTripsAndRefusesForgeries(t *testing.T) {
	key := map[string]types.AttributeValue{"pk": S("COM#com_1"), "sk": S("KEY#key_9"), "n": &types.AttributeValueMemberN{Value: "42"}}
	got, err := DecodeCursor(EncodeCursor(key))
	if err != nil || StringAttr(got, "pk") != "COM#com_1" || StringAttr(got, "sk") != "KEY#key_9" || got["n"].(*types.AttributeValueMemberN).Value != "42" {
		t.Fatalf("round trip = %v, %v", got, err)
	}
	if c, err := DecodeCursor(""); c != nil || err != nil {
		t.Fatal("empty cursor means the first page")
	}
	for _, bad := range []string{"%%%", "bm90IGpzb24", "e30", "eyJwayI6WyJYIiwiYSJdfQ", string(make([]byte, 3000))} {
		if _, err := DecodeCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrBadCursor", bad, err)
		}
	}
}
