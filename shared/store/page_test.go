package store_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// A cursor that does not fit its query is the client's 400, never a 500:
// another filter, a start key outside the key condition (even one that
// carries this query's digest and the caller's own partition), a key
// missing its attributes.
func TestQueryPage_ACursorThatDoesNotFitIs400(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	table := db.Table(topology.TableLedger)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_, err := db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": store.S("A#x"), "sk": store.S(fmt.Sprintf("P#2026-0%d", i+1)),
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	query := func(lo string) *dynamodb.QueryInput {
		return &dynamodb.QueryInput{
			TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": store.S("A#x"), ":lo": store.S(lo), ":hi": store.S("P#\uffff")},
			Limit:                     aws.Int32(2),
		}
	}
	type row struct {
		SK string `dynamodbav:"sk"`
	}
	page, next, err := store.QueryPage[row](ctx, db.Client, query("P#"), "", "pk", "A#x")
	if err != nil || len(page) != 2 || next == "" {
		t.Fatalf("first page %v %q %v", page, next, err)
	}
	if page2, _, err := store.QueryPage[row](ctx, db.Client, query("P#"), next, "pk", "A#x"); err != nil || len(page2) != 2 || page2[0].SK != "P#2026-03" {
		t.Fatalf("second page %v %v", page2, err)
	}
	forge := func(key map[string][2]string, q *dynamodb.QueryInput) string {
		b, _ := json.Marshal(map[string]any{"k": key, "q": store.QueryDigest(q)})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for name, cursor := range map[string]string{
		"the same cursor with another filter": next,
		"a start key below the range":         forge(map[string][2]string{"pk": {"S", "A#x"}, "sk": {"S", "A"}}, query("P#2026-04")),
		"a start key without its sort key":    forge(map[string][2]string{"pk": {"S", "A#x"}}, query("P#2026-04")),
		"another partition":                   forge(map[string][2]string{"pk": {"S", "A#y"}, "sk": {"S", "P#2026-05"}}, query("P#2026-04")),
		"a number that is not one":            forge(map[string][2]string{"pk": {"S", "A#x"}, "sk": {"N", "1e"}}, query("P#2026-04")),
	} {
		_, _, err := store.QueryPage[row](ctx, db.Client, query("P#2026-04"), cursor, "pk", "A#x")
		var fe *fault.Error
		if fault.KindOf(err) != fault.Invalid || !asFault(err, &fe) || len(fe.Fields) != 1 || fe.Fields[0].Field != "cursor" {
			t.Errorf("%s: %v, want a 400 naming cursor", name, err)
		}
	}
}

func asFault(err error, fe **fault.Error) bool {
	e, ok := err.(*fault.Error)
	*fe = e
	return ok
}
