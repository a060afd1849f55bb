package sponsorships

import (
	"fmt"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/money"
)

// decision is what one action does to a sponsorship, decided before
// anything is written: the state machine has allowed the transition; each
// action checks the part of the input it takes and changes next. None
// reads or writes; commit writes what was decided, in one transaction.
type decision struct {
	op       string
	it, next sponsorshipItem // as read, and as it will be
	tr       Transition
	now      time.Time
	// note is what the history keeps (a reason, notes, a cancel's note).
	note string
	// renewDeadline: the other side has the review days to answer.
	renewDeadline bool
	// takesDate is a date the action takes on the offering (and it frees
	// the old one).
	takesDate string
	// version is a new content version the action stores.
	version *versionItem
}

func newDecision(op string, it sponsorshipItem, tr Transition, note string, now time.Time) *decision {
	next := it
	next.Status, next.Rev, next.History, next.UpdatedAt = string(tr.To), it.Rev+1, it.History+1, clock.Format(now)
	return &decision{op: op, it: it, next: next, tr: tr, now: now, note: note}
}

// decide runs the action's own rule, then what every action obeys.
func (d *decision) decide(do Action, in ActInput) error {
	var err error
	switch do {
	case Approve:
		err = d.approve(in.PublishDate)
	case Reject:
		err = d.reject(in.Reason)
	case RequestChanges:
		err = d.requestChanges(in.Notes)
	case Publish:
		err = d.publish(in.URL)
	case Propose:
		err = d.propose(in.Amount, in.Date, in.Notes)
	case AcceptProposal:
		d.acceptProposal()
	case DeclineProposal:
		d.declineProposal()
	case Revise:
		err = d.revise(in.Content)
	}
	if err != nil {
		return err
	}
	if msg := noteProblem(d.note, false); msg != "" {
		return d.invalid("note", msg)
	}
	return nil
}

func (d *decision) invalid(field, msg string) error {
	return fault.InvalidFields(d.op, "the request has invalid fields", fault.FieldError{Field: field, Message: msg})
}

// approve: published on the desired date, or on another the owner picks
// (today or later).
func (d *decision) approve(publishDate string) error {
	d.next.PublishDate = d.it.Date
	if publishDate == "" {
		return nil
	}
	day, err := ParseDate("publishDate", publishDate)
	if err != nil {
		return err
	}
	if day.Before(d.now.UTC().Truncate(24 * time.Hour)) {
		return d.invalid("publishDate", "must be today or later")
	}
	d.next.PublishDate = publishDate
	return nil
}

// reject: with the reason the sponsor reads.
func (d *decision) reject(reason string) error {
	if msg := noteProblem(reason, true); msg != "" {
		return d.invalid("reason", msg)
	}
	d.note = reason
	return nil
}

// requestChanges: with notes; the sponsor has the review days to revise.
func (d *decision) requestChanges(notes string) error {
	if msg := noteProblem(notes, true); msg != "" {
		return d.invalid("notes", msg)
	}
	d.note, d.renewDeadline = notes, true
	return nil
}

// publish: where the post went live, as proof.
func (d *decision) publish(url string) error {
	if msg := input.URL(url, false); msg != "" {
		return d.invalid("url", msg+": the https URL where the post is published")
	}
	d.next.PublishedURL = url
	return nil
}

// propose: the owner counters with another amount, another date, or both;
// the sponsor has the review days to answer.
func (d *decision) propose(amount *int64, date, notes string) error {
	if amount == nil && date == "" {
		return d.invalid("amount", "propose a new amount, a new date, or both")
	}
	d.next.ProposalPrice, d.next.ProposalDate, d.next.ProposalNote = d.it.Price, d.it.Date, notes
	if amount != nil {
		if *amount <= 0 || *amount > money.MaxMinor {
			return d.invalid("amount", "must be more than zero")
		}
		d.next.ProposalPrice = *amount
	}
	if date != "" {
		day, err := ParseDate("date", date)
		if err != nil {
			return err
		}
		if err := CheckDesiredDate("date", day, d.now); err != nil {
			return err
		}
		d.next.ProposalDate = date
	}
	if d.next.ProposalPrice == d.it.Price && d.next.ProposalDate == d.it.Date {
		return d.invalid("amount", "the proposal must change the amount or the date")
	}
	d.note, d.renewDeadline = notes, true
	return nil
}

// acceptProposal: the proposal's amount and date become the booking's (a
// new date is taken, the old one freed).
func (d *decision) acceptProposal() {
	d.next.Price, d.next.Date = d.it.ProposalPrice, d.it.ProposalDate
	d.next.ProposalPrice, d.next.ProposalDate, d.next.ProposalNote = 0, "", ""
	if d.next.Date != d.it.Date {
		d.takesDate = d.next.Date
	}
	d.renewDeadline = true
}

// declineProposal: the booking stands as it was.
func (d *decision) declineProposal() {
	d.next.ProposalPrice, d.next.ProposalDate, d.next.ProposalNote = 0, "", ""
	d.renewDeadline = true
}

// revise: a new content version, within the offering's limits.
func (d *decision) revise(c *Content) error {
	if c == nil {
		return d.invalid("title", "send the revised content")
	}
	if d.it.ContentVersion >= maxVersions {
		return &fault.Error{Kind: fault.Conflict, Op: d.op, State: d.it.Status, Message: fmt.Sprintf("a sponsorship keeps at most %d versions", maxVersions)}
	}
	if err := CheckContent(ContentLimits{MaxTitle: d.it.MaxTitle, MaxBody: d.it.MaxBody, LinkRequired: d.it.LinkRequired}, *c, ""); err != nil {
		return err
	}
	d.next.ContentVersion = d.it.ContentVersion + 1
	d.version = &versionItem{PK: "SPN#" + d.it.ID, SK: versionKey(d.next.ContentVersion), Version: d.next.ContentVersion,
		Title: c.Title, Body: c.Body, Link: c.Link, ImageURL: c.ImageURL, CreatedAt: d.next.UpdatedAt}
	d.renewDeadline = true
	return nil
}
