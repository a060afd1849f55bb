package serving

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/targeting"
	"github.com/souqhq/souq/shared/traffic"
)

// Creative is what an ad shows and where a click on it goes.
type Creative struct {
	ImageURL, ClickURL, AltText string
}

// Run is a booked flight of a slot.
type Run struct {
	FlightID   string
	Start, End time.Time
	Creative
}

// Placement is what may run on a slot now.
type Placement struct {
	Found, Archived bool
	CommunityID     string
	Width, Height   int
	// AllowedDomains are the community's pages: views and clicks from
	// pages elsewhere are refused (empty: every page).
	AllowedDomains []string
	// Flight is the slot's flight that ends first after now: running,
	// or the next one.
	Flight *Run
	// House is the community's own creative, shown unbilled when nothing
	// else runs.
	House *Creative
	// Currency is the slot's: only campaigns in it may run.
	Currency string
	// Campaigns, when set, lets campaigns run on the slot when no flight
	// does, at or above its floor.
	Campaigns *SlotCampaigns
}

// SlotCampaigns is a slot's campaign setting.
type SlotCampaigns struct {
	// FloorCPM is the least a campaign's eCPM may be, in the slot's
	// currency's minor units.
	FloorCPM int64
	// Keywords are the slot's own topics: a targeted campaign matches
	// them as it does the page's.
	Keywords []string
}

// Source is what serving knows of each slot: today the auctions context's
// slots and flights; campaigns join through the same interface.
type Source interface {
	Placement(ctx context.Context, slotID string, now time.Time) (Placement, error)
	// FlightClickURL is where a click on a flight goes; found is false for
	// a flight nobody booked.
	FlightClickURL(ctx context.Context, flightID string) (url string, found bool, err error)
	// Campaigns are the campaigns that may still run (not ended, not past
	// their end): read every CampaignsRefresh, never per decision.
	Campaigns(ctx context.Context, now time.Time) ([]Campaign, error)
}

// Once records that an event happened, once: First is true for the first
// call with a key, false for every later one, on any instance.
type Once interface {
	First(ctx context.Context, key string, expires time.Time) (bool, error)
	// Seen reports whether First was called for key (a click of a
	// campaign bills only after its offer's view).
	Seen(ctx context.Context, key string) (bool, error)
}

// The counter kinds a flight's day holds.
const (
	CountServed      = "served"
	CountImpressions = "impressions"
	CountClicks      = "clicks"
	// CountInvalid prefixes a refused event's reason: inv_bot, inv_reused.
	CountInvalid = "inv_"
)

// A campaign's events are also counted under their offer's dims, for its
// report's breakdowns (DESIGN §13): kind|dim|value, as in
// impressions|c|SA, clicks|d|mobile, inv_bot|k|go (an empty value is an
// unknown country or device, or no keyword). They are written with the
// event's own kind, in the same update, so they sum to it.
const (
	DimKeyword = "k"
	DimCountry = "c"
	DimDevice  = "d"
)

// dimKinds are the kinds an event of an offer counts under: its own, and
// for a campaign's, one per dim.
func dimKinds(o Offer, kind string) []string {
	if o.Kind != KindCampaign {
		return []string{kind}
	}
	return []string{kind, kind + "|" + DimKeyword + "|" + o.Dims.Keyword, kind + "|" + DimCountry + "|" + o.Dims.Country,
		kind + "|" + DimDevice + "|" + o.Dims.Device}
}

// Labels of what is served: a sponsor's ad, or the community's own.
const (
	LabelSponsored = "Sponsored"
	LabelHouse     = "House"
)

// Ad is an offer as the page receives it (DESIGN §11).
type Ad struct {
	OfferID    string `json:"offerId"`
	Kind       Kind   `json:"kind"`
	FlightID   string `json:"flightId,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
	SlotID     string `json:"slotId"`
	ImageURL   string `json:"imageUrl"`
	AltText    string `json:"altText"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	ClickURL   string `json:"clickUrl"`
	ViewURL    string `json:"viewUrl"`
	Label      string `json:"label"`
	// Frequency is a capped campaign's cap, for the tag to count its
	// showings in the viewer's browser.
	Frequency *targeting.Frequency `json:"frequency,omitempty"`
}

// Event is a view or a click as it reached the beacon: what the rules
// look at.
type Event struct {
	UserAgent, SourceIP, Origin, Referer string
}

// Server decides offers and counts views and clicks. It is the hot path:
// it reads a slot's placement through a short in-process cache and counts
// in a buffered Counter. A view or click is judged in memory on its way;
// its once-per-offer record (one conditional write, shared by every
// instance) is made by the next flush, off the request path.
type Server struct {
	source  Source
	once    Once
	clock   clock.Clock
	signer  Signer
	sources traffic.Sources
	pace    *traffic.Pace
	Counts  *Counter
	baseURL string // "" → https://<the request's domain>
	log     *slog.Logger
	// Forged counts tokens whose signature did not hold: they name no
	// flight that can be trusted, so they are counted here, for operators.
	Forged atomic.Int64
	// viewCap and clickCap hold each source to its day's valid views and
	// clicks on a slot.
	viewCap, clickCap *traffic.DailyCap

	mu     sync.RWMutex
	slots  map[string]*slotEntry
	clicks map[string]string // flight → click URL (immutable once booked)

	// The campaigns that may run, by slot size and currency, refreshed
	// from the source every CampaignsRefresh by one decision at a time
	// (the others go on with the set they have).
	campMu sync.RWMutex
	camps  map[sizeKey][]Campaign
	// lotteries are each size's and floor's draw, kept LotteryTTL.
	lotteries map[lotteryKey]*lottery
	// targeted says which sizes have a targeted campaign: their draws are
	// per request profile.
	targeted    map[sizeKey]bool
	campByID    map[string]Campaign
	campUntil   time.Time
	campLoading sync.Mutex
	// spent is what this instance believes each campaign has spent, from
	// the views and clicks it counted (settlements will correct it).
	spentMu sync.Mutex
	spent   map[string]*Spend
	// scale is, per campaign, how much the whole marketplace spent for
	// each unit this instance counted between its last two settlements
	// (1 alone; about n with n instances sharing the traffic): its own
	// count times this is its belief of everyone's since the last one.
	scale   map[string]float64
	spentOn string // the UTC day Today is of
	// spentDayStart is spentOn's midnight, so that deciding formats no date.
	spentDayStart time.Time
	rngMu         sync.Mutex
	rng           *rand.Rand

	// pending are views and clicks that passed every rule but the shared
	// once-per-offer check, which the flush makes (off the request path).
	pendMu     sync.Mutex
	pending    []pendingEvent
	pendOldest time.Time
}

type pendingEvent struct {
	offer Offer
	kind  string // "v" or "c"
	ref   string // what it counts under: the flight, or campaign/community
	at    time.Time
}

// maxPending bounds the events waiting for their once-per-offer check; a
// full buffer is checked on the request path.
const maxPending = 50_000

// onceWorkers check pending events at once.
const onceWorkers = 16

// CacheTTL bounds how long a slot's placement is reused. A flight never
// serves outside its window: an entry also expires at the next flight
// start or end it knows of.
const CacheTTL = 5 * time.Second

// MissTTL bounds how long a slot serving has not heard of is answered 404
// without looking again.
const MissTTL = time.Second

// PaceInterval is the least time between two of a source's views (or
// clicks) on one slot that a person can make: a view needs the ad on
// screen for a second.
const PaceInterval = time.Second

// The default caps of a source's (an address's) valid views and clicks on
// one slot in a UTC day, per instance (Config). A person reads a
// community's pages, and sees its slot, a few dozen times on a busy day;
// 300 views is a page every three minutes for fifteen hours. People
// behind one address (an office, a campus, a carrier's NAT) share it, so
// the cap is set well above one person: past it the address's events are
// refused, never billed, and the community is not paid for them either.
// 30 clicks is a tenth of the views cap: ten times a generous CTR.
const (
	DefaultMaxViewsPerSourceDay  = 300
	DefaultMaxClicksPerSourceDay = 30
)

// CampaignsRefresh bounds how long a decision uses the campaigns it read:
// a paused or ended campaign stops being offered within it.
const CampaignsRefresh = 10 * time.Second

// maxEntries bounds the in-process caches.
const maxEntries = 100_000

type slotEntry struct {
	until time.Time
	p     Placement
}

// Config is a server's setting.
type Config struct {
	// Key signs offers and keys source hashes (at least 32 bytes).
	Key []byte
	// BaseURL prefixes click and view URLs; empty means the API's own
	// https domain.
	BaseURL string
	// Rand draws the campaign lottery (tests give a seeded one).
	Rand *rand.Rand
	// MaxViewsPerSourceDay and MaxClicksPerSourceDay cap a source's valid
	// views and clicks on a slot in a UTC day, on this instance; 0 is the
	// default (DefaultMaxViewsPerSourceDay, DefaultMaxClicksPerSourceDay).
	MaxViewsPerSourceDay, MaxClicksPerSourceDay int
}

// NewServer is the serve path over a source of placements, a once store
// and a tally.
func NewServer(src Source, once Once, tally Tally, c clock.Clock, cfg Config, log *slog.Logger) *Server {
	s := &Server{source: src, once: once, clock: c, signer: NewSigner(cfg.Key), sources: traffic.Sources{Key: cfg.Key},
		pace: traffic.NewPace(PaceInterval, maxEntries), Counts: NewCounter(tally), baseURL: cfg.BaseURL, log: log,
		slots: map[string]*slotEntry{}, clicks: map[string]string{}, spent: map[string]*Spend{}, scale: map[string]float64{},
		rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	if cfg.Rand != nil {
		s.rng = cfg.Rand
	}
	views, clicks := cfg.MaxViewsPerSourceDay, cfg.MaxClicksPerSourceDay
	if views <= 0 {
		views = DefaultMaxViewsPerSourceDay
	}
	if clicks <= 0 {
		clicks = DefaultMaxClicksPerSourceDay
	}
	s.viewCap, s.clickCap = traffic.NewDailyCap(views, maxEntries), traffic.NewDailyCap(clicks, maxEntries)
	s.Counts.before = s.settleOnce
	return s
}

// settleOnce makes the once-per-offer check of every pending event (many
// at a time) and counts each as valid or reused. An event whose check
// failed waits for the next flush: nothing is lost or counted twice.
func (s *Server) settleOnce(ctx context.Context) error {
	s.pendMu.Lock()
	batch := s.pending
	s.pending = nil
	s.pendOldest = time.Time{}
	s.pendMu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []pendingEvent
		first  error
	)
	next := make(chan pendingEvent)
	for w := 0; w < min(onceWorkers, len(batch)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range next {
				ok, err := s.once.First(ctx, "OFFER#"+ev.offer.ID+"#"+ev.kind, ev.offer.IssuedAt.Add(OfferTTL+time.Hour))
				if err == nil && ok && ev.kind == "c" && ev.offer.Kind == KindCampaign {
					// A campaign's click bills only after its view.
					var seen bool
					if seen, err = s.once.Seen(ctx, "OFFER#"+ev.offer.ID+"#v"); err == nil && !seen {
						s.Counts.AddKinds(ev.ref, dimKinds(ev.offer, CountInvalid+string(traffic.NotViewed)), 1, ev.at)
						continue
					}
				}
				if err != nil {
					mu.Lock()
					failed = append(failed, ev)
					if first == nil {
						first = err
					}
					mu.Unlock()
					continue
				}
				kind := CountInvalid + string(traffic.Reused)
				if ok {
					kind = CountImpressions
					if ev.kind == "c" {
						kind = CountClicks
					}
					if ev.offer.Kind == KindCampaign {
						s.spend(ev.offer.Ref, ev.kind, ev.at)
					}
				}
				s.Counts.AddKinds(ev.ref, dimKinds(ev.offer, kind), 1, ev.at)
			}
		}()
	}
	for _, ev := range batch {
		next <- ev
	}
	close(next)
	wg.Wait()
	if len(failed) > 0 {
		s.pendMu.Lock()
		s.pending = append(failed, s.pending...)
		s.pendOldest = failed[0].at
		s.pendMu.Unlock()
	}
	return first
}

// hold queues an event for its once-per-offer check; a full queue is
// checked at once.
func (s *Server) hold(ctx context.Context, o Offer, kind, ref string, now time.Time) {
	s.pendMu.Lock()
	if len(s.pending) == 0 {
		s.pendOldest = now
	}
	s.pending = append(s.pending, pendingEvent{offer: o, kind: kind, ref: ref, at: now})
	// A frozen Lambda's ticker does not run: the request path flushes
	// what has waited too long.
	full := len(s.pending) >= maxPending
	due := now.Sub(s.pendOldest) >= FlushEvery
	s.pendMu.Unlock()
	switch {
	case full: // the store is behind: this request waits for it, so the queue stays bounded
		if err := s.Counts.Flush(ctx); err != nil {
			s.log.Warn("counter flush failed; kept for the next", "error", err.Error())
		}
	case due || s.Counts.Due(now):
		s.flush(ctx)
	}
}

func (s *Server) placement(ctx context.Context, slotID string, now time.Time) (Placement, error) {
	s.mu.RLock()
	e := s.slots[slotID]
	s.mu.RUnlock()
	if e != nil && now.Before(e.until) {
		return e.p, nil
	}
	p, err := s.source.Placement(ctx, slotID, now)
	if err != nil {
		return Placement{}, err
	}
	e = &slotEntry{until: now.Add(CacheTTL), p: p}
	if !p.Found {
		// A slot created a moment ago may not have reached the projection
		// yet: its 404 is not kept for long.
		e.until = now.Add(MissTTL)
	}
	if p.Flight != nil {
		for _, edge := range []time.Time{p.Flight.Start, p.Flight.End} {
			if edge.After(now) && edge.Before(e.until) {
				e.until = edge
			}
		}
	}
	s.mu.Lock()
	if len(s.slots) >= maxEntries {
		s.slots = map[string]*slotEntry{}
	}
	s.slots[slotID] = e
	s.mu.Unlock()
	return p, nil
}

func (s *Server) base(domain string) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	return "https://" + domain
}

// Decide is the offer for a slot now, or ok=false when there is none
// (204): the slot's flight running now, else (on a slot that accepts
// them) a campaign by lottery, else its house ad. A flight's or
// campaign's offer counts as served; only its view is an impression.
func (s *Server) Decide(ctx context.Context, slotID, domain string) (ad Ad, ok bool, err error) {
	return s.DecideFor(ctx, slotID, domain, Viewer{})
}

// Viewer is what a decision request says of its viewer and page, for
// targeting (DESIGN §13): the page's keywords (the tag's ?keywords=), the
// country CloudFront saw, the user agent. Nothing of it is stored.
type Viewer struct {
	Keywords  []string // normalised (targeting.ParseKeywords)
	Country   string   // ISO 3166-1 alpha-2, "" unknown
	UserAgent string
	// Seen is how often this browser says it was shown each capped
	// campaign within its cap's window (the tag's f=, from its own
	// localStorage).
	Seen map[string]int
}

// DecideFor is Decide for a viewer: a targeted campaign competes only
// for the requests it matches.
func (s *Server) DecideFor(ctx context.Context, slotID, domain string, v Viewer) (ad Ad, ok bool, err error) {
	const op = "serving.Decide"
	if !id.HasPrefix(slotID, "slot") {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	now := s.clock.Now()
	p, err := s.placement(ctx, slotID, now)
	if err != nil {
		return Ad{}, false, err
	}
	if !p.Found {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	if p.Archived {
		return Ad{}, false, nil
	}
	base := s.base(domain)
	if f := p.Flight; f != nil && !now.Before(f.Start) && now.Before(f.End) {
		o := Offer{ID: NewOfferID(now), Kind: KindFlight, SlotID: slotID, Ref: f.FlightID, IssuedAt: now}
		tok := s.signer.Sign(o)
		s.count(ctx, f.FlightID, CountServed, now)
		return Ad{OfferID: o.ID, Kind: KindFlight, FlightID: f.FlightID, SlotID: slotID, ImageURL: f.ImageURL, AltText: f.AltText,
			Width: p.Width, Height: p.Height, Label: LabelSponsored, ClickURL: base + "/c/" + tok, ViewURL: base + "/v/" + tok}, true, nil
	}
	if p.Campaigns != nil {
		c, ok, err := s.pickCampaign(ctx, p, now, v)
		if err != nil {
			return Ad{}, false, err
		}
		if ok {
			o := Offer{ID: NewOfferID(now), Kind: KindCampaign, SlotID: slotID, Ref: c.ID, IssuedAt: now, Dims: dimsOf(c, p, v)}
			tok := s.signer.Sign(o)
			s.count(ctx, CampaignRef(c.ID, p.CommunityID), CountServed, now)
			return Ad{OfferID: o.ID, Kind: KindCampaign, CampaignID: c.ID, SlotID: slotID, ImageURL: c.Creative.ImageURL, AltText: c.Creative.AltText,
				Width: p.Width, Height: p.Height, Label: LabelSponsored, ClickURL: base + "/c/" + tok, ViewURL: base + "/v/" + tok,
				Frequency: c.Targeting.Frequency}, true, nil
		}
	}
	if h := p.House; h != nil {
		o := Offer{ID: NewOfferID(now), Kind: KindHouse, SlotID: slotID, Ref: slotID, IssuedAt: now}
		return Ad{OfferID: o.ID, Kind: KindHouse, SlotID: slotID, ImageURL: h.ImageURL, AltText: h.AltText, ClickURL: h.ClickURL,
			ViewURL: base + "/v/" + s.signer.Sign(o), Width: p.Width, Height: p.Height, Label: LabelHouse}, true, nil
	}
	return Ad{}, false, nil
}

func (s *Server) count(ctx context.Context, flightID, kind string, now time.Time) {
	if s.Counts.Add(flightID, kind, 1, now) {
		s.flush(ctx)
	}
}

// countOffer counts an event of an offer under ref, with its dims.
func (s *Server) countOffer(ctx context.Context, ref string, o Offer, kind string, now time.Time) {
	if s.Counts.AddKinds(ref, dimKinds(o, kind), 1, now) {
		s.flush(ctx)
	}
}

// dimsOf is what a campaign's offer is decided for: the viewer's country
// (one CloudFront can name, else unknown), device, and the first of the
// campaign's keywords that the page or slot has.
func dimsOf(c Campaign, p Placement, v Viewer) Dims {
	d := Dims{Device: targeting.DeviceOf(v.UserAgent)}
	if targeting.IsCountry(v.Country) {
		d.Country = v.Country
	}
	if len(c.Targeting.Keywords) > 0 {
		have := withSlots(v.Keywords, p.Campaigns.Keywords)
		for _, k := range c.Targeting.Keywords {
			if slices.Contains(have, k) {
				d.Keyword = k
				break
			}
		}
	}
	return d
}

// judge applies the rules to a view or click ("v" or "c") of a verified
// offer: the reason it is refused, or "" when it counts. The per-person
// rules key on the viewer's address alone (its network: an IPv6 /64), so
// a new user agent is not a new person.
func (s *Server) judge(ctx context.Context, kind string, o Offer, ev Event, now time.Time) (traffic.Reason, error) {
	if traffic.IsBot(ev.UserAgent) {
		return traffic.Bot, nil
	}
	p, err := s.placement(ctx, o.SlotID, now)
	if err != nil {
		return "", err
	}
	if !traffic.PageAllowed(p.AllowedDomains, ev.Origin, ev.Referer) {
		return traffic.OffDomain, nil
	}
	key := kind + "|" + s.sources.Of(ev.SourceIP, now) + "|" + o.SlotID
	if !s.pace.Allow(key, now) {
		return traffic.TooFast, nil
	}
	daily := s.viewCap
	if kind == "c" {
		daily = s.clickCap
	}
	if !daily.Allow(key, now) {
		return traffic.SourceCap, nil
	}
	return "", nil // what is left, once per offer, the flush checks
}

// countRef is what an offer's events count under: its flight, or its
// campaign on its slot's community (reports are by community).
func (s *Server) countRef(ctx context.Context, o Offer, now time.Time) (string, error) {
	if o.Kind != KindCampaign {
		return o.Ref, nil
	}
	p, err := s.placement(ctx, o.SlotID, now)
	if err != nil {
		return "", err
	}
	return CampaignRef(o.Ref, p.CommunityID), nil
}

// CampaignRef is the counter ref of a campaign's events on a community's
// slots.
func CampaignRef(campaignID, communityID string) string { return campaignID + "/" + communityID }

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
	s.hold(ctx, o, "v", ref, now)
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
		s.hold(ctx, o, "c", ref, now)
	}
	return to, nil
}

// destination is where a click on an offer goes; known is false for a
// flight or campaign serving never heard of.
func (s *Server) destination(ctx context.Context, o Offer, now time.Time) (string, bool, error) {
	if o.Kind == KindCampaign {
		if err := s.loadCampaigns(ctx, now); err != nil {
			return "", false, err
		}
		s.campMu.RLock()
		c, known := s.campByID[o.Ref]
		s.campMu.RUnlock()
		return c.Creative.ClickURL, known, nil
	}
	return s.clickURL(ctx, o.Ref)
}

func (s *Server) clickURL(ctx context.Context, flightID string) (string, bool, error) {
	s.mu.RLock()
	to, cached := s.clicks[flightID]
	s.mu.RUnlock()
	if cached {
		return to, true, nil
	}
	to, found, err := s.source.FlightClickURL(ctx, flightID)
	if err != nil || !found {
		return "", false, err
	}
	s.mu.Lock()
	if len(s.clicks) >= maxEntries {
		s.clicks = map[string]string{}
	}
	s.clicks[flightID] = to
	s.mu.Unlock()
	return to, true, nil
}

// flush writes buffered counts from the request path (when the ticker
// could not: a frozen Lambda), unless a flush is running. A failure keeps
// them for the next flush and still serves the request.
func (s *Server) flush(ctx context.Context) {
	if err := s.Counts.TryFlush(ctx); err != nil {
		s.log.Warn("counter flush failed; kept for the next", "error", err.Error())
	}
}

// loadCampaigns refreshes the campaigns that may run when the set is
// older than CampaignsRefresh: one caller reads the source, the others go
// on with the set they have (the first load waits for it).
func (s *Server) loadCampaigns(ctx context.Context, now time.Time) error {
	s.campMu.RLock()
	fresh, loaded := now.Before(s.campUntil), s.camps != nil
	s.campMu.RUnlock()
	if fresh {
		return nil
	}
	if loaded && !s.campLoading.TryLock() {
		return nil
	}
	if !loaded {
		s.campLoading.Lock()
	}
	defer s.campLoading.Unlock()
	s.campMu.RLock()
	fresh = now.Before(s.campUntil)
	s.campMu.RUnlock()
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
	s.campMu.Lock()
	old := s.campByID
	s.camps, s.campByID, s.targeted, s.campUntil, s.lotteries = bySize, byID, targeted, now.Add(CampaignsRefresh), map[lotteryKey]*lottery{}
	s.campMu.Unlock()
	// A newer settlement includes what this instance counted before it:
	// its own count starts again from there. What the settlements charged
	// since, against what this instance counted, is its scale: the other
	// instances' part of the traffic, which it cannot see until the next
	// settlement.
	s.spentMu.Lock()
	for id, c := range byID {
		was, known := old[id]
		if !known || c.Settled.Seq <= was.Settled.Seq {
			continue
		}
		if sp := s.spent[id]; sp != nil && sp.Total > 0 && c.Settled.Total > was.Settled.Total {
			s.scale[id] = min(MaxScale, max(1, float64(c.Settled.Total-was.Settled.Total)*1000/float64(sp.Total)))
		}
		delete(s.spent, id)
	}
	for id := range s.scale {
		if _, ok := byID[id]; !ok {
			delete(s.scale, id)
		}
	}
	s.spentMu.Unlock()
	return nil
}

// sizeKey is the slots a campaign can run on: its size and currency.
type sizeKey struct {
	w, h     int
	currency string
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

// lotteryKey is one draw: the slots of a size, currency and floor, and,
// where targeted campaigns of the size run, the request's profile (its
// country, device and keywords) and hour.
type lotteryKey struct {
	size    sizeKey
	floor   int64
	profile string
	hour    int
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

// pickCampaign draws the campaign a slot shows now, if any is eligible.
func (s *Server) pickCampaign(ctx context.Context, p Placement, now time.Time, v Viewer) (Campaign, bool, error) {
	if err := s.loadCampaigns(ctx, now); err != nil {
		return Campaign{}, false, err
	}
	key := lotteryKey{size: sizeKey{p.Width, p.Height, p.Currency}, floor: p.Campaigns.FloorCPM}
	s.campMu.RLock()
	cs, targeted := s.camps[key.size], s.targeted[key.size]
	s.campMu.RUnlock()
	var req targeting.Request
	if targeted {
		// The draw is of the campaigns that match this request: one per
		// request profile (what targeting looks at), kept LotteryTTL.
		req = targeting.Request{Keywords: withSlots(v.Keywords, p.Campaigns.Keywords), Country: v.Country, Device: targeting.DeviceOf(v.UserAgent), Hour: now.UTC().Hour()}
		key.profile = req.Country + "/" + req.Device + "/" + strings.Join(req.Keywords, "|")
		key.hour = req.Hour
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
	s.campMu.RLock()
	l := s.lotteries[key]
	s.campMu.RUnlock()
	if len(cs) == 0 {
		return Campaign{}, false, nil
	}
	s.spentMu.Lock()
	defer s.spentMu.Unlock()
	if now.Before(s.spentDayStart) || !now.Before(s.spentDayStart.Add(24*time.Hour)) {
		s.spentDayStart = now.UTC().Truncate(24 * time.Hour)
		if day := s.spentDayStart.Format("2006-01-02"); day != s.spentOn {
			for _, sp := range s.spent {
				sp.Today = 0
			}
			s.spentOn = day
		}
	}
	for attempt := 0; attempt < 2; attempt++ {
		if l == nil || !now.Before(l.until) || attempt > 0 {
			in := cs
			if targeted {
				in = make([]Campaign, 0, len(cs))
				for _, c := range cs {
					if c.Targeting.Matches(req) && !slices.Contains(capped, c.ID) {
						in = append(in, c)
					}
				}
			}
			l = s.draw(in, p, now)
			s.campMu.Lock()
			if s.lotteries != nil {
				if len(s.lotteries) >= maxLotteries {
					clear(s.lotteries) // many request profiles: start again rather than grow
				}
				s.lotteries[key] = l
			}
			s.campMu.Unlock()
		}
		s.rngMu.Lock()
		c, ok := l.Draw(s.rng)
		s.rngMu.Unlock()
		if !ok {
			return Campaign{}, false, nil
		}
		if c.Eligible(p, now, s.spentOf(c)) {
			return c, true, nil
		}
		// It spent what it needed since the weights were drawn: draw again.
	}
	return Campaign{}, false, nil
}

// draw weighs the campaigns of a size at now; s.spentMu is held.
func (s *Server) draw(cs []Campaign, p Placement, now time.Time) *lottery {
	return &lottery{until: now.Add(LotteryTTL), Lottery: NewLottery(cs, p, now, s.spentOf)}
}

// spentOf is what this instance believes a campaign spent: what its
// settlements charged, and what this instance counted since it last heard
// of one, scaled by its part of the traffic in the last settlement (a
// little counted twice errs on the side of stopping early; settlements
// make the rest free). s.spentMu is held.
func (s *Server) spentOf(c Campaign) Spend {
	out := Spend{Total: c.Settled.Total}
	if c.Settled.Day == s.spentOn {
		out.Today = c.Settled.Today
	}
	if sp := s.spent[c.ID]; sp != nil { // kept in thousandths of a minor unit
		k := max(1, s.scale[c.ID])
		out.Total += int64(math.Ceil(float64(sp.Total) * k / 1000))
		out.Today += int64(math.Ceil(float64(sp.Today) * k / 1000))
	}
	return out
}

// MaxScale bounds an instance's belief of the others' part of a
// campaign's traffic (its scale): at most this many times its own.
const MaxScale = 64

// spend adds what a counted view (or click) of a campaign costs to what
// this instance believes it spent, in thousandths of a minor unit (so a
// 2.50 CPM view is 250, not a whole cent: rounding each view up would
// make the belief run ahead of the charges and hold a campaign back); the
// sum is rounded up when read, so the belief never lags the charges.
func (s *Server) spend(campaignID, kind string, at time.Time) {
	s.campMu.RLock()
	c, ok := s.campByID[campaignID]
	s.campMu.RUnlock()
	if !ok {
		return
	}
	var cost int64
	switch {
	case c.Model == ModelCPM && kind == "v":
		cost = c.Bid
	case c.Model == ModelCPC && kind == "c":
		cost = c.Bid * 1000
	default:
		return
	}
	s.spentMu.Lock()
	defer s.spentMu.Unlock()
	sp := s.spent[campaignID]
	if sp == nil {
		sp = &Spend{}
		s.spent[campaignID] = sp
	}
	sp.Total += cost
	if at.UTC().Format("2006-01-02") == s.spentOn || s.spentOn == "" {
		sp.Today += cost
	}
}
