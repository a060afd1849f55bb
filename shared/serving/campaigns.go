package serving

import (
	"math/rand/v2"
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
	Width      int
	Height     int
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

// Choose is the campaign a decision offers among the eligible, by a
// weighted lottery on need × eCPM (EthicalAds' rule): a campaign that
// needs more and pays more is likelier, and none is starved. It returns
// -1 when none is eligible.
func Choose(cs []Campaign, p Placement, now time.Time, spent func(string) Spend, r *rand.Rand) int {
	total := 0.0
	weights := make([]float64, len(cs))
	for i, c := range cs {
		s := spent(c.ID)
		if !c.Eligible(p, now, s) {
			continue
		}
		weights[i] = c.Need(now, s) * c.ECPM()
		total += weights[i]
	}
	if total <= 0 {
		return -1
	}
	x := r.Float64() * total
	for i, w := range weights {
		if w > 0 && x < w {
			return i
		}
		x -= w
	}
	for i := len(weights) - 1; i >= 0; i-- { // rounding: the last with a weight
		if weights[i] > 0 {
			return i
		}
	}
	return -1
}
