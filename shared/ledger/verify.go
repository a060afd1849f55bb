package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
)

// Report is the result of Verify.
type Report struct {
	OK         bool     `json:"ok"`
	Transfers  int      `json:"transfers"`
	Accounts   int      `json:"accounts"`
	Holds      int      `json:"holds"`
	Violations []string `json:"violations"`
}

// maxViolations bounds the report; past it, the count is what matters.
const maxViolations = 1000

type sums struct{ available, held, pending int64 }

// add counts one balance or posting item's buckets.
func (s sums) add(item map[string]types.AttributeValue) sums {
	return sums{s.available + store.NumberAttr(item, "available"), s.held + store.NumberAttr(item, "held"), s.pending + store.NumberAttr(item, "pending")}
}

// Verify checks DESIGN §4's invariants over the whole ledger and returns
// every violation it finds: each transfer's legs sum to zero and each has
// exactly its posting items; each balance equals the sum of its postings;
// no non-external balance is negative; each hold is held, or settled by
// exactly one capture or release that exists; each owner's day of a kind
// equals its postings of that kind on that day.
func (l *Ledger) Verify(ctx context.Context) (Report, error) {
	r := Report{Violations: []string{}}
	violate := func(format string, args ...any) {
		if len(r.Violations) < maxViolations {
			r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
		}
	}
	balances := map[string]sums{}  // account#currency (shards summed)
	postings := map[string]sums{}  // account#currency
	postingsOf := map[string]int{} // transferId → posting items seen
	transfers := map[string]Transfer{}
	type dayRow struct{ net, n int64 }
	daysKept, daysPosted := map[string]dayRow{}, map[string]dayRow{} // account#currency#day#kind
	type holdRow struct {
		Hold
		holdTransfer, settleTransfer string
		drawdown                     bool
		remaining, drawn, released   int64
	}
	var holds []holdRow

	var start map[string]types.AttributeValue
	for page := 0; ; page++ {
		out, err := l.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(l.table), ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return Report{}, fault.Wrap("ledger.Verify", store.Classify(err))
		}
		for _, it := range out.Items {
			pk, sk := store.StringAttr(it, "pk"), store.StringAttr(it, "sk")
			switch {
			case strings.HasPrefix(pk, "A#") && sk == "BAL":
				key := store.StringAttr(it, "account") + "#" + store.StringAttr(it, "currency")
				balances[key] = balances[key].add(it)
			case strings.HasPrefix(pk, "A#") && strings.HasPrefix(sk, "P#"):
				key := store.StringAttr(it, "account") + "#" + store.StringAttr(it, "currency")
				postings[key] = postings[key].add(it)
				postingsOf[store.StringAttr(it, "transferId")]++
				if t := store.NumberAttr(it, "available") + store.NumberAttr(it, "held") + store.NumberAttr(it, "pending"); t != 0 && !Account(store.StringAttr(it, "account")).IsSystem() {
					at := store.StringAttr(it, "at")
					if len(at) >= 10 {
						at = at[:10]
					}
					dk := key + "#" + at + "#" + store.StringAttr(it, "kind")
					daysPosted[dk] = dayRow{daysPosted[dk].net + t, daysPosted[dk].n + 1}
				}
			case strings.HasPrefix(pk, "A#") && strings.HasPrefix(sk, "D#"):
				dk := store.StringAttr(it, "account") + "#" + store.StringAttr(it, "currency") + "#" + store.StringAttr(it, "day") + "#" + store.StringAttr(it, "kind")
				daysKept[dk] = dayRow{store.NumberAttr(it, "net"), store.NumberAttr(it, "n")}
			case strings.HasPrefix(pk, "T#"):
				t := Transfer{ID: strings.TrimPrefix(pk, "T#"), Kind: store.StringAttr(it, "kind"), Currency: store.StringAttr(it, "currency"), HoldID: store.StringAttr(it, "holdId")}
				if err := json.Unmarshal([]byte(store.StringAttr(it, "legs")), &t.Legs); err != nil {
					violate("transfer %s: unreadable legs", t.ID)
				}
				transfers[t.ID] = t
			case strings.HasPrefix(pk, "H#"):
				holds = append(holds, holdRow{
					Hold: Hold{ID: strings.TrimPrefix(pk, "H#"), Account: Account(store.StringAttr(it, "account")),
						Currency: store.StringAttr(it, "currency"), Amount: store.NumberAttr(it, "amount"), State: HoldState(store.StringAttr(it, "state"))},
					holdTransfer: store.StringAttr(it, "holdTransfer"), settleTransfer: store.StringAttr(it, "settleTransfer"),
					drawdown: store.StringAttr(it, "kind") == KindDrawdown, remaining: store.NumberAttr(it, "remaining"),
					drawn: store.NumberAttr(it, "drawn"), released: store.NumberAttr(it, "released"),
				})
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}

	ids := make([]string, 0, len(transfers))
	for id := range transfers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t := transfers[id]
		var total int64
		for _, leg := range t.Legs {
			total += leg.Available + leg.Held + leg.Pending
		}
		if total != 0 {
			violate("transfer %s does not balance: its legs sum to %d %s", id, total, t.Currency)
		}
		if postingsOf[id] != len(t.Legs) {
			violate("transfer %s has %d legs but %d postings", id, len(t.Legs), postingsOf[id])
		}
		delete(postingsOf, id)
	}
	for id := range postingsOf {
		violate("postings of transfer %s, which does not exist", id)
	}

	keys := map[string]bool{}
	for k := range balances {
		keys[k] = true
	}
	for k := range postings {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		b, p := balances[k], postings[k]
		if b != p {
			violate("balance of %s is %+v but its postings sum to %+v", k, b, p)
		}
		acct := Account(strings.SplitN(k, "#", 2)[0])
		if acct.IsDebt() && b.available > 0 {
			violate("debt %s is above zero (overpaid): %+v", k, b)
		}
		if !acct.IsExternal() && !acct.IsDebt() && (b.available < 0 || b.held < 0 || b.pending < 0) {
			violate("balance of %s is negative: %+v", k, b)
		}
	}

	dayKeys := maps.Clone(daysKept)
	maps.Copy(dayKeys, daysPosted)
	sortedDays := slices.Sorted(maps.Keys(dayKeys))
	for _, k := range sortedDays {
		if daysKept[k] != daysPosted[k] {
			violate("the day %s keeps %+v but its postings come to %+v", k, daysKept[k], daysPosted[k])
		}
	}

	// What each hold set aside: its hold transfer plus its adjustments (or
	// top-ups); and for a draw-down hold, what its draws took (less what
	// returns brought back) and what its release gave back.
	heldBy, drawnBy, releasedBy := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, t := range transfers {
		if t.HoldID == "" {
			continue
		}
		kind := t.Kind
		if strings.HasPrefix(t.ID, "txf_"+t.HoldID+"_draw_") {
			kind = "draw" // PrepareDrawAs's id, whatever kind a product gave it
		}
		for _, leg := range t.Legs {
			switch kind {
			case "hold", "adjust", "topup":
				heldBy[t.HoldID] += leg.Held
			case "draw":
				if leg.Held < 0 {
					drawnBy[t.HoldID] -= leg.Held
				}
			case "return":
				if leg.Held > 0 {
					drawnBy[t.HoldID] -= leg.Held
				}
			case "release":
				if leg.Held < 0 {
					releasedBy[t.HoldID] -= leg.Held
				}
			}
		}
	}
	for _, h := range holds {
		if h.drawdown {
			_, released := transfers["txf_"+h.ID+"_release"]
			switch {
			case heldBy[h.ID] != h.Amount:
				violate("draw-down hold %s is for %d but its opening and top-ups set aside %d", h.ID, h.Amount, heldBy[h.ID])
			case drawnBy[h.ID] != h.drawn:
				violate("draw-down hold %s says %d drawn but its draws and returns come to %d", h.ID, h.drawn, drawnBy[h.ID])
			case releasedBy[h.ID] != h.released:
				violate("draw-down hold %s says %d released but its release gave back %d", h.ID, h.released, releasedBy[h.ID])
			case h.drawn+h.remaining+h.released != h.Amount:
				violate("draw-down hold %s: drawn %d + remaining %d + released %d is not its %d", h.ID, h.drawn, h.remaining, h.released, h.Amount)
			case h.remaining < 0:
				violate("draw-down hold %s is overdrawn: %d remaining", h.ID, h.remaining)
			case h.State == HoldHeld && released:
				violate("draw-down hold %s is held but was released", h.ID)
			case h.State == HoldReleased && h.remaining != 0:
				violate("draw-down hold %s is released with %d remaining", h.ID, h.remaining)
			case h.State != HoldHeld && h.State != HoldReleased:
				violate("draw-down hold %s is in state %q", h.ID, h.State)
			}
			if _, ok := transfers[h.holdTransfer]; !ok {
				violate("draw-down hold %s has no opening transfer", h.ID)
			}
			continue
		}
		if heldBy[h.ID] != h.Amount {
			violate("hold %s is for %d but its hold and adjustment transfers set aside %d", h.ID, h.Amount, heldBy[h.ID])
		}
		hold, hasHold := transfers[h.holdTransfer]
		if !hasHold || hold.HoldID != h.ID {
			violate("hold %s has no hold transfer", h.ID)
		}
		capture, captured := transfers["txf_"+h.ID+"_capture"]
		_, released := transfers["txf_"+h.ID+"_release"]
		switch {
		case captured && released:
			violate("hold %s was both captured and released", h.ID)
		case h.State == HoldHeld && (captured || released):
			violate("hold %s is held but was settled", h.ID)
		case h.State == HoldCaptured && (!captured || h.settleTransfer != capture.ID):
			violate("hold %s is captured without its capture transfer", h.ID)
		case h.State == HoldReleased && (!released || h.settleTransfer != "txf_"+h.ID+"_release"):
			violate("hold %s is released without its release transfer", h.ID)
		case h.State != HoldHeld && h.State != HoldCaptured && h.State != HoldReleased:
			violate("hold %s is in unknown state %q", h.ID, h.State)
		}
	}
	r.Transfers, r.Accounts, r.Holds = len(transfers), len(sorted), len(holds)
	r.OK = len(r.Violations) == 0
	return r, nil
}
