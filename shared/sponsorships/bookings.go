package sponsorships

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// BookInput is a sponsor's booking of an offering.
type BookInput struct {
	AdvertiserID string   `json:"advertiserId"`
	DesiredDate  string   `json:"desiredDate"`
	Content      *Content `json:"content"`
}

// ActInput carries what a decision needs (only the fields of its action).
type ActInput struct {
	PublishDate string   `json:"publishDate,omitempty"`              // approve (optional)
	Reason      string   `json:"reason,omitempty"`                   // reject
	Notes       string   `json:"notes,omitempty"`                    // request-changes, propose (optional)
	URL         string   `json:"url,omitempty"`                      // publish
	Amount      *int64   `json:"amount,omitempty"`                   // propose
	Date        string   `json:"date,omitempty"`                     // propose
	Content     *Content `json:"-"`                                  // revise
	Note        string   `json:"note,omitempty" validate:"max=2000"` // cancel, accept, decline (optional)
}

// Proposal is an owner's counter-proposal waiting for the sponsor.
type Proposal struct {
	Amount int64  `json:"amount"`
	Date   string `json:"date"`
	Notes  string `json:"notes,omitempty"`
}

// VersionView is one content version.
type VersionView struct {
	Version   int    `json:"version"`
	CreatedAt string `json:"createdAt"`
	Content
}

// HistoryView is one transition.
type HistoryView struct {
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Role   string `json:"role"`
	Action string `json:"action"`
	From   string `json:"from,omitempty"`
	To     string `json:"to"`
	Note   string `json:"note,omitempty"`
}

// SponsorshipView is a sponsorship as its owner and sponsor read it.
type SponsorshipView struct {
	ID            string `json:"id"`
	OfferingID    string `json:"offeringId"`
	OfferingTitle string `json:"offeringTitle"`
	CommunityID   string `json:"communityId"`
	AdvertiserID  string `json:"advertiserId"`
	// The parties by name ("" when not known yet).
	CommunityName  string        `json:"communityName"`
	AdvertiserName string        `json:"advertiserName"`
	Status         Status        `json:"status"`
	Amount         int64         `json:"amount"`
	Currency       string        `json:"currency"`
	DesiredDate    string        `json:"desiredDate"`
	PublishDate    string        `json:"publishDate,omitempty"`
	PublishBy      string        `json:"publishBy,omitempty"`
	PublishedURL   string        `json:"publishedUrl,omitempty"`
	ReviewDeadline string        `json:"reviewDeadline"`
	Version        int           `json:"version"`
	Proposal       *Proposal     `json:"proposal,omitempty"`
	Content        *Content      `json:"content,omitempty"`
	Versions       []VersionView `json:"versions,omitempty"`
	History        []HistoryView `json:"history,omitempty"`
	CreatedAt      string        `json:"createdAt"`
	UpdatedAt      string        `json:"updatedAt"`
}

func (it sponsorshipItem) domain() Sponsorship {
	s := Sponsorship{ID: it.ID, OfferingID: it.OfferingID, CommunityID: it.CommunityID, AdvertiserID: it.AdvertiserID,
		Status: Status(it.Status), Price: money.Amount{Minor: it.Price, Currency: it.Currency}, ReviewDeadline: clock.Parse(it.ReviewDeadline), Version: it.ContentVersion}
	s.Date, _ = time.Parse(DateLayout, it.Date)
	s.PublishDate, _ = time.Parse(DateLayout, it.PublishDate)
	return s
}

func sponsorshipView(it sponsorshipItem, versions []versionItem, history []historyItem) SponsorshipView {
	v := SponsorshipView{ID: it.ID, OfferingID: it.OfferingID, OfferingTitle: it.OfferingTitle, CommunityID: it.CommunityID, AdvertiserID: it.AdvertiserID,
		Status: Status(it.Status), Amount: it.Price, Currency: it.Currency, DesiredDate: it.Date, PublishDate: it.PublishDate, PublishedURL: it.PublishedURL,
		ReviewDeadline: it.ReviewDeadline, Version: it.ContentVersion, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
	if it.PublishDate != "" && Status(it.Status) == Approved {
		v.PublishBy = it.domain().PublishBy().Format(DateLayout)
	}
	if Status(it.Status) == Countered {
		v.Proposal = &Proposal{Amount: it.ProposalPrice, Date: it.ProposalDate, Notes: it.ProposalNote}
	}
	for _, ver := range versions {
		vv := VersionView{Version: ver.Version, CreatedAt: ver.CreatedAt, Content: Content{Title: ver.Title, Body: ver.Body, Link: ver.Link, ImageURL: ver.ImageURL}}
		v.Versions = append(v.Versions, vv)
		if ver.Version == it.ContentVersion {
			c := vv.Content
			v.Content = &c
		}
	}
	for _, h := range history {
		v.History = append(v.History, HistoryView{At: h.At, Actor: h.Actor, Role: h.Role, Action: h.Action, From: h.From, To: h.To, Note: h.Note})
	}
	return v
}

// sponsorOf resolves the advertiser a principal books for: an advertiser's
// API key is that advertiser; a person must own the one they name.
func (s *Service) sponsorOf(ctx context.Context, op string, p auth.Principal, advertiserID string) (owners.Account, error) {
	advertiserID, err := p.AdvertiserFor(op, advertiserID, "book")
	if err != nil {
		return owners.Account{}, err
	}
	a, found, err := s.owners.Get(ctx, owners.Advertiser, advertiserID)
	if err != nil {
		return owners.Account{}, err
	}
	if !found || p.Kind == auth.KindUser && a.OwnerID != p.UserID {
		return owners.Account{}, fault.New(fault.NotFound, op, "no such advertiser")
	}
	return a, nil
}

// deadlineJob is the payload of a review-deadline schedule.
type deadlineJob struct {
	Job           string `json:"job"`
	SponsorshipID string `json:"sponsorshipId"`
}

// Check implements schedule.Checker.
func (j deadlineJob) Check() error {
	if j.Job != JobExpire || j.SponsorshipID == "" {
		return errors.New("not a review deadline with its sponsorship")
	}
	return nil
}

// JobExpire is the review deadline's job.
const JobExpire = "expire-sponsorship"

// scheduleDeadline asks to be called at a review deadline. It runs before
// the transaction that sets the deadline: a schedule whose transaction
// failed finds nothing to expire.
func (s *Service) scheduleDeadline(ctx context.Context, sponsorshipID string, rev int, at time.Time) error {
	job, _ := json.Marshal(deadlineJob{Job: JobExpire, SponsorshipID: sponsorshipID})
	return s.sched.Once(ctx, fmt.Sprintf("spn-%s-r%d", sponsorshipID, rev), at, s.cfg.Self, job)
}

// maxVersions bounds a sponsorship's revisions (and so its partition).
const maxVersions = 50

// Book books an offering: the date is taken, the price held, the content
// stored as version 1, the review deadline scheduled — one transaction.
func (s *Service) Book(ctx context.Context, p auth.Principal, offeringID string, in BookInput) (SponsorshipView, error) {
	const op = "sponsorships.Book"
	if !id.HasPrefix(offeringID, "off") {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such offering")
	}
	key := api.RequestKey(ctx)
	if v, found, err := s.keyedBooking(ctx, op, p, key); err != nil || found {
		return v, err // this very request booked already: answer that booking
	}
	adv, err := s.sponsorOf(ctx, op, p, in.AdvertiserID)
	if err != nil {
		return SponsorshipView{}, err
	}
	o, found, err := s.repo.getOffering(ctx, offeringID)
	if err != nil {
		return SponsorshipView{}, err
	}
	if !found {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such offering")
	}
	if o.Archived {
		return SponsorshipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "archived", Message: "the offering is archived"}
	}
	if c, found, err := s.owners.Get(ctx, owners.Community, o.CommunityID); err != nil {
		return SponsorshipView{}, err
	} else if found && c.OwnerID == adv.OwnerID {
		return SponsorshipView{}, fault.New(fault.Forbidden, op, "a community's owner cannot sponsor its own community")
	}
	if adv.Currency != o.Currency {
		return SponsorshipView{}, fault.InvalidFields(op, "the booking has invalid fields", fault.FieldError{Field: "advertiserId", Message: "the advertiser's wallet is in " + adv.Currency + ", the offering in " + o.Currency})
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	var bad fault.Fields
	if in.DesiredDate == "" {
		bad.Add("desiredDate", "is required: the day, YYYY-MM-DD, you want it published")
	} else if date, err := ParseDate("desiredDate", in.DesiredDate); err != nil {
		if err := bad.Include(err); err != nil {
			return SponsorshipView{}, err
		}
	} else if err := bad.Include(CheckDesiredDate("desiredDate", date, now)); err != nil {
		return SponsorshipView{}, err
	}
	limits := ContentLimits{MaxTitle: o.MaxTitle, MaxBody: o.MaxBody, LinkRequired: o.LinkRequired}
	if in.Content == nil {
		bad.Add("content", "is required: title, body and the link or image the offering asks for")
	} else if err := bad.Include(CheckContent(limits, *in.Content, "content.")); err != nil {
		return SponsorshipView{}, err
	}
	if err := bad.Err(op, "the booking has invalid fields"); err != nil {
		return SponsorshipView{}, err
	}
	if err := s.ledger.RefuseInDebt(ctx, ledger.Advertiser(adv.ID), o.Currency, op); err != nil {
		return SponsorshipView{}, err
	}
	it := sponsorshipItem{ID: id.New("spn", now), OfferingID: o.ID, OfferingTitle: o.Title, CommunityID: o.CommunityID, AdvertiserID: adv.ID,
		Status: string(PendingReview), Price: o.Price, Currency: o.Currency, Date: in.DesiredDate,
		ReviewDeadline: clock.Format(now.Add(time.Duration(o.ReviewDays) * 24 * time.Hour)), ReviewDays: o.ReviewDays, ContentVersion: 1,
		MaxTitle: o.MaxTitle, MaxBody: o.MaxBody, LinkRequired: o.LinkRequired, History: 1,
		CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Rev: 1}
	it.index()
	if err := s.scheduleDeadline(ctx, it.ID, it.Rev, clock.Parse(it.ReviewDeadline)); err != nil {
		return SponsorshipView{}, fault.Wrap(op, err)
	}
	hold, err := s.ledger.PrepareHold(it.ID, ledger.Advertiser(adv.ID), it.Currency, it.Price, now)
	if err != nil {
		return SponsorshipView{}, fault.Wrap(op, err)
	}
	meta, err := put(s.repo.table, it, "attribute_not_exists(pk)")
	if err != nil {
		return SponsorshipView{}, fault.Wrap(op, err)
	}
	c := *in.Content
	ver := versionItem{PK: "SPN#" + it.ID, SK: versionKey(1), Version: 1, Title: c.Title, Body: c.Body, Link: c.Link, ImageURL: c.ImageURL, CreatedAt: it.CreatedAt}
	verPut, _ := put(s.repo.table, ver, "")
	hist := historyItem{PK: "SPN#" + it.ID, SK: historyKey(1), Seq: 1, Actor: p.ID(), Role: string(Sponsor), Action: "book", To: it.Status, At: it.CreatedAt}
	histPut, _ := put(s.repo.table, hist, "")
	evt, err := events.OutboxPut(s.repo.outbox, &events.SponsorshipSubmitted{SponsorshipChange: s.change(it, p.ID(), "")}, now)
	if err != nil {
		return SponsorshipView{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("date", s.repo.takeDate(o.ID, in.DesiredDate, o.CapacityPerDate)).Add("sponsorship", meta).
		Add("version", verPut).Add("history", histPut).Add("event", evt).AddParts(hold.Parts...)
	if key.Name != "" {
		tx.Add("key", store.KeyMark(s.repo.table, key.Name, key.Fingerprint, it.ID, now, now.Add(idempotency.TTL)))
	}
	if err := tx.Write(ctx, s.repo.db); err != nil {
		if key.Name != "" && store.Failed(err, "key") {
			// A run of this very request booked meanwhile.
			if v, found, err := s.keyedBooking(ctx, op, p, key); err != nil || found {
				return v, err
			}
		}
		if store.Failed(err, "date") {
			return SponsorshipView{}, &fault.Error{Kind: fault.Conflict, Op: op, State: "unavailable", Message: "the offering has no opening on " + in.DesiredDate + " (full or blocked)"}
		}
		if hold.InsufficientFunds(err) {
			return SponsorshipView{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the advertiser's available balance does not cover the price"}
		}
		return SponsorshipView{}, fault.Wrap(op, err)
	}
	return s.named(ctx, sponsorshipView(it, []versionItem{ver}, []historyItem{hist}))
}

// noteProblem checks what a reviewer or sponsor writes to the other.
func noteProblem(note string, required bool) string {
	switch {
	case required && strings.TrimSpace(note) == "":
		return "is required"
	case utf8.RuneCountInString(note) > MaxReasonLen:
		return fmt.Sprintf("must be at most %d characters", MaxReasonLen)
	}
	return input.Text(note)
}

func (s *Service) change(it sponsorshipItem, actor, from string) events.SponsorshipChange {
	return events.SponsorshipChange{SponsorshipID: it.ID, OfferingID: it.OfferingID, CommunityID: it.CommunityID, AdvertiserID: it.AdvertiserID,
		ActorID: actor, From: from, To: it.Status, Version: it.ContentVersion}
}

// roleOf says who the principal is to a sponsorship: its community's
// owner, its sponsor, or nobody (404).
func (s *Service) roleOf(ctx context.Context, op string, p auth.Principal, it sponsorshipItem) (Role, error) {
	switch {
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountAdvertiser && p.AccountID == it.AdvertiserID:
		return Sponsor, nil
	case p.Kind == auth.KindClient && p.AccountKind == auth.AccountCommunity && p.AccountID == it.CommunityID:
		return Owner, nil
	case p.Kind == auth.KindUser:
		c, found, err := s.owners.Get(ctx, owners.Community, it.CommunityID)
		if err != nil {
			return "", err
		}
		if found && c.OwnerID == p.UserID {
			return Owner, nil
		}
		a, found, err := s.owners.Get(ctx, owners.Advertiser, it.AdvertiserID)
		if err != nil {
			return "", err
		}
		if found && a.OwnerID == p.UserID {
			return Sponsor, nil
		}
	}
	return "", fault.New(fault.NotFound, op, "no such sponsorship")
}

// keyedBooking is the booking a keyed request (api.RequestKey) made on an
// earlier run (found false: none, or no key).
func (s *Service) keyedBooking(ctx context.Context, op string, p auth.Principal, key api.Key) (SponsorshipView, bool, error) {
	v, found, err := store.Keyed(ctx, s.repo.db, s.repo.table, key.Name, key.Fingerprint, s.clock.Now(),
		func(id string) (SponsorshipView, error) { return s.GetSponsorship(ctx, p, id) })
	return v, found, fault.Wrap(op, err)
}

// GetSponsorship reads a sponsorship with its versions and history, for
// its owner and its sponsor.
func (s *Service) GetSponsorship(ctx context.Context, p auth.Principal, sponsorshipID string) (SponsorshipView, error) {
	const op = "sponsorships.GetSponsorship"
	if !id.HasPrefix(sponsorshipID, "spn") {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such sponsorship")
	}
	it, versions, history, found, err := s.repo.readSponsorship(ctx, sponsorshipID)
	if err != nil {
		return SponsorshipView{}, err
	}
	if !found {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such sponsorship")
	}
	if _, err := s.roleOf(ctx, op, p, it); err != nil {
		return SponsorshipView{}, err
	}
	return s.named(ctx, sponsorshipView(it, versions, history))
}

// Queue pages through a community's sponsorships in one status, oldest
// review deadline first (the owner's review queue).
func (s *Service) Queue(ctx context.Context, p auth.Principal, communityID string, status Status, limit int, cursor string) ([]SponsorshipView, string, error) {
	const op = "sponsorships.Queue"
	if status == "" {
		status = PendingReview
	}
	if !validStatus(status) {
		return nil, "", fault.InvalidFields(op, "the query has invalid fields", fault.FieldError{Field: "status", Message: "must be a sponsorship status"})
	}
	if _, err := s.ownedCommunity(ctx, op, p, communityID); err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.queue(ctx, communityID, status, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]SponsorshipView, 0, len(items))
	n := s.namer()
	for _, it := range items {
		v, err := n.name(ctx, sponsorshipView(it, nil, nil))
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

// AdvertiserBookings pages through an advertiser's sponsorships, newest
// first.
func (s *Service) AdvertiserBookings(ctx context.Context, p auth.Principal, advertiserID string, limit int, cursor string) ([]SponsorshipView, string, error) {
	const op = "sponsorships.AdvertiserBookings"
	if _, err := p.ActsForAdvertiser(op, advertiserID); err != nil {
		return nil, "", err
	}
	if _, err := s.sponsorOf(ctx, op, p, advertiserID); err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.advertiserBookings(ctx, advertiserID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]SponsorshipView, 0, len(items))
	n := s.namer()
	for _, it := range items {
		v, err := n.name(ctx, sponsorshipView(it, nil, nil))
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

func validStatus(st Status) bool {
	for _, x := range []Status{PendingReview, ChangesRequested, Countered, Approved, Rejected, Cancelled, Expired, Published} {
		if st == x {
			return true
		}
	}
	return false
}

// Act takes an action on a sponsorship for a principal (or the clock,
// with p nil): the state machine decides, then one transaction moves the
// state, the money, the date, the history and the event.
func (s *Service) Act(ctx context.Context, p *auth.Principal, sponsorshipID string, do Action, in ActInput) (SponsorshipView, error) {
	op := "sponsorships." + string(do)
	if !id.HasPrefix(sponsorshipID, "spn") {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such sponsorship")
	}
	for attempt := 0; attempt < 4; attempt++ {
		v, err := s.act(ctx, op, p, sponsorshipID, do, in)
		if err != errRaced {
			return v, err
		}
	}
	return SponsorshipView{}, fault.New(fault.Conflict, op, "the sponsorship is changing too fast; retry")
}

var errRaced = fmt.Errorf("raced")

func (s *Service) act(ctx context.Context, op string, p *auth.Principal, sponsorshipID string, do Action, in ActInput) (SponsorshipView, error) {
	it, versions, history, found, err := s.repo.readSponsorship(ctx, sponsorshipID)
	if err != nil {
		return SponsorshipView{}, err
	}
	if !found {
		return SponsorshipView{}, fault.New(fault.NotFound, op, "no such sponsorship")
	}
	role, actor := System, "system"
	if p != nil {
		if role, err = s.roleOf(ctx, op, *p, it); err != nil {
			return SponsorshipView{}, err
		}
		actor = p.ID()
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	tr, err := Next(Status(it.Status), do, role)
	if err != nil {
		return SponsorshipView{}, err
	}
	if err := Guard(tr, it.domain(), now); err != nil {
		return SponsorshipView{}, err
	}
	// The action decides (what it needs of its input, what it changes);
	// then one transaction writes what it decided.
	d := newDecision(op, it, tr, in.Note, now)
	if err := d.decide(do, in); err != nil {
		return SponsorshipView{}, err
	}
	next, hist, err := s.commit(ctx, d, do, actor, role)
	if err != nil {
		return SponsorshipView{}, err
	}
	if d.version != nil {
		versions = append(versions, *d.version)
	}
	return s.named(ctx, sponsorshipView(next, versions, append(history, hist)))
}

// commit writes a decision in one transaction: the sponsorship over its
// revision, the history entry, the event, the dates it takes or frees,
// the new content version and the money.
func (s *Service) commit(ctx context.Context, d *decision, do Action, actor string, role Role) (sponsorshipItem, historyItem, error) {
	op, it, next, tr := d.op, d.it, d.next, d.tr
	var extra []store.Part
	if d.takesDate != "" {
		o, _, err := s.repo.getOffering(ctx, it.OfferingID)
		if err != nil {
			return sponsorshipItem{}, historyItem{}, err
		}
		capacity := o.CapacityPerDate
		if capacity == 0 {
			capacity = 1
		}
		extra = append(extra, store.Part{Name: "proposed date", Item: s.repo.takeDate(it.OfferingID, d.takesDate, capacity)},
			store.Part{Name: "old date", Item: s.repo.freeDate(it.OfferingID, it.Date)})
	}
	if d.version != nil {
		vp, err := put(s.repo.table, *d.version, "attribute_not_exists(pk)")
		if err != nil {
			return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
		}
		extra = append(extra, store.Part{Name: "version", Item: vp})
	}
	if d.renewDeadline {
		next.ReviewDeadline = clock.Format(d.now.Add(time.Duration(it.ReviewDays) * 24 * time.Hour))
		if err := s.scheduleDeadline(ctx, it.ID, next.Rev, clock.Parse(next.ReviewDeadline)); err != nil {
			return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
		}
	}
	if tr.FreesDate {
		extra = append(extra, store.Part{Name: "date freed", Item: s.repo.freeDate(it.OfferingID, it.Date)})
	}
	moneyOp, err := s.moneyFor(tr, it, next, d.now)
	if err != nil {
		return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
	}
	if tr.Money == Adjust && next.Price != it.Price {
		next.HoldAdjustments = it.HoldAdjustments + 1
	}
	meta, err := s.repo.transitionPut(next, it.Status, it.Rev)
	if err != nil {
		return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
	}
	hist := historyItem{PK: "SPN#" + it.ID, SK: historyKey(next.History), Seq: next.History, Actor: actor, Role: string(role), Action: string(do), From: it.Status, To: next.Status, Note: d.note, At: next.UpdatedAt}
	histPut, err := put(s.repo.table, hist, "attribute_not_exists(pk)")
	if err != nil {
		return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
	}
	evt, err := events.OutboxPut(s.repo.outbox, eventFor(do, s.change(next, actor, it.Status)), d.now)
	if err != nil {
		return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("sponsorship", meta).Add("history", histPut).Add("event", evt).AddParts(extra...)
	if moneyOp != nil {
		tx.AddParts(moneyOp.Parts...)
	}
	if err := tx.Write(ctx, s.repo.db); err != nil {
		switch {
		case store.Failed(err, "sponsorship") || store.Failed(err, "history"):
			return sponsorshipItem{}, historyItem{}, errRaced // another decision won: re-read, and the machine answers
		case store.Failed(err, "proposed date"):
			return sponsorshipItem{}, historyItem{}, &fault.Error{Kind: fault.Conflict, Op: op, State: it.Status, Message: "the proposed date " + it.ProposalDate + " has no opening any more"}
		case moneyOp != nil && moneyOp.InsufficientFunds(err):
			return sponsorshipItem{}, historyItem{}, &fault.Error{Kind: fault.InsufficientFunds, Op: op, Message: "the advertiser's available balance does not cover the proposed price"}
		}
		return sponsorshipItem{}, historyItem{}, fault.Wrap(op, err)
	}
	return next, hist, nil
}

// moneyFor builds the ledger operation of a transition.
func (s *Service) moneyFor(tr Transition, it, next sponsorshipItem, now time.Time) (*ledger.Op, error) {
	hold := ledger.Hold{ID: it.ID, Account: ledger.Advertiser(it.AdvertiserID), Currency: it.Currency, Amount: it.Price, State: ledger.HoldHeld, Adjustments: it.HoldAdjustments}
	community := ledger.Community(it.CommunityID)
	var op ledger.Op
	var err error
	switch tr.Money {
	case Nothing:
		return nil, nil
	case Release:
		op, err = s.ledger.PrepareRelease(hold, now)
	case Capture:
		op, err = s.ledger.PrepareCaptureAs(hold, "sponsorship_capture", []ledger.Credit{{Account: community, Bucket: ledger.Held, Amount: it.Price}}, now)
	case Adjust:
		if next.Price == it.Price {
			return nil, nil
		}
		op, err = s.ledger.PrepareAdjust(hold, next.Price, now)
	case Pay:
		fee, share, ferr := Fee(money.Amount{Minor: it.Price, Currency: it.Currency}, s.cfg.FeeBps)
		if ferr != nil {
			return nil, ferr
		}
		legs := []ledger.Leg{{Account: community, Held: -it.Price, Available: share.Minor, Fee: fee.Minor}}
		if fee.Minor > 0 {
			legs = append(legs, ledger.Leg{Account: ledger.PlatformFees, Available: fee.Minor})
		}
		op, err = s.ledger.Prepare(ledger.Transfer{ID: "txf_" + it.ID + "_pay", Kind: "sponsorship_pay", Currency: it.Currency, At: now, Legs: legs})
	case Refund:
		op, err = s.ledger.Prepare(ledger.Transfer{ID: "txf_" + it.ID + "_refund", Kind: "sponsorship_refund", Currency: it.Currency, At: now,
			Legs: []ledger.Leg{{Account: community, Held: -it.Price}, {Account: ledger.Advertiser(it.AdvertiserID), Available: it.Price}}})
	}
	if err != nil {
		return nil, err
	}
	return &op, nil
}

func eventFor(do Action, c events.SponsorshipChange) events.Event {
	switch do {
	case Approve:
		return &events.SponsorshipApproved{SponsorshipChange: c}
	case Reject:
		return &events.SponsorshipRejected{SponsorshipChange: c}
	case RequestChanges:
		return &events.SponsorshipChangesRequested{SponsorshipChange: c}
	case Revise:
		return &events.SponsorshipRevised{SponsorshipChange: c}
	case Cancel:
		return &events.SponsorshipCancelled{SponsorshipChange: c}
	case Expire:
		return &events.SponsorshipExpired{SponsorshipChange: c}
	case Publish:
		return &events.SponsorshipPublished{SponsorshipChange: c}
	case Propose:
		return &events.SponsorshipProposed{SponsorshipChange: c}
	case AcceptProposal:
		return &events.SponsorshipProposalAccepted{SponsorshipChange: c}
	default:
		return &events.SponsorshipProposalDeclined{SponsorshipChange: c}
	}
}

// HandleScheduled runs a review deadline: expire the sponsorship if it is
// still waiting past its deadline; otherwise (decided, or a renewed
// deadline) do nothing.
func (s *Service) HandleScheduled(ctx context.Context, payload json.RawMessage) error {
	return schedule.Handle("sponsorships", func(ctx context.Context, j deadlineJob) error {
		_, err := s.Act(ctx, nil, j.SponsorshipID, Expire, ActInput{})
		switch fault.KindOf(err) {
		case fault.Conflict, fault.NotFound:
			return nil // decided before the deadline, or the deadline moved
		}
		return err
	})(ctx, payload)
}
