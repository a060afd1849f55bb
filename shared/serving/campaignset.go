package serving

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/targeting"
)

// campaignSet is the campaigns that may run, by slot size and currency,
// and the lotteries drawn from them. It is read from the source every
// CampaignsRefresh by one decision at a time (the others go on with the
// set they have); the lotteries are kept LotteryTTL, so a decision draws
// in O(log n) and weighs nothing.
type campaignSet struct {
	source Source
	log    *slog.Logger
	// refreshed is told of every newly read set and the one it replaces,
	// while no other read can start (the spend belief rebases on it).
	refreshed func(was, now map[string]Campaign)

	mu     sync.RWMutex
	bySize map[sizeKey][]Campaign
	// lotteries are each size's and floor's draw, kept LotteryTTL.
	lotteries map[lotteryKey]*lottery
	// targeted says which sizes have a targeted campaign: their draws are
	// per request profile.
	targeted map[sizeKey]bool
	byID     map[string]Campaign
	until    time.Time

	loading sync.Mutex // one read of the source at a time

	rngMu sync.Mutex
	rng   *rand.Rand
}

// sizeKey is the slots a campaign can run on: its size and currency.
type sizeKey struct {
	w, h     int
	currency string
}

// lotteryKey is one draw: the slots of a size, currency and floor, and,
// where targeted campaigns of the size run, the request's profile (its
// country, device and keywords) and hour; and, where a community keeps
// campaigns off its slots (approval first, blocked advertisers, rejected
// creatives), that community.
type lotteryKey struct {
	size      sizeKey
	floor     int64
	profile   string
	hour      int
	community string
}

// maxLotteries bounds the draws kept at once (request profiles are many
// where campaigns target keywords).
const maxLotteries = 4096

// LotteryTTL is how long a draw's weights are reused: a decision draws
// in O(log n) from them, and the chosen campaign's need is checked anew,
// so one that has just spent what it needed is never offered on stale
// weights (the draw is made again).
const LotteryTTL = time.Second

// lottery is a draw kept until its time.
type lottery struct {
	until time.Time
	Lottery
}

// campaign is a campaign of the set by id; known is false for one the
// set does not hold (never heard of, or past its end and its offers').
func (s *campaignSet) campaign(id string) (c Campaign, known bool) {
	s.mu.RLock()
	c, known = s.byID[id]
	s.mu.RUnlock()
	return c, known
}

// load reads the set again when it is older than CampaignsRefresh: one
// caller reads the source, the others go on with the set they have (the
// first load waits for it).
func (s *campaignSet) load(ctx context.Context, now time.Time) error {
	s.mu.RLock()
	fresh, loaded := now.Before(s.until), s.bySize != nil
	s.mu.RUnlock()
	if fresh {
		return nil
	}
	if loaded && !s.loading.TryLock() {
		return nil
	}
	if !loaded {
		s.loading.Lock()
	}
	defer s.loading.Unlock()
	s.mu.RLock()
	fresh = now.Before(s.until)
	s.mu.RUnlock()
	if fresh {
		return nil
	}
	cs, err := s.source.Campaigns(ctx, now)
	if err != nil {
		if loaded {
			s.log.Warn("campaigns refresh failed; the last set stands", "error", err.Error())
			return nil
		}
		return err
	}
	bySize, byID, targeted := map[sizeKey][]Campaign{}, make(map[string]Campaign, len(cs)), map[sizeKey]bool{}
	for _, c := range cs {
		byID[c.ID] = c
		k := sizeKey{c.Width, c.Height, c.Currency}
		bySize[k] = append(bySize[k], c)
		if !c.Targeting.IsZero() {
			targeted[k] = true
		}
	}
	s.mu.Lock()
	was := s.byID
	s.bySize, s.byID, s.targeted, s.until, s.lotteries = bySize, byID, targeted, now.Add(CampaignsRefresh), map[lotteryKey]*lottery{}
	s.mu.Unlock()
	if s.refreshed != nil {
		s.refreshed(was, byID)
	}
	return nil
}

// withSlots is the page's keywords and the slot's, sorted, once each.
func withSlots(page, slot []string) []string {
	if len(slot) == 0 {
		return page
	}
	out := append(append(make([]string, 0, len(page)+len(slot)), page...), slot...)
	slices.Sort(out)
	return slices.Compact(out)
}

// pick draws the campaign a slot shows now for a viewer, if any is
// eligible by what spent believes each has spent.
func (s *campaignSet) pick(p Placement, now time.Time, v Viewer, spent *spendBelief) (c Campaign, ok bool) {
	key := lotteryKey{size: sizeKey{p.Width, p.Height, p.Currency}, floor: p.Campaigns.FloorCPM}
	s.mu.RLock()
	cs, targeted := s.bySize[key.size], s.targeted[key.size]
	s.mu.RUnlock()
	var req targeting.Request
	if targeted {
		// The draw is of the campaigns that match this request: one per
		// request profile (what targeting looks at), kept LotteryTTL.
		req = targeting.Request{Keywords: withSlots(v.Keywords, p.Campaigns.Keywords), Country: v.Country, Device: targeting.DeviceOf(v.UserAgent), Hour: now.UTC().Hour()}
		key.profile = req.Country + "/" + req.Device + "/" + strings.Join(req.Keywords, "|")
		key.hour = req.Hour
	}
	restricted := p.Rules.restricts()
	if restricted {
		key.community = p.CommunityID
	}
	var capped []string // the campaigns this browser has seen as often as their caps allow
	if targeted && len(v.Seen) > 0 {
		for _, c := range cs {
			if f := c.Targeting.Frequency; f != nil && v.Seen[c.ID] >= f.Impressions {
				capped = append(capped, c.ID)
			}
		}
		if len(capped) > 0 {
			key.profile += "/" + strings.Join(capped, ",")
		}
	}
	s.mu.RLock()
	l := s.lotteries[key]
	s.mu.RUnlock()
	if len(cs) == 0 {
		return Campaign{}, false
	}
	spent.read(now, func(b *beliefs) {
		for attempt := 0; attempt < 2; attempt++ {
			if l == nil || !now.Before(l.until) || attempt > 0 {
				in := cs
				if targeted || restricted {
					in = make([]Campaign, 0, len(cs))
					for _, c := range cs {
						if (!targeted || c.Targeting.Matches(req) && !slices.Contains(capped, c.ID)) && p.Rules.Allows(c) {
							in = append(in, c)
						}
					}
				}
				l = &lottery{until: now.Add(LotteryTTL), Lottery: NewLottery(in, p, now, b.of)}
				s.mu.Lock()
				if s.lotteries != nil {
					if len(s.lotteries) >= maxLotteries {
						clear(s.lotteries) // many request profiles: start again rather than grow
					}
					s.lotteries[key] = l
				}
				s.mu.Unlock()
			}
			s.rngMu.Lock()
			c, ok = l.Draw(s.rng)
			s.rngMu.Unlock()
			if !ok {
				return
			}
			if c.Eligible(p, now, b.of(c)) {
				return
			}
			// It spent what it needed since the weights were drawn: draw again.
		}
		c, ok = Campaign{}, false
	})
	return c, ok
}
