package sponsorships_test

import (
	"context"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	sp "github.com/souqhq/souq/shared/sponsorships"
)

// A keyed booking run again (its first run committed and stopped before
// the key's answer was kept; the client asked again once the lease ran
// out) answers the first run's booking before it checks anything that may
// have changed meanwhile (here the date, no longer bookable a minute past
// midnight), and holds the price once. The same key with another request
// is 422; once the key's life is over, it books anew.
func TestBook_AKeyedRequestRunAgainAnswersItsBooking(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5_000)
	adv := ledger.Advertiser("adv_acme")
	w.clock.Advance(time.Date(2026, 11, 30, 23, 59, 30, 0, time.UTC).Sub(w.clock.Now()))
	scope := w.sponsor.ID() + " POST /v1/offerings/{offeringId}/sponsorships"
	ctx := api.WithRequestKey(context.Background(), scope, "k1", "fp-1")
	in := sp.BookInput{AdvertiserID: "adv_acme", DesiredDate: "2026-12-01", Content: content}
	first, err := w.svc.Book(ctx, w.sponsor, w.offering.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(61 * time.Second)
	again, err := w.svc.Book(ctx, w.sponsor, w.offering.ID, in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("the run again answered %q, %v; want booking %s", again.ID, err, first.ID)
	}
	if b := w.bal(adv); b.Held != 1_000 || b.Available != 4_000 {
		t.Fatalf("after a booking run twice: %+v, want 1,000 held once", b)
	}
	// Another request under the same key (another fingerprint): 422.
	other := api.WithRequestKey(context.Background(), scope, "k1", "fp-2")
	if _, err := w.svc.Book(other, w.sponsor, w.offering.ID, sp.BookInput{AdvertiserID: "adv_acme", DesiredDate: "2026-12-03", Content: content}); fault.KindOf(err) != fault.IdempotencyMismatch {
		t.Fatalf("the same key with another request: %v, want idempotency_mismatch", err)
	}
	// Another principal's same key is another request.
	if _, err := w.svc.Book(api.WithRequestKey(context.Background(), "usr_else POST /v1/offerings/{offeringId}/sponsorships", "k1", "fp-1"),
		w.sponsor, w.offering.ID, sp.BookInput{AdvertiserID: "adv_acme", DesiredDate: "2026-12-04", Content: content}); err != nil {
		t.Fatalf("another scope's key: %v", err)
	}
	// A day on, the key is a new request: a new booking.
	w.clock.Advance(25 * time.Hour)
	later, err := w.svc.Book(ctx, w.sponsor, w.offering.ID, sp.BookInput{AdvertiserID: "adv_acme", DesiredDate: "2026-12-05", Content: content})
	if err != nil || later.ID == first.ID {
		t.Fatalf("the key a day on answered %q, %v; want a new booking", later.ID, err)
	}
	if b := w.bal(adv); b.Held != 3_000 {
		t.Fatalf("three bookings hold %d, want 3,000", b.Held)
	}
	w.verify()
}
