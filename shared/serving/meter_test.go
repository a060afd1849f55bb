package serving

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/events"
)

func TestMeterUnits(t *testing.T) {
	now := time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		shards []campaignShard
		want   map[string]events.CommunityUnits
	}{
		{"none", nil, map[string]events.CommunityUnits{}},
		{"shards and days add up; served is not billed", []campaignShard{
			{Day: "2026-11-22", CommunityID: "com_a", Counts: map[string]int64{"impressions": 3, "clicks": 1, "served": 9}},
			{Day: "2026-11-23", CommunityID: "com_a", Counts: map[string]int64{"impressions": 2, "inv_bot": 4}},
			{Day: "2026-11-23", CommunityID: "com_a", Counts: map[string]int64{"impressions": 1, "inv_bot": 1, "inv_too_fast": 0}},
		}, map[string]events.CommunityUnits{
			"com_a": {CommunityID: "com_a", Impressions: 6, Clicks: 1, Invalid: map[string]int64{"bot": 5}},
		}},
		{"breakdowns are of now's day only", []campaignShard{
			{Day: "2026-11-22", CommunityID: "com_a", Counts: map[string]int64{"impressions": 1, "impressions|c|SA": 1}},
			{Day: "2026-11-23", CommunityID: "com_a", Counts: map[string]int64{"impressions": 2, "impressions|c|SA": 2, "clicks|k|": 1, "inv_bot|d|mobile": 3}},
			{Day: "2026-11-23", CommunityID: "com_b", Counts: map[string]int64{"clicks": 1}},
		}, map[string]events.CommunityUnits{
			"com_a": {CommunityID: "com_a", Impressions: 3, Dims: &events.DayDims{Day: "2026-11-23", Values: map[string]events.DimUnits{
				"c|SA": {Impressions: 2}, "k|": {Clicks: 1}, "d|mobile": {Invalid: map[string]int64{"bot": 3}},
			}}},
			"com_b": {CommunityID: "com_b", Clicks: 1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := meterUnits(tc.shards, now)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("meterUnits = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// communities is n communities with count impressions each, and dims of
// dimBytes (about) of breakdown values when dimBytes > 0.
func communities(n int, count int64, dimBytes int) map[string]events.CommunityUnits {
	out := map[string]events.CommunityUnits{}
	for i := 0; i < n; i++ {
		u := events.CommunityUnits{CommunityID: fmt.Sprintf("com_%02d", i), Impressions: count}
		if dimBytes > 0 {
			u.Dims = &events.DayDims{Day: "2026-11-23", Values: map[string]events.DimUnits{"k|" + strings.Repeat("x", dimBytes): {Impressions: count}}}
		}
		out[u.CommunityID] = u
	}
	return out
}

func TestNextMeter(t *testing.T) {
	sent := func(units map[string]events.CommunityUnits) []events.CommunityUnits {
		next, _ := nextMeter(units, 0, nil, false)
		return next.Kept
	}
	for _, tc := range []struct {
		name      string
		units     map[string]events.CommunityUnits
		lastSeq   int64
		last      []events.CommunityUnits
		found     bool
		ok        bool
		seq       int64
		sends     int // communities sent
		moved     int // of them, counts not as last sent
		withDims  int // of them, carrying dims
		dimsBytes int // at most
	}{
		{name: "the first meter sends everything", units: communities(3, 5, 10), ok: true, seq: 1, sends: 3, moved: 3, withDims: 3},
		{name: "nothing moved: nothing sent", units: communities(3, 5, 10), lastSeq: 4, last: sent(communities(3, 5, 10)), found: true},
		{name: "a record with nothing in it, again nothing", units: communities(0, 0, 0), lastSeq: 1, last: []events.CommunityUnits{}, found: true},
		{name: "at most 20 communities move a minute", units: communities(25, 5, 0), ok: true, seq: 1, sends: 20, moved: 20},
		// The first sent com_00…com_19; all 25 move again, and the turn
		// starts at seq: com_01…com_20 move, com_00 is sent as it was,
		// com_21…com_24 (never sent) wait.
		{name: "the others wait their turn", units: communities(25, 7, 0), lastSeq: 1, last: sent(communities(25, 5, 0)), found: true,
			ok: true, seq: 2, sends: 21, moved: 20},
		{name: "dims within 96 KB", units: communities(20, 5, 10<<10), ok: true, seq: 1, sends: 20, moved: 20, withDims: 9, dimsBytes: MeterDimsBytes},
		{name: "only moved communities carry dims", units: map[string]events.CommunityUnits{
			"com_00": communities(1, 5, 10)["com_00"], "com_01": {CommunityID: "com_01", Impressions: 9, Dims: communities(1, 9, 10)["com_00"].Dims},
		}, lastSeq: 1, last: []events.CommunityUnits{{CommunityID: "com_00", Impressions: 5}, {CommunityID: "com_01", Impressions: 8}}, found: true,
			ok: true, seq: 2, sends: 2, moved: 1, withDims: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, ok := nextMeter(tc.units, tc.lastSeq, tc.last, tc.found)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			prev := map[string]events.CommunityUnits{}
			for _, u := range tc.last {
				prev[u.CommunityID] = u
			}
			moved, withDims, size := 0, 0, 0
			for i, u := range next.Communities {
				if p, was := prev[u.CommunityID]; !was || !sameUnits(p, u) {
					moved++
				}
				if u.Dims != nil {
					withDims++
					b, _ := json.Marshal(u.Dims)
					size += len(b)
				}
				if k := next.Kept[i]; k.Dims != nil || !sameUnits(k, u) {
					t.Fatalf("kept %+v for sent %+v: the counts alone", k, u)
				}
			}
			if next.Seq != tc.seq || len(next.Communities) != tc.sends || moved != tc.moved || withDims != tc.withDims {
				t.Fatalf("seq %d, sent %d, moved %d, with dims %d; want %d, %d, %d, %d",
					next.Seq, len(next.Communities), moved, withDims, tc.seq, tc.sends, tc.moved, tc.withDims)
			}
			if tc.dimsBytes > 0 && size > tc.dimsBytes {
				t.Fatalf("dims of %d bytes, past %d", size, tc.dimsBytes)
			}
		})
	}
}
