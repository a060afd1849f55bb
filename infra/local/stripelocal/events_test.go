package stripelocal

import (
	"context"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v83"

	"github.com/souqhq/souq/shared/clock"
)

type eventList struct {
	Data []struct {
		ID, Type, ObjectID string
		Created            int64
		Delivered          bool
		Status             int
	}
}

// Events are Stripe's: signed for the receiver's wall clock (stripe-go's
// ConstructEvent, with its 5-minute tolerance and API version check,
// accepts them) while created is the platform's clock, years ahead.
func TestEvents_AreSignedForTheWallClockAndDatedByThePlatformClock(t *testing.T) {
	t.Parallel()
	ahead := time.Date(2039, 1, 31, 9, 0, 0, 0, time.UTC) // the platform's clock, years past the wall clock the signatures use
	si := start(t, clock.NewFake(ahead).Now)
	cus := si.customer(t)
	se := paymentSession(t, si, cus, "dep_signed", 1200)
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`, 200, nil)
	si.rc.expectTypes(t, "checkout.session.completed", "payment_intent.succeeded")

	var list eventList
	si.mustCall(t, "GET", "/local/stripe/events", "", 200, &list)
	if len(list.Data) != 2 {
		t.Fatalf("events = %+v", list)
	}
	for i, e := range list.Data {
		if !e.Delivered || e.Status != 200 || e.Created != ahead.Unix() || e.ID != si.rc.all()[i].ID {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	if list.Data[0].ObjectID != se.ID {
		t.Fatalf("objectId = %s, want %s", list.Data[0].ObjectID, se.ID)
	}
	pi := si.rc.all()[1].Object
	if pi["object"] != "payment_intent" || pi["status"] != "succeeded" || pi["amount"] != float64(1200) {
		t.Fatalf("payment_intent.succeeded object = %v", pi)
	}
	if _, ok := pi["latest_charge"].(string); !ok {
		t.Fatalf("an event's object is unexpanded: latest_charge = %v", pi["latest_charge"])
	}
}

// Held events are recorded, not sent, and releasing the hold sends none
// of them: a test sends them with resend, in the order it likes.
func TestEvents_HeldThenResentOutOfOrder(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	var hold struct{ Hold bool }
	si.mustCall(t, "POST", "/local/stripe/delivery", `{"hold":true}`, 200, &hold)
	if !hold.Hold {
		t.Fatal("not held")
	}
	se := paymentSession(t, si, si.customer(t), "dep_held", 1000)
	si.mustCall(t, "POST", "/local/checkout/"+se.ID, `{"card":"4242424242424242"}`, 200, nil)
	si.mustCall(t, "POST", "/local/stripe/delivery", `{"hold":false}`, 200, nil)
	si.rc.expectTypes(t)

	var list eventList
	si.mustCall(t, "GET", "/local/stripe/events", "", 200, &list)
	if len(list.Data) != 2 || list.Data[0].Delivered || list.Data[0].Status != 0 {
		t.Fatalf("held events = %+v", list)
	}
	var resent struct {
		ID        string
		Delivered bool
		Status    int
	}
	si.mustCall(t, "POST", "/local/stripe/events/"+list.Data[1].ID+"/resend", "", 200, &resent)
	if !resent.Delivered || resent.Status != 200 || resent.ID != list.Data[1].ID {
		t.Fatalf("resend = %+v", resent)
	}
	si.mustCall(t, "POST", "/local/stripe/events/"+list.Data[0].ID+"/resend", "", 200, nil)
	si.rc.expectTypes(t, "payment_intent.succeeded", "checkout.session.completed")
	if si.rc.all()[0].ID != list.Data[1].ID {
		t.Fatal("a resent event got a new id")
	}
	si.mustCall(t, "POST", "/local/stripe/events/evt_nope/resend", "", 404, nil)
	si.mustCall(t, "POST", "/local/stripe/delivery", `{}`, 400, nil)
}

// An endpoint that refuses (or is not there yet) breaks nothing: the
// delivery is recorded with its status and not retried.
func TestEvents_AFailedDeliveryIsRecordedNotRetried(t *testing.T) {
	t.Parallel()
	si := start(t, nil)
	si.rc.answer(404)
	cus := si.customer(t)
	pi, err := offSession(si, cus, "pm_card_visa", "dep_404", 1000)
	if err != nil || pi.Status != stripe.PaymentIntentStatusSucceeded {
		t.Fatal(pi, err)
	}
	var list eventList
	si.mustCall(t, "GET", "/local/stripe/events", "", 200, &list)
	if len(list.Data) != 1 || list.Data[0].Delivered || list.Data[0].Status != 404 || len(si.rc.types()) != 1 {
		t.Fatalf("events = %+v, received %v", list, si.rc.types())
	}
	si.rc.answer(200)
	var resent struct{ Delivered bool }
	si.mustCall(t, "POST", "/local/stripe/events/"+list.Data[0].ID+"/resend", "", 200, &resent)
	if !resent.Delivered {
		t.Fatal("resend not delivered")
	}
	if _, err := si.sc.V1PaymentIntents.Retrieve(context.Background(), pi.ID, nil); err != nil {
		t.Fatal(err)
	}
}
