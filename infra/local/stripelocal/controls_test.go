package stripelocal

import (
	"context"
	"testing"
)

func TestDisputes_OpenCloseAndCloseTwice(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	cus := si.customer(t)
	pi, err := offSession(si, cus, si.saveCard(t, cus, "4242424242424242"), "dep_disputed", 4000)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		ID, Status, PaymentIntent, Charge string
		Amount                            int64
	}
	si.mustCall(t, "POST", "/local/stripe/disputes", `{"depositId":"dep_disputed"}`, 201, &d)
	if d.Status != "needs_response" || d.Amount != 4000 || d.PaymentIntent != pi.ID || d.Charge != pi.LatestCharge.ID {
		t.Fatalf("dispute = %+v", d)
	}
	si.mustCall(t, "POST", "/local/stripe/disputes", `{"depositId":"dep_disputed"}`, 409, nil)
	si.mustCall(t, "POST", "/local/stripe/disputes", `{"depositId":"dep_none"}`, 404, nil)
	si.mustCall(t, "POST", "/local/stripe/disputes", `{"depositId":"dep_disputed","amount":-1}`, 400, nil)
	si.mustCall(t, "POST", "/local/stripe/disputes/"+d.ID+"/close", `{"status":"maybe"}`, 400, nil)
	si.mustCall(t, "POST", "/local/stripe/disputes/"+d.ID+"/close", `{"status":"lost"}`, 200, &d)
	if d.Status != "lost" {
		t.Fatalf("closed = %+v", d)
	}
	si.mustCall(t, "POST", "/local/stripe/disputes/"+d.ID+"/close", `{"status":"won"}`, 409, nil)
	si.mustCall(t, "POST", "/local/stripe/disputes/du_nope/close", `{"status":"won"}`, 404, nil)

	evs := si.rc.all()
	created, closed := evs[len(evs)-2], evs[len(evs)-1]
	if created.Type != "charge.dispute.created" || closed.Type != "charge.dispute.closed" || closed.Object["status"] != "lost" ||
		created.Object["charge"] != d.Charge || created.Object["amount"] != float64(4000) || created.Object["reason"] != "fraudulent" {
		t.Fatalf("dispute events = %+v / %+v", created, closed)
	}
	if ch, _ := si.sc.V1Charges.Retrieve(context.Background(), d.Charge, nil); !ch.Disputed {
		t.Fatal("the charge is not marked disputed")
	}
	// Part of a charge can be disputed too.
	pi2, err := offSession(si, cus, "pm_card_visa", "dep_part", 4000)
	if err != nil {
		t.Fatal(err)
	}
	si.mustCall(t, "POST", "/local/stripe/disputes", `{"depositId":"dep_part","amount":1500}`, 201, &d)
	if d.Amount != 1500 || d.PaymentIntent != pi2.ID {
		t.Fatalf("partial dispute = %+v", d)
	}
}

// A refund from Stripe's dashboard has no Souq metadata; Souq hears of it
// from charge.refunded.
func TestDashboardRefund_SendsChargeRefunded(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	pi, err := offSession(si, si.customer(t), "pm_card_visa", "dep_dash", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		ID, Status, PaymentIntent, Charge string
		Amount                            int64
	}
	si.mustCall(t, "POST", "/local/stripe/refunds", `{"depositId":"dep_dash","amount":400}`, 201, &r)
	if r.Status != "succeeded" || r.Amount != 400 || r.PaymentIntent != pi.ID {
		t.Fatalf("refund = %+v", r)
	}
	si.mustCall(t, "POST", "/local/stripe/refunds", `{"depositId":"dep_dash","amount":601}`, 400, nil)
	si.mustCall(t, "POST", "/local/stripe/refunds", `{"depositId":"dep_dash"}`, 201, &r)
	if r.Amount != 600 {
		t.Fatalf("the rest = %+v", r)
	}
	si.mustCall(t, "POST", "/local/stripe/refunds", `{"depositId":"dep_dash"}`, 409, nil)
	si.mustCall(t, "POST", "/local/stripe/refunds", `{"depositId":"dep_none","amount":1}`, 404, nil)
	si.rc.expectTypes(t, "payment_intent.succeeded", "charge.refunded", "charge.refunded")
	ev := si.rc.all()[1].Object
	refunds := ev["refunds"].(map[string]any)["data"].([]any)
	if ev["amount_refunded"] != float64(400) || len(refunds) != 1 || len(refunds[0].(map[string]any)["metadata"].(map[string]any)) != 0 {
		t.Fatalf("charge.refunded = %v", ev)
	}
}
