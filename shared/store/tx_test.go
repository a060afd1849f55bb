package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// A cancelled transaction answers by part name, whatever the order the
// parts were added in, and gives the failed part's item as it was.
func TestTx_ACancellationIsReadByNameInAnyOrder(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	table := db.Table(topology.TableLedger)
	ctx := context.Background()
	if err := store.NewTx().Add("seed", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table),
		Item: map[string]types.AttributeValue{"pk": store.S("X"), "sk": store.S("X"), "state": store.S("taken")}}}).Write(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	taken := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("X"), "sk": store.S("X")}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}
	free := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(pk)"),
		Item: map[string]types.AttributeValue{"pk": store.S("Y"), "sk": store.S("Y")}}}
	for _, tx := range []*store.Tx{
		store.NewTx().Add("code", taken).Add("deal", free),
		store.NewTx().Add("deal", free).Add("code", taken),
	} {
		err := tx.Write(ctx, db.Client)
		tc, ok := err.(*store.TxCanceled)
		if !ok || !tc.Failed("code") || tc.Failed("deal") || tc.Failed("nothing") || !store.Failed(err, "code") {
			t.Fatalf("cancellation = %v", err)
		}
		if store.StringAttr(tc.Item("code"), "state") != "taken" || tc.Item("deal") != nil {
			t.Fatalf("items: %v / %v", tc.Item("code"), tc.Item("deal"))
		}
	}
}

func TestTx_ANameUsedTwiceIsAProgrammingError(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a duplicate part name was accepted")
		}
	}()
	store.NewTx().Add("deal", types.TransactWriteItem{}).Add("deal", types.TransactWriteItem{})
}
