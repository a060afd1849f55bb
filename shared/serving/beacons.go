package serving

import (
	"context"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/traffic"
)

// trafficRules is the state of the rules a view or click is judged by in
// memory, per instance: each source's pace and its day's caps on a slot
// (each keeps its own lock).
type trafficRules struct {
	sources traffic.Sources
	pace    *traffic.Pace
	// viewCap and clickCap hold each source to its day's valid views and
	// clicks on a slot.
	viewCap, clickCap *traffic.DailyCap
	// burst, communityViews and communityClicks hold a source on all of a
	// community's slots together: PageSlots a second, and PageSlots
	// times a slot's day. A community that makes many slots cannot
	// multiply what one address is billed for.
	burst                          *traffic.Burst
	communityViews, communityClick *traffic.DailyCap
}

// PageSlots is how many of one community's slots a person may see at
// once (a page with a leaderboard, a sidebar and two in-feed units): the
// community-wide rules let that many through where the per-slot rules let
// one.
const PageSlots = 4

func newTrafficRules(key []byte, views, clicks int) trafficRules {
	if views <= 0 {
		views = DefaultMaxViewsPerSourceDay
	}
	if clicks <= 0 {
		clicks = DefaultMaxClicksPerSourceDay
	}
	return trafficRules{sources: traffic.Sources{Key: key}, pace: traffic.NewPace(PaceInterval, maxEntries),
		viewCap: traffic.NewDailyCap(views, maxEntries), clickCap: traffic.NewDailyCap(clicks, maxEntries),
		burst:          traffic.NewBurst(PageSlots, maxEntries),
		communityViews: traffic.NewDailyCap(views*PageSlots, maxEntries), communityClick: traffic.NewDailyCap(clicks*PageSlots, maxEntries)}
}

// judge applies the rules past the bot's to a view or click ("v" or "c")
// of a verified offer on its slot's placement p: the reason it is
// refused, or "" when it counts. The per-person rules key on the viewer's
// address alone (its network: an IPv6 /64), so a new user agent is not a
// new person.
func (r *trafficRules) judge(kind string, o Offer, p Placement, ev Event, now time.Time) traffic.Reason {
	if !traffic.PageAllowed(p.AllowedDomains, ev.Origin, ev.Referer) {
		return traffic.OffDomain
	}
	src := kind + "|" + r.sources.Of(ev.SourceIP, now)
	key, onCommunity := src+"|"+o.SlotID, src+"|"+p.CommunityID
	if !r.pace.Allow(key, now) || !r.burst.Allow(onCommunity, now) {
		return traffic.TooFast
	}
	daily, community := r.viewCap, r.communityViews
	if kind == "c" {
		daily, community = r.clickCap, r.communityClick
	}
	if !daily.Allow(key, now) || !community.Allow(onCommunity, now) {
		return traffic.SourceCap
	}
	return "" // what is left, once per offer, the flush checks
}

// judge is the rules' verdict on a beacon of a verified offer: a bot's is
// refused before its slot's placement is looked up, the rest against it.
func (s *Server) judge(ctx context.Context, kind string, o Offer, ev Event, now time.Time) (traffic.Reason, error) {
	if traffic.IsBot(ev.UserAgent) {
		return traffic.Bot, nil
	}
	p, err := s.book.placement(ctx, o.SlotID, now)
	if err != nil {
		return "", err
	}
	return s.rules.judge(kind, o, p, ev, now), nil
}

// countRef is what an offer's events count under: its flight, or its
// campaign on its slot's community (reports are by community).
func (s *Server) countRef(ctx context.Context, o Offer, now time.Time) (string, error) {
	if o.Kind != KindCampaign {
		return o.Ref, nil
	}
	p, err := s.book.placement(ctx, o.SlotID, now)
	if err != nil {
		return "", err
	}
	return CampaignRef(o.Ref, p.CommunityID), nil
}

// View is the beacon of a seen ad: a valid, unexpired offer's first view
// is its impression; anything else is counted under its reason (a forged
// token, which names nothing, only in Forged). It answers nothing either
// way, so a prober learns nothing.
func (s *Server) View(ctx context.Context, token string, ev Event) error {
	now := s.clock.Now()
	o, reason, ok := s.signer.Verify(token, now)
	if reason == traffic.Forged {
		s.Forged.Add(1)
		return nil
	}
	if o.Kind == KindHouse {
		return nil // the community's own ad: nothing to count or bill
	}
	if _, known, err := s.destination(ctx, o, now); err != nil {
		return err
	} else if !known {
		s.Forged.Add(1) // a true signature for nothing booked: a key leak or a bug, counted for operators
		return nil
	}
	ref, err := s.countRef(ctx, o, now)
	if err != nil {
		return err
	}
	if ok {
		if reason, err = s.judge(ctx, "v", o, ev, now); err != nil {
			return err
		}
	}
	if reason != "" {
		s.countOffer(ctx, ref, o, CountInvalid+string(reason), now)
		return nil
	}
	mark, err := s.markOf(ctx, o, ev, now)
	if err != nil {
		return err
	}
	s.hold(ctx, o, "v", ref, now, mark)
	return nil
}

// errBadToken is every refusal of a click that cannot be followed:
// forged and malformed look the same (404) to whoever probes.
var errBadToken = fault.New(fault.NotFound, "serving.Click", "no such click")

// Click counts a click on an offer (once per offer; refused ones under
// their reason) and returns where it goes: the flight's or campaign's own
// click URL, also for an expired or refused one, since the person wants
// the page.
func (s *Server) Click(ctx context.Context, token string, ev Event) (string, error) {
	now := s.clock.Now()
	o, reason, ok := s.signer.Verify(token, now)
	if reason == traffic.Forged || o.Kind == KindHouse {
		s.Forged.Add(1)
		return "", errBadToken
	}
	to, known, err := s.destination(ctx, o, now)
	if err != nil {
		return "", err
	}
	if !known {
		return "", errBadToken
	}
	ref, err := s.countRef(ctx, o, now)
	if err != nil {
		return "", err
	}
	if ok {
		if reason, err = s.judge(ctx, "c", o, ev, now); err != nil {
			return "", err
		}
	}
	if reason != "" {
		s.countOffer(ctx, ref, o, CountInvalid+string(reason), now)
	} else {
		mark, err := s.markOf(ctx, o, ev, now)
		if err != nil {
			return "", err
		}
		s.hold(ctx, o, "c", ref, now, mark)
	}
	return to, nil
}

// destination is where a click on an offer goes; known is false for a
// flight or campaign serving never heard of.
func (s *Server) destination(ctx context.Context, o Offer, now time.Time) (string, bool, error) {
	if o.Kind == KindCampaign {
		if err := s.camps.load(ctx, now); err != nil {
			return "", false, err
		}
		c, known := s.camps.campaign(o.Ref)
		return c.Creative.ClickURL, known, nil
	}
	return s.book.clickURL(ctx, o.Ref)
}
