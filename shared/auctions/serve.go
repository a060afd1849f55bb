package auctions

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/traffic"
)

// Server is the serve function's work: the ad to show in a slot now, and
// clicks. It is the hot path: it reads the slot and its current flight
// through a short in-process cache and counts in a buffered Counter.
type Server struct {
	repo    *Repository
	clock   clock.Clock
	signer  ClickSigner
	Counts  *Counter
	baseURL string // "" → https://<the request's domain>
	log     *slog.Logger

	mu      sync.RWMutex
	slots   map[string]*slotEntry
	flights map[string]flightItem // flights are immutable once booked
}

// CacheTTL bounds how long a slot's state is reused. A flight never
// serves outside its window: an entry also expires at the next flight
// start or end it knows of.
const CacheTTL = 5 * time.Second

type slotEntry struct {
	until  time.Time
	found  bool
	slot   slotItem
	run    flightItem
	hasRun bool
}

// NewServer wires the serve path. baseURL prefixes click URLs (the local
// platform's address); empty means the API's own https domain.
func NewServer(repo *Repository, c clock.Clock, signer ClickSigner, baseURL string, log *slog.Logger) *Server {
	return &Server{repo: repo, clock: c, signer: signer, Counts: NewCounter(repo), baseURL: baseURL, log: log,
		slots: map[string]*slotEntry{}, flights: map[string]flightItem{}}
}

// Ad is what a slot shows: a flight's creative (label Sponsored, with a
// signed click URL) or the community's house ad (label House).
type Ad struct {
	FlightID string `json:"flightId,omitempty"`
	SlotID   string `json:"slotId"`
	ImageURL string `json:"imageUrl"`
	AltText  string `json:"altText"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	ClickURL string `json:"clickUrl"`
	Label    string `json:"label"`
}

// Labels of what is served.
const (
	LabelSponsored = "Sponsored"
	LabelHouse     = "House"
)

func (s *Server) entry(ctx context.Context, slotID string, now time.Time) (*slotEntry, error) {
	s.mu.RLock()
	e := s.slots[slotID]
	s.mu.RUnlock()
	if e != nil && now.Before(e.until) {
		return e, nil
	}
	sl, found, err := s.repo.getSlot(ctx, slotID)
	if err != nil {
		return nil, err
	}
	e = &slotEntry{until: now.Add(CacheTTL), found: found, slot: sl}
	if found {
		if e.run, e.hasRun, err = s.repo.currentRun(ctx, slotID, now); err != nil {
			return nil, err
		}
		if e.hasRun {
			w := e.run.window()
			for _, edge := range []time.Time{w.Start, w.End} {
				if edge.After(now) && edge.Before(e.until) {
					e.until = edge
				}
			}
		}
	}
	s.mu.Lock()
	s.slots[slotID] = e
	s.mu.Unlock()
	return e, nil
}

// Serve returns the ad for a slot now, or ok=false when there is none
// (204). Serving a flight counts an impression.
func (s *Server) Serve(ctx context.Context, slotID, domain string) (ad Ad, ok bool, err error) {
	const op = "auctions.Serve"
	if !id.HasPrefix(slotID, "slot") {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	now := s.clock.Now()
	e, err := s.entry(ctx, slotID, now)
	if err != nil {
		return Ad{}, false, err
	}
	if !e.found {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	if e.slot.Archived {
		return Ad{}, false, nil
	}
	if e.hasRun && e.run.window().contains(now) {
		if s.Counts.Add(e.run.ID, CountImpressions, 1, now) {
			s.flush(ctx)
		}
		base := s.baseURL
		if base == "" {
			base = "https://" + domain
		}
		return Ad{FlightID: e.run.ID, SlotID: slotID, ImageURL: e.run.ImageURL, AltText: e.run.AltText,
			Width: e.slot.Width, Height: e.slot.Height, Label: LabelSponsored,
			ClickURL: base + "/c/" + s.signer.Sign(e.run.ID, now.Add(ClickTTL))}, true, nil
	}
	if e.slot.HouseImageURL != "" {
		return Ad{SlotID: slotID, ImageURL: e.slot.HouseImageURL, AltText: e.slot.HouseAltText, ClickURL: e.slot.HouseClickURL,
			Width: e.slot.Width, Height: e.slot.Height, Label: LabelHouse}, true, nil
	}
	return Ad{}, false, nil
}

// Click counts a click on a valid token (apart, for bots) and returns the
// flight's own clickUrl.
func (s *Server) Click(ctx context.Context, token, userAgent string) (string, error) {
	now := s.clock.Now()
	flightID, err := s.signer.Verify(token, now)
	if err != nil {
		return "", err
	}
	s.mu.RLock()
	f, cached := s.flights[flightID]
	s.mu.RUnlock()
	if !cached {
		var found bool
		if f, found, err = s.repo.getFlight(ctx, flightID); err != nil {
			return "", err
		}
		if !found {
			return "", errBadToken
		}
		s.mu.Lock()
		s.flights[flightID] = f
		s.mu.Unlock()
	}
	kind := CountClicks
	if traffic.IsBot(userAgent) {
		kind = CountBotClicks
	}
	if s.Counts.Add(flightID, kind, 1, now) {
		s.flush(ctx)
	}
	return f.ClickURL, nil
}

// flush writes buffered counts from the request path (when the ticker
// could not: a frozen Lambda). A failure keeps them for the next flush
// and still serves the request.
func (s *Server) flush(ctx context.Context) {
	if err := s.Counts.Flush(ctx); err != nil {
		s.log.Warn("counter flush failed; kept for the next", "error", err.Error())
	}
}
