package serving

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
)

// The meter's rules: what a campaign's counters add up to, and what of it
// one CampaignMetered sends. They read no store and no clock (Store.meter
// does both around them), so each rule is tested on its own.

// MeterCommunities is the most communities one meter moves: a
// settlement writes four items per community it pays (balance, posting,
// day total, report line) in one transaction of at most 100, so a meter
// never asks for more than this many at once.
const MeterCommunities = 20

// MeterDimsBytes bounds the breakdown counts one meter carries (its event
// must stay well within EventBridge's 256 KB): past it, a community's
// are left out, and its line keeps the weights it had.
const MeterDimsBytes = 96 << 10

// campaignShard is one stored shard of a campaign's counters: a UTC day's
// on one community's slots, by counter kind.
type campaignShard struct {
	Day, CommunityID string
	Counts           map[string]int64
}

// meterUnits sums a campaign's shards per community: its valid viewable
// impressions and valid clicks since its start, its refusals by reason,
// and the breakdowns of now's UTC day by value.
func meterUnits(shards []campaignShard, now time.Time) map[string]events.CommunityUnits {
	today := now.UTC().Format(clock.DayLayout)
	out := map[string]events.CommunityUnits{}
	for _, sh := range shards {
		u := out[sh.CommunityID]
		u.CommunityID = sh.CommunityID
		for k, n := range sh.Counts {
			if n == 0 {
				continue
			}
			key, ok := ParseCountKey(k)
			switch {
			case !ok:
			case key.Dim != "" && sh.Day == today:
				if u.Dims == nil {
					u.Dims = &events.DayDims{Day: today, Values: map[string]events.DimUnits{}}
				}
				d := u.Dims.Values[key.Breakdown()]
				addCount(key.Kind, n, &d.Impressions, &d.Clicks, &d.Invalid)
				u.Dims.Values[key.Breakdown()] = d
			case key.Dim == "":
				addCount(key.Kind, n, &u.Impressions, &u.Clicks, &u.Invalid)
			}
		}
		out[sh.CommunityID] = u
	}
	return out
}

// addCount adds n of a counter kind to the impressions, clicks or
// refusals by reason it is of (served is not billed, so not added).
func addCount(kind string, n int64, impressions, clicks *int64, invalid *map[string]int64) {
	switch {
	case kind == CountImpressions:
		*impressions += n
	case kind == CountClicks:
		*clicks += n
	case strings.HasPrefix(kind, CountInvalid):
		if *invalid == nil {
			*invalid = map[string]int64{}
		}
		(*invalid)[strings.TrimPrefix(kind, CountInvalid)] += n
	}
}

// meterNext is the meter to send after one numbered Seq-1: the
// communities it carries, and what its record keeps of them (the counts
// only: dims are sent, not compared).
type meterNext struct {
	Seq         int64
	Communities []events.CommunityUnits
	Kept        []events.CommunityUnits
}

// nextMeter is what to send of a campaign's units after the last meter
// (lastSeq and what it sent; found false when none was): ok is false when
// nothing moved since.
func nextMeter(units map[string]events.CommunityUnits, lastSeq int64, last []events.CommunityUnits, found bool) (next meterNext, ok bool) {
	coms := make([]events.CommunityUnits, 0, len(units))
	for _, u := range units {
		coms = append(coms, u)
	}
	sort.Slice(coms, func(i, j int) bool { return coms[i].CommunityID < coms[j].CommunityID })
	coms = moved(coms, last, lastSeq)
	if found && slices.EqualFunc(coms, last, sameUnits) {
		return meterNext{}, false // nothing new
	}
	coms = withDims(coms, last)
	kept := make([]events.CommunityUnits, len(coms))
	for i, u := range coms {
		u.Dims = nil
		kept[i] = u
	}
	return meterNext{Seq: lastSeq + 1, Communities: coms, Kept: kept}, true
}

// withDims keeps the dims of the communities whose counts moved since
// sent, within MeterDimsBytes; the others are sent without.
func withDims(coms, sent []events.CommunityUnits) []events.CommunityUnits {
	prev := make(map[string]events.CommunityUnits, len(sent))
	for _, u := range sent {
		prev[u.CommunityID] = u
	}
	size := 0
	for i, u := range coms {
		if u.Dims == nil {
			continue
		}
		if p, ok := prev[u.CommunityID]; ok && sameUnits(p, u) {
			coms[i].Dims = nil
			continue
		}
		b, err := json.Marshal(u.Dims)
		if err != nil || size+len(b) > MeterDimsBytes {
			coms[i].Dims = nil
			continue
		}
		size += len(b)
	}
	return coms
}

func sameUnits(a, b events.CommunityUnits) bool {
	return a.CommunityID == b.CommunityID && a.Impressions == b.Impressions && a.Clicks == b.Clicks && maps.Equal(a.Invalid, b.Invalid)
}

// moved is what a meter sends: every community's count, but with at most
// MeterCommunities of them moved since the last meter (taken in turn from
// a place that moves with seq, so none waits long); the others are sent
// as they were last time (or left out when never sent), and move in a
// later minute. Counts are cumulative, so a deferred one loses nothing.
func moved(now, sent []events.CommunityUnits, seq int64) []events.CommunityUnits {
	prev := make(map[string]events.CommunityUnits, len(sent))
	for _, u := range sent {
		prev[u.CommunityID] = u
	}
	var changed []int
	isChanged := make(map[int]bool)
	for i, u := range now {
		if p, ok := prev[u.CommunityID]; !ok || !sameUnits(u, p) {
			changed = append(changed, i)
			isChanged[i] = true
		}
	}
	if len(changed) <= MeterCommunities {
		return now
	}
	keep := make(map[int]bool, MeterCommunities)
	start := int(seq % int64(len(changed)))
	for k := 0; k < MeterCommunities; k++ {
		keep[changed[(start+k)%len(changed)]] = true
	}
	out := make([]events.CommunityUnits, 0, len(now))
	for i, u := range now {
		if p, ok := prev[u.CommunityID]; isChanged[i] && !keep[i] {
			if ok {
				out = append(out, p) // its turn comes later
			}
			continue
		}
		out = append(out, u)
	}
	return out
}
