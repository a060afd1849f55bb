package campaigns

import (
	"context"
	"encoding/base64"
	"sort"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
)

// ReviewView is a community's decision on a campaign as the campaign's
// advertiser reads it. Current is false when the campaign's creative
// changed since: the community reviews the new one before it runs there.
type ReviewView struct {
	CommunityID string `json:"communityId"`
	// CommunityName is the community's name, when this context knows it.
	CommunityName   string   `json:"communityName,omitempty"`
	Decision        Decision `json:"decision"`
	Reason          string   `json:"reason,omitempty"`
	CreativeVersion int      `json:"creativeVersion"`
	Current         bool     `json:"current"`
	DecidedAt       string   `json:"decidedAt"`
}

// ReviewDecision is a decision as its community reads it, once made.
type ReviewDecision struct {
	CampaignID      string   `json:"campaignId"`
	CommunityID     string   `json:"communityId"`
	AdvertiserID    string   `json:"advertiserId"`
	CreativeVersion int      `json:"creativeVersion"`
	Decision        Decision `json:"decision"`
	Reason          string   `json:"reason,omitempty"`
	DecidedAt       string   `json:"decidedAt"`
}

// QueueItem is a campaign waiting for a community's decision: who
// advertises, what it shows, what it pays.
type QueueItem struct {
	CampaignID   string `json:"campaignId"`
	CampaignName string `json:"campaignName"`
	AdvertiserID string `json:"advertiserId"`
	// AdvertiserName is the advertiser's name, when this context knows it.
	AdvertiserName  string   `json:"advertiserName,omitempty"`
	Creative        Creative `json:"creative"`
	CreativeVersion int      `json:"creativeVersion"`
	Pricing         Pricing  `json:"pricing"`
	Status          Status   `json:"status"`
	Start           string   `json:"start"`
	End             string   `json:"end"`
	// Previous is the community's decision on an earlier creative of the
	// campaign, if it made one.
	Previous *Decision `json:"previous,omitempty"`
}

func (s *Service) reviewsOf(ctx context.Context, it campaignItem) ([]ReviewView, error) {
	items, err := s.repo.campaignReviews(ctx, it.ID)
	if err != nil {
		return nil, err
	}
	out := make([]ReviewView, 0, len(items))
	names := s.owners.Names(owners.Community)
	for _, r := range items {
		name, err := names.Of(ctx, r.CommunityID)
		if err != nil {
			return nil, err
		}
		out = append(out, ReviewView{CommunityID: r.CommunityID, CommunityName: name, Decision: Decision(r.Decision), Reason: r.Reason, CreativeVersion: r.CreativeVersion,
			Current: r.CreativeVersion == max(it.CreativeVersion, 1), DecidedAt: r.DecidedAt})
	}
	return out, nil
}

// maxDecideAttempts bounds how often a decision reads again after losing
// a race to another.
const maxDecideAttempts = 5

// Review records a community owner's decision on a campaign's current
// creative for the community's slots: one decision per creative version
// (the same one again answers what was decided; another is 409), made in
// one transaction with CampaignReviewed, which serving applies. seen, when
// not 0, is the creative version the owner looked at: a campaign whose
// creative changed since is 409, and so is one whose creative changes
// while the decision is written (a decision is never for a creative
// nobody saw). A stranger to the community, or a campaign that does not
// exist, is 404.
func (s *Service) Review(ctx context.Context, p auth.Principal, communityID, campaignID string, d Decision, reason string, seen int) (ReviewDecision, error) {
	const op = "campaigns.Review"
	if _, err := s.owners.Owned(ctx, op, p, owners.Community, communityID); err != nil {
		return ReviewDecision{}, err
	}
	if !id.HasPrefix(campaignID, "cmp") {
		return ReviewDecision{}, fault.New(fault.NotFound, op, "no such campaign")
	}
	c, found, err := s.repo.get(ctx, campaignID)
	if err != nil {
		return ReviewDecision{}, err
	}
	if !found {
		return ReviewDecision{}, fault.New(fault.NotFound, op, "no such campaign")
	}
	if c.campaign().StatusAt(s.clock.Now()) == StatusEnded {
		return ReviewDecision{}, errEnded(op)
	}
	creative := max(c.CreativeVersion, 1)
	changed := fault.New(fault.Conflict, op, "the campaign's creative changed since you saw it; review the new one")
	if seen != 0 && seen != creative {
		return ReviewDecision{}, changed
	}
	for attempt := 0; attempt < maxDecideAttempts; attempt++ {
		now := s.clock.Now().Truncate(time.Millisecond)
		last, had, err := s.repo.getReview(ctx, campaignID, communityID)
		if err != nil {
			return ReviewDecision{}, err
		}
		prev := last.review()
		if !had {
			prev = Review{CampaignID: campaignID, CommunityID: communityID}
		}
		prev.AdvertiserID = c.AdvertiserID
		rv, err := Decide(prev, had, creative, d, reason, now)
		if err == errSameDecision {
			return decisionView(rv), nil
		}
		if err != nil {
			return ReviewDecision{}, err
		}
		err = s.repo.decide(ctx, rv, last.Version, now)
		if store.Failed(err, "creative") {
			return ReviewDecision{}, changed
		}
		if store.Failed(err, "review") {
			continue // another decision since the read: decide again on what it wrote
		}
		if err != nil {
			return ReviewDecision{}, fault.Wrap(op, err)
		}
		return decisionView(rv), nil
	}
	return ReviewDecision{}, fault.New(fault.Conflict, op, "the campaign is changing too fast; retry")
}

func decisionView(r Review) ReviewDecision {
	return ReviewDecision{CampaignID: r.CampaignID, CommunityID: r.CommunityID, AdvertiserID: r.AdvertiserID, CreativeVersion: r.CreativeVersion,
		Decision: r.Decision, Reason: r.Reason, DecidedAt: clock.Format(r.DecidedAt)}
}

// Queue pages through a community's review queue, oldest campaign first:
// the campaigns that could run on its slots (live, of the size and
// currency of a slot that accepts campaigns, of an advertiser it did not
// block) whose current creative it has not decided on. It reads the
// community's slots, then the campaigns that fit each of their sizes: a
// community has few sizes, and each read is bounded.
func (s *Service) Queue(ctx context.Context, p auth.Principal, communityID string, limit int, cursor string) ([]QueueItem, string, error) {
	const op = "campaigns.Queue"
	if _, err := s.owners.Owned(ctx, op, p, owners.Community, communityID); err != nil {
		return nil, "", err
	}
	after := ""
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !id.HasPrefix(string(b), "cmp") {
			return nil, "", fault.InvalidFields(op, "cursor is not valid for this list", fault.FieldError{Field: "cursor", Message: "is malformed or from another list"})
		}
		after = string(b)
	}
	rules, err := s.repo.rules(ctx, communityID)
	if err != nil {
		return nil, "", err
	}
	slots, err := s.repo.communitySlots(ctx, communityID)
	if err != nil {
		return nil, "", err
	}
	decided, err := s.repo.communityReviews(ctx, communityID)
	if err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	type fit struct {
		w, h     int
		currency string
	}
	seen := map[fit]bool{}
	var waiting []campaignItem
	for _, sl := range slots {
		f := fit{sl.Width, sl.Height, sl.Currency}
		if !sl.Accepting || seen[f] {
			continue
		}
		seen[f] = true
		cs, err := s.repo.fitting(ctx, f.w, f.h, f.currency)
		if err != nil {
			return nil, "", err
		}
		for _, it := range cs {
			if it.ID <= after || State(it.State) != Live || it.campaign().StatusAt(now) == StatusEnded || rules.Blocks(it.AdvertiserID) {
				continue
			}
			if r, ok := decided[it.ID]; ok && r.CreativeVersion >= max(it.CreativeVersion, 1) {
				continue
			}
			waiting = append(waiting, it)
		}
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].ID < waiting[j].ID })
	next := ""
	if len(waiting) > limit {
		waiting = waiting[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(waiting[limit-1].ID))
	}
	out := make([]QueueItem, 0, len(waiting))
	names := s.owners.Names(owners.Advertiser)
	for _, it := range waiting {
		c := it.campaign()
		q := QueueItem{CampaignID: c.ID, CampaignName: c.Name, AdvertiserID: c.AdvertiserID, Creative: c.Creative, CreativeVersion: max(it.CreativeVersion, 1),
			Pricing: c.Pricing, Status: c.StatusAt(now), Start: it.Start, End: it.End}
		if r, ok := decided[it.ID]; ok {
			d := Decision(r.Decision)
			q.Previous = &d
		}
		if q.AdvertiserName, err = names.Of(ctx, c.AdvertiserID); err != nil {
			return nil, "", err
		}
		out = append(out, q)
	}
	return out, next, nil
}

// BlockedAdvertiser is an advertiser a community blocked, by name when
// this context knows it.
type BlockedAdvertiser struct {
	AdvertiserID   string `json:"advertiserId"`
	AdvertiserName string `json:"advertiserName,omitempty"`
}

// Blocked names the advertisers the community blocked, for its owner:
// their campaigns are not in the queue, so that the owner can still tell
// who they are (and unblock them) by name.
func (s *Service) Blocked(ctx context.Context, p auth.Principal, communityID string) ([]BlockedAdvertiser, error) {
	const op = "campaigns.Blocked"
	if _, err := s.owners.Owned(ctx, op, p, owners.Community, communityID); err != nil {
		return nil, err
	}
	rules, err := s.repo.rules(ctx, communityID)
	if err != nil {
		return nil, err
	}
	names := s.owners.Names(owners.Advertiser)
	out := make([]BlockedAdvertiser, 0, len(rules.Blocked))
	for _, a := range rules.Blocked {
		b := BlockedAdvertiser{AdvertiserID: a}
		if b.AdvertiserName, err = names.Of(ctx, a); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// communityUpdated keeps what a community says may run on its slots, and
// its name.
func (s *Service) communityUpdated(ctx context.Context, e events.CommunityUpdated) error {
	if err := s.owners.KeepName(ctx, e); err != nil {
		return err
	}
	return s.repo.communityUpdated(ctx, e)
}
