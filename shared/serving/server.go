package serving

import (
	"context"
	"errors"
	"github.com/souqhq/souq/shared/pass"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/targeting"
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
	// Rules are what the slot's community lets run on its pages (read
	// when the slot takes campaigns).
	Rules CommunityRules
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
// call with a key, false for every later one, on any instance; a call
// again with the same token (the same event, its first call failed) is
// the first call's answer.
type Once interface {
	First(ctx context.Context, key string, expires time.Time, token string) (bool, error)
	// Seen reports whether First was called for key (a click of a
	// campaign bills only after its offer's view).
	Seen(ctx context.Context, key string) (bool, error)
}

// The counter kinds a flight's day holds.
const (
	CountServed      = "served"
	CountImpressions = "impressions"
	CountClicks      = "clicks"
	// CountInvalid prefixes a refused event's reason: inv_bot, inv_reused
	// (the event contract's name for refused counts).
	CountInvalid = events.InvalidPrefix
)

// The dims a campaign's events are also counted under (CountKey), for
// its report's breakdowns (DESIGN §13).
const (
	DimKeyword = "k"
	DimCountry = "c"
	DimDevice  = "d"
	// DimSlot is the slot it was on: a community's results per slot
	// (DESIGN §16).
	DimSlot = "s"
)

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
// it composes the parts that each own one job and one lock (the offer
// book, the campaign set and its lotteries, the spend belief, the
// once-per-offer queue and the traffic rules) and counts in a buffered
// Counter. A view or click is judged in memory on its way; its
// once-per-offer record (one conditional write, shared by every
// instance) is made by the next flush, off the request path.
type Server struct {
	clock   clock.Clock
	signer  Signer
	passes  *pass.Keys
	Counts  *Counter
	baseURL string // "" → https://<the request's domain>
	log     *slog.Logger
	// Forged counts tokens whose signature did not hold: they name no
	// flight that can be trusted, so they are counted here, for operators.
	Forged atomic.Int64

	book  offerBook
	camps campaignSet
	spent spendBelief
	queue onceQueue
	rules trafficRules
	// audience counts each community's measured audience (audience.go).
	audience *audience
}

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
	// Passes verify membership passes (DESIGN §17): a valid ad-free
	// member of a slot's community is shown nothing. Nil verifies none.
	Passes *pass.Keys
}

// NewServer is the serve path over a source of placements, a once store
// and a tally.
func NewServer(src Source, once Once, tally Tally, c clock.Clock, cfg Config, log *slog.Logger) *Server {
	s := &Server{clock: c, signer: NewSigner(OfferKey(cfg.Key)).WithPrevious(cfg.Key), Counts: NewCounter(tally), baseURL: cfg.BaseURL, log: log, passes: cfg.Passes,
		book: newOfferBook(src), spent: newSpendBelief(), queue: onceQueue{once: once},
		rules: newTrafficRules(cfg.Key, cfg.MaxViewsPerSourceDay, cfg.MaxClicksPerSourceDay)}
	s.camps = campaignSet{source: src, log: log, refreshed: s.spent.settled, rng: cfg.Rand}
	if s.camps.rng == nil {
		s.camps.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	s.Counts.before = s.settleOnce
	s.audience = newAudience(nil)
	if st, ok := tally.(AudienceStore); ok { // the store keeps the audience too; a test's tally may not
		s.audience = newAudience(st)
	}
	return s
}

// settleOnce makes the once-per-offer check of every pending event and
// counts each as valid or refused; a valid one of a campaign adds to what
// this instance believes it spent.
func (s *Server) settleOnce(ctx context.Context) error {
	err := s.queue.settle(ctx, func(ev pendingEvent, kind string) {
		if ev.offer.Kind == KindCampaign && (kind == CountImpressions || kind == CountClicks) {
			if c, ok := s.camps.campaign(ev.offer.Ref); ok {
				s.spent.add(c, ev.kind, ev.at)
			}
		}
		s.Counts.AddKinds(ev.ref, dimKinds(ev.offer, kind), 1, ev.at)
		s.audience.counted(ev.mark, kind, ev.at)
	})
	return errors.Join(err, s.audience.flush(ctx, s.clock.Now()))
}

// hold queues an event for its once-per-offer check; a full queue is
// checked at once.
func (s *Server) hold(ctx context.Context, o Offer, kind, ref string, now time.Time, mark audienceMark) {
	full, due := s.queue.hold(o, kind, ref, now, mark)
	switch {
	case full: // the store is behind: this request waits for it, so the queue stays bounded
		if err := s.Counts.Flush(ctx); err != nil {
			s.log.Warn("counter flush failed; kept for the next", "error", err.Error())
		}
	case due || s.Counts.Due(now):
		// A frozen Lambda's ticker does not run: the request path flushes
		// what has waited too long.
		s.flush(ctx)
	}
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
	// Pass is the viewer's membership pass (the Souq-Pass header), if any.
	Pass string
}

// DecideFor is Decide for a viewer: a targeted campaign competes only
// for the requests it matches.
func (s *Server) DecideFor(ctx context.Context, slotID, domain string, v Viewer) (ad Ad, ok bool, err error) {
	const op = "serving.Decide"
	if !id.HasPrefix(slotID, "slot") {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	now := s.clock.Now()
	p, err := s.book.placement(ctx, slotID, now)
	if err != nil {
		return Ad{}, false, err
	}
	if !p.Found {
		return Ad{}, false, fault.New(fault.NotFound, op, "no such slot")
	}
	if p.Archived {
		return Ad{}, false, nil
	}
	if v.Pass != "" && s.passes != nil {
		// An ad-free member of the slot's community: no decision, no
		// offer, nothing counted. A forged, expired or other community's
		// pass is no pass: the ad shows.
		if c, err := s.passes.Verify(v.Pass, p.CommunityID, now); err == nil && c.AdFree() {
			return Ad{}, false, nil
		}
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

// flush writes buffered counts from the request path (when the ticker
// could not: a frozen Lambda), unless a flush is running. A failure keeps
// them for the next flush and still serves the request.
func (s *Server) flush(ctx context.Context) {
	if err := s.Counts.TryFlush(ctx); err != nil {
		s.log.Warn("counter flush failed; kept for the next", "error", err.Error())
	}
}

// pickCampaign draws the campaign a slot shows now, if any is eligible.
func (s *Server) pickCampaign(ctx context.Context, p Placement, now time.Time, v Viewer) (Campaign, bool, error) {
	if err := s.camps.load(ctx, now); err != nil {
		return Campaign{}, false, err
	}
	c, ok := s.camps.pick(p, now, v, &s.spent)
	return c, ok, nil
}
