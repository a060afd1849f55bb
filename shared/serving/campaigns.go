package serving

import (
	"github.com/souqhq/souq/shared/targeting"
	"math/rand/v2"
	"slices"
	"time"
)

// Campaign is a pay-as-you-go campaign as serving knows it (from
// CampaignChanged): what it shows, on slots of which size and currency,
// at what bid, and what it may spend.
type Campaign struct {
	ID           string
	AdvertiserID string
	Currency     string
	// Model is "cpm" (Bid per thousand viewable impressions) or "cpc"
	// (Bid per click); amounts are minor units of Currency.
	Model    string
	Bid      int64
	Budget   int64
	DailyCap int64 // 0: none
	// It runs in [Start, End).
	Start, End time.Time
	Pacing     string // "even" or "asap"
	Live       bool   // not paused, not ended
	Creative   Creative
	// CreativeVersion numbers its creatives: a community that approves
	// campaigns first runs only the version it approved.
	CreativeVersion int
	Width           int
	Height          int
	// Settled is what its settlements charged, as of their last one.
	Settled Settled
	// Targeting is what it asks of a decision (zero: nothing).
	Targeting targeting.Targeting
}

// Settled is what a campaign's settlements charged: in all, and on Day.
type Settled struct {
	Seq          int64
	Total, Today int64
	Day          string
}

// The pricing models and pacings serving reads.
const (
	ModelCPM   = "cpm"
	ModelCPC   = "cpc"
	PacingEven = "even"
	PacingASAP = "asap"
)

// DefaultCTR is the click-through rate a CPC bid is valued at among CPM
// bids (its eCPM: bid × CTR × 1000), until observed rates are known.
const DefaultCTR = 0.001

// PacingInterval is how far ahead of its straight line an even campaign
// may spend: its target is where the line will be one interval from now,
// so that it starts at once, and one that is ahead of it waits.
const PacingInterval = 15 * time.Minute

// ECPM is what a campaign pays per thousand viewable impressions, in minor
// units: its bid for CPM, its bid at DefaultCTR for CPC.
func (c Campaign) ECPM() float64 {
	if c.Model == ModelCPC {
		return float64(c.Bid) * DefaultCTR * 1000
	}
	return float64(c.Bid)
}

// Spend is what serving believes a campaign has spent, in all and in the
// UTC day of the decision.
type Spend struct {
	Total, Today int64
}

// Need is what a campaign still needs to spend now (minor units), or 0
// when it waits: asap, everything left of its budget (and of today's
// cap); even, what keeps it on the straight line from its start to its
// end, looking one PacingInterval ahead.
func (c Campaign) Need(now time.Time, spent Spend) float64 {
	left := c.Budget - spent.Total
	if c.DailyCap > 0 && c.DailyCap-spent.Today < left {
		left = c.DailyCap - spent.Today
	}
	if left <= 0 {
		return 0
	}
	if c.Pacing != PacingEven {
		return float64(left)
	}
	window := c.End.Sub(c.Start)
	ahead := now.Add(PacingInterval).Sub(c.Start)
	if ahead > window {
		ahead = window
	}
	target := float64(c.Budget) * float64(ahead) / float64(window)
	need := target - float64(spent.Total)
	if need <= 0 {
		return 0
	}
	return min(need, float64(left))
}

// Eligible reports whether a campaign may run on a placement now: live, in
// its window, of the slot's size and currency, paying at least the slot's
// floor, and with something left to spend.
func (c Campaign) Eligible(p Placement, now time.Time, spent Spend) bool {
	return c.Live && !now.Before(c.Start) && now.Before(c.End) && p.Campaigns != nil &&
		c.Width == p.Width && c.Height == p.Height && c.Currency == p.Currency && c.ECPM() >= float64(p.Campaigns.FloorCPM) &&
		c.Need(now, spent) > 0
}

// Lottery is a draw among the campaigns eligible for a placement at a
// time, weighted by need × eCPM (EthicalAds' rule): a campaign that needs
// more and pays more is likelier, and none is starved.
type Lottery struct {
	Campaigns []Campaign
	cum       []float64 // cumulative weights, one per campaign
}

// NewLottery weighs every eligible campaign of cs (spent says what each
// is believed to have spent).
func NewLottery(cs []Campaign, p Placement, now time.Time, spent func(Campaign) Spend) Lottery {
	var l Lottery
	total := 0.0
	for _, c := range cs {
		sp := spent(c)
		if !c.Eligible(p, now, sp) {
			continue
		}
		total += c.Need(now, sp) * c.ECPM()
		l.Campaigns = append(l.Campaigns, c)
		l.cum = append(l.cum, total)
	}
	return l
}

// Draw is one campaign drawn from the lottery in O(log n), or false when
// none is eligible.
func (l Lottery) Draw(r *rand.Rand) (Campaign, bool) {
	if len(l.cum) == 0 {
		return Campaign{}, false
	}
	x := r.Float64() * l.cum[len(l.cum)-1]
	i, _ := slices.BinarySearch(l.cum, x)
	for i < len(l.cum)-1 && l.cum[i] <= x { // the first whose cumulative weight passes x
		i++
	}
	return l.Campaigns[i], true
}
