package sponsorships

import (
	"fmt"
	"sort"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

// Status is where a sponsorship is in its review.
type Status string

// Statuses (DESIGN §9), plus countered: the owner proposed other terms
// and the sponsor has to answer.
const (
	PendingReview    Status = "pending_review"
	ChangesRequested Status = "changes_requested"
	Countered        Status = "countered"
	Approved         Status = "approved"
	Rejected         Status = "rejected"
	Cancelled        Status = "cancelled"
	Expired          Status = "expired"
	Published        Status = "published"
)

// Action is what someone does to a sponsorship.
type Action string

// Actions: the owner's, the sponsor's, and the clock's.
const (
	Approve         Action = "approve"
	Reject          Action = "reject"
	RequestChanges  Action = "request-changes"
	Propose         Action = "propose"
	Publish         Action = "publish"
	Revise          Action = "revise"
	Cancel          Action = "cancel"
	AcceptProposal  Action = "accept-proposal"
	DeclineProposal Action = "decline-proposal"
	Expire          Action = "expire"
)

// Role is who may take an action.
type Role string

// Roles.
const (
	Owner   Role = "owner"   // the community's owner (or its API key)
	Sponsor Role = "sponsor" // the advertiser that booked
	System  Role = "system"  // the review deadline
)

// Money says what an action does to the booking's funds.
type Money string

// Money movements.
const (
	Nothing Money = ""
	Release Money = "release" // the hold back to the sponsor
	Capture Money = "capture" // the hold into the community's held balance
	Pay     Money = "pay"     // the community's held funds to available, less the fee
	Refund  Money = "refund"  // the community's held funds back to the sponsor
	Adjust  Money = "adjust"  // the hold moves to the proposal's price
)

// Transition is one row of the state machine.
type Transition struct {
	From  Status
	Do    Action
	By    Role
	To    Status
	Money Money
	// FreesDate: the booking gives its date back to the offering.
	FreesDate bool
}

// Transitions is the whole state machine: every (state, action) pair not
// listed here is refused with 409 and the current state. docs/sponsorships.md
// prints this table.
var Transitions = []Transition{
	{PendingReview, Approve, Owner, Approved, Capture, false},
	{PendingReview, Reject, Owner, Rejected, Release, true},
	{PendingReview, RequestChanges, Owner, ChangesRequested, Nothing, false},
	{PendingReview, Propose, Owner, Countered, Nothing, false},
	{PendingReview, Cancel, Sponsor, Cancelled, Release, true},
	{PendingReview, Expire, System, Expired, Release, true},
	{ChangesRequested, Revise, Sponsor, PendingReview, Nothing, false},
	{ChangesRequested, Cancel, Sponsor, Cancelled, Release, true},
	{ChangesRequested, Reject, Owner, Rejected, Release, true},
	{ChangesRequested, Expire, System, Expired, Release, true},
	{Countered, AcceptProposal, Sponsor, PendingReview, Adjust, false},
	{Countered, DeclineProposal, Sponsor, PendingReview, Nothing, false},
	{Countered, Cancel, Sponsor, Cancelled, Release, true},
	{Countered, Reject, Owner, Rejected, Release, true},
	{Countered, Expire, System, Expired, Release, true},
	{Approved, Publish, Owner, Published, Pay, false},
	// Approved but not published within PublishGrace of its publish date:
	// the sponsor may cancel and is refunded (Guard checks the time).
	{Approved, Cancel, Sponsor, Cancelled, Refund, true},
}

// PublishGrace is how long past its publish date an approved post may
// stay unpublished before its sponsor may cancel for a refund.
const PublishGrace = 14 * 24 * time.Hour

// Next finds the transition for an action in a state by a role. A wrong
// state is 409 with the state; a role that may not take this action is
// 404 for strangers (the caller checks ownership) and 403 here: a sponsor
// cannot approve its own booking.
func Next(from Status, do Action, by Role) (Transition, error) {
	const op = "sponsorships.Next"
	allowedBy := map[Role]bool{}
	for _, t := range Transitions {
		if t.Do == do {
			allowedBy[t.By] = true
			if t.From == from && t.By == by {
				return t, nil
			}
		}
	}
	if len(allowedBy) > 0 && !allowedBy[by] {
		roles := make([]string, 0, len(allowedBy))
		for r := range allowedBy {
			roles = append(roles, string(r))
		}
		sort.Strings(roles)
		return Transition{}, fault.New(fault.Forbidden, op, fmt.Sprintf("only the %v may %s", roles, do))
	}
	return Transition{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(from),
		Message: fmt.Sprintf("a sponsorship that is %s cannot be %s", from, pastTense(do))}
}

// Guard applies the rules a transition has beyond its table row.
func Guard(t Transition, s Sponsorship, now time.Time) error {
	if t.From == Approved && t.Do == Cancel && now.Before(s.PublishBy()) {
		return &fault.Error{Kind: fault.Conflict, Op: "sponsorships.Guard", State: string(s.Status),
			Message: "an approved post can be cancelled only when it was not published within 14 days of its publish date (" + s.PublishBy().Format(time.RFC3339) + ")"}
	}
	// Past the deadline the booking is expiring (its schedule may be
	// seconds late): the owner can no longer decide or propose. The sponsor
	// may still cancel or answer, which releases or renews like the clock.
	if t.By == Owner && s.Status.Waiting() && !now.Before(s.ReviewDeadline) {
		return &fault.Error{Kind: fault.Conflict, Op: "sponsorships.Guard", State: string(s.Status),
			Message: "the review deadline passed at " + s.ReviewDeadline.UTC().Format(time.RFC3339) + "; the booking expires"}
	}
	if t.Do == Expire && now.Before(s.ReviewDeadline) {
		return &fault.Error{Kind: fault.Conflict, Op: "sponsorships.Guard", State: string(s.Status), Message: "the review deadline has not passed"}
	}
	return nil
}

func pastTense(a Action) string {
	switch a {
	case Approve:
		return "approved"
	case Reject:
		return "rejected"
	case RequestChanges:
		return "sent back for changes"
	case Propose:
		return "countered"
	case Publish:
		return "published"
	case Revise:
		return "revised"
	case Cancel:
		return "cancelled"
	case AcceptProposal, DeclineProposal:
		return "answered (there is no open proposal)"
	case Expire:
		return "expired"
	}
	return string(a)
}

// Waiting reports whether a sponsorship waits for a decision or an answer
// before its review deadline.
func (s Status) Waiting() bool {
	return s == PendingReview || s == ChangesRequested || s == Countered
}

// Terminal reports whether nothing more can happen to a sponsorship.
func (s Status) Terminal() bool {
	for _, t := range Transitions {
		if t.From == s {
			return false
		}
	}
	return true
}
