package memberships

import "testing"

// The whole state table: every status against every event, what it
// becomes, and everything else refused.
func TestNext_TheStateTable(t *testing.T) {
	statuses := []Status{Incomplete, Trialing, Active, PastDue, Ended}
	events := []Event{FirstPaid, Renewed, PaymentFailed, PeriodEnded, RetriesSpent, CheckoutExpire}
	want := map[Status]map[Event]Status{
		Incomplete: {FirstPaid: Active, CheckoutExpire: Ended},
		Trialing:   {Renewed: Active, PaymentFailed: PastDue, PeriodEnded: Ended},
		Active:     {Renewed: Active, PaymentFailed: PastDue, PeriodEnded: Ended},
		PastDue:    {Renewed: Active, PaymentFailed: PastDue, RetriesSpent: Ended, PeriodEnded: Ended},
		Ended:      {},
	}
	for _, s := range statuses {
		for _, e := range events {
			got, err := Next(s, e)
			w, ok := want[s][e]
			switch {
			case ok && (err != nil || got != w):
				t.Errorf("%s on %s = %s %v, want %s", s, e, got, err, w)
			case !ok && err == nil:
				t.Errorf("%s on %s became %s: it cannot happen", s, e, got)
			}
		}
	}
	for s, b := range map[Status]bool{Incomplete: false, Trialing: true, Active: true, PastDue: true, Ended: false} {
		if s.Benefits() != b {
			t.Errorf("%s benefits %v", s, s.Benefits())
		}
	}
	if Ended.Live() || !Incomplete.Live() {
		t.Error("live statuses")
	}
}

// A failed renewal is retried 1, 3 and 7 days after it failed, and not a
// fourth time.
func TestNextRetry(t *testing.T) {
	failed := day("2039-02-28T09:00")
	for n, want := range []string{"2039-03-01T09:00", "2039-03-03T09:00", "2039-03-07T09:00"} {
		if at, ok := NextRetry(failed, n); !ok || !at.Equal(day(want)) {
			t.Errorf("retry %d at %s %v, want %s", n+1, at, ok, want)
		}
	}
	if _, ok := NextRetry(failed, 3); ok {
		t.Error("a fourth retry")
	}
}
