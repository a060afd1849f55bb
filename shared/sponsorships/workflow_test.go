package sponsorships

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

var allStatuses = []Status{PendingReview, ChangesRequested, Countered, Approved, Rejected, Cancelled, Expired, Published}
var allActions = []Action{Approve, Reject, RequestChanges, Propose, Publish, Revise, Cancel, AcceptProposal, DeclineProposal, Expire}

// Every state × action by its rightful role: exactly the table's pairs are
// allowed, everything else is 409 with the current state.
func TestNext_EveryStateAndAction(t *testing.T) {
	want := map[Status]map[Action]Status{
		PendingReview:    {Approve: Approved, Reject: Rejected, RequestChanges: ChangesRequested, Propose: Countered, Cancel: Cancelled, Expire: Expired},
		ChangesRequested: {Revise: PendingReview, Cancel: Cancelled, Reject: Rejected, Expire: Expired},
		Countered:        {AcceptProposal: PendingReview, DeclineProposal: PendingReview, Cancel: Cancelled, Reject: Rejected, Expire: Expired},
		Approved:         {Publish: Published, Cancel: Cancelled},
	}
	roleOf := map[Action]Role{Approve: Owner, Reject: Owner, RequestChanges: Owner, Propose: Owner, Publish: Owner,
		Revise: Sponsor, Cancel: Sponsor, AcceptProposal: Sponsor, DeclineProposal: Sponsor, Expire: System}
	for _, s := range allStatuses {
		for _, a := range allActions {
			tr, err := Next(s, a, roleOf[a])
			to, ok := want[s][a]
			switch {
			case ok && (err != nil || tr.To != to):
				t.Errorf("%s + %s: %v %v, want → %s", s, a, tr.To, err, to)
			case !ok && fault.KindOf(err) != fault.Conflict:
				t.Errorf("%s + %s: %v, want 409", s, a, err)
			case !ok:
				if fe, _ := fault.As(err); fe.State != string(s) {
					t.Errorf("%s + %s: the 409 must carry the current state, got %q", s, a, fe.State)
				}
			}
		}
	}
	for _, s := range []Status{Rejected, Cancelled, Expired, Published} {
		if !s.Terminal() {
			t.Errorf("%s is terminal", s)
		}
	}
}

// Money moves exactly where the contract says.
func TestTransitions_MoveMoneyAsTheContractSays(t *testing.T) {
	for _, tr := range Transitions {
		var want Money
		switch {
		case tr.Do == Approve:
			want = Capture
		case tr.Do == Publish:
			want = Pay
		case tr.From == Approved && tr.Do == Cancel:
			want = Refund
		case tr.Do == Reject || tr.Do == Cancel || tr.Do == Expire:
			want = Release
		case tr.Do == AcceptProposal:
			want = Adjust
		}
		if tr.Money != want {
			t.Errorf("%s + %s moves %q, want %q", tr.From, tr.Do, tr.Money, want)
		}
		if tr.FreesDate != (want == Release || want == Refund) {
			t.Errorf("%s + %s: a booking gives its date back exactly when its money goes back", tr.From, tr.Do)
		}
	}
}

func TestNext_WrongRoleIsForbidden(t *testing.T) {
	for _, c := range []struct {
		a Action
		r Role
	}{{Approve, Sponsor}, {Publish, Sponsor}, {Revise, Owner}, {AcceptProposal, Owner}, {Expire, Owner}, {Cancel, Owner}} {
		if _, err := Next(PendingReview, c.a, c.r); fault.KindOf(err) != fault.Forbidden {
			t.Errorf("%s by %s: %v, want 403", c.a, c.r, err)
		}
	}
}

func TestGuard_RefundOnlyAfterTheGrace(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s := Sponsorship{Status: Approved, PublishDate: day}
	tr, _ := Next(Approved, Cancel, Sponsor)
	if err := Guard(tr, s, day.Add(PublishGrace-time.Second)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("within the grace: %v", err)
	}
	if err := Guard(tr, s, day.Add(PublishGrace)); err != nil {
		t.Fatalf("after the grace: %v", err)
	}
	ex, _ := Next(PendingReview, Expire, System)
	if err := Guard(ex, Sponsorship{ReviewDeadline: day}, day.Add(-time.Millisecond)); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("expire before the deadline: %v", err)
	}
}

func TestCheckContent_AppliesTheOfferingsLimits(t *testing.T) {
	l := ContentLimits{MaxTitle: 10, MaxBody: 20, LinkRequired: true}
	ok := Content{Title: "Hello", Body: "A short body", Link: "https://acme.example"}
	if err := CheckContent(l, ok, "content."); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Content{
		"long title":  {Title: "Hello world!", Body: "b", Link: "https://a.example"},
		"long body":   {Title: "t", Body: "012345678901234567890", Link: "https://a.example"},
		"no link":     {Title: "t", Body: "b"},
		"bad link":    {Title: "t", Body: "b", Link: "javascript:alert(1)"},
		"http image":  {Title: "t", Body: "b", Link: "https://a.example", ImageURL: "http://a.example/i.png"},
		"blank title": {Title: " ", Body: "b", Link: "https://a.example"},
	} {
		err := CheckContent(l, c, "content.")
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || len(fe.Fields) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestGuard_OwnerCannotDecideAfterTheDeadline(t *testing.T) {
	deadline := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, st := range []Status{PendingReview, ChangesRequested, Countered} {
		s := Sponsorship{Status: st, ReviewDeadline: deadline}
		tr, err := Next(st, Reject, Owner)
		if err != nil {
			t.Fatal(err)
		}
		if err := Guard(tr, s, deadline.Add(-time.Millisecond)); err != nil {
			t.Errorf("%s, before the deadline: %v", st, err)
		}
		if err := Guard(tr, s, deadline); fault.KindOf(err) != fault.Conflict {
			t.Errorf("%s, at the deadline: %v, want 409", st, err)
		}
		cancel, _ := Next(st, Cancel, Sponsor)
		if err := Guard(cancel, s, deadline.Add(time.Hour)); err != nil {
			t.Errorf("%s: the sponsor may still cancel past the deadline: %v", st, err)
		}
	}
}

// docs/sponsorships.md prints the state machine; it must be this table.
func TestDocs_StateMachineTableIsTheCodes(t *testing.T) {
	doc, err := os.ReadFile("../../docs/sponsorships.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := transitionsTable(); !strings.Contains(string(doc), want) {
		t.Fatalf("docs/sponsorships.md must contain the table of Transitions exactly:\n%s", want)
	}
}

func transitionsTable() string {
	var b strings.Builder
	b.WriteString("| from | action | by | to | money | date |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, t := range Transitions {
		m := string(t.Money)
		if m == "" {
			m = "—"
		}
		d := "kept"
		if t.FreesDate {
			d = "given back"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s` | %s | %s |\n", t.From, t.Do, t.By, t.To, m, d)
	}
	return b.String()
}
