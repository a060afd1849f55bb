package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestValidate_RefusesUnbalancedAndMalformedTransfers(t *testing.T) {
	adv, com := Advertiser("adv_1"), Community("com_1")
	cases := []struct {
		name string
		t    Transfer
	}{
		{"unbalanced", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: adv, Available: -5}, {Account: com, Available: 4}}}},
		{"no legs", Transfer{ID: "txf_1", Currency: "USD"}},
		{"bad id", Transfer{ID: "x_1", Currency: "USD", Legs: []Leg{{Account: adv, Available: -5}, {Account: com, Available: 5}}}},
		{"bad currency", Transfer{ID: "txf_1", Currency: "usd", Legs: []Leg{{Account: adv, Available: -5}, {Account: com, Available: 5}}}},
		{"account twice", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: adv, Available: -5}, {Account: adv, Available: 5}}}},
		{"empty leg", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: adv, Available: -5}, {Account: com, Available: 5}, {Account: PlatformFees}}}},
		{"unknown account kind", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: "bank:x", Available: -5}, {Account: com, Available: 5}}}},
		{"external with held", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: ExternalDeposits, Held: -5}, {Account: com, Held: 5}}}},
		{"overflow", Transfer{ID: "txf_1", Currency: "USD", Legs: []Leg{{Account: adv, Available: 1 << 62}, {Account: com, Available: 1 << 62}, {Account: ExternalDeposits, Available: -(1 << 62)}}}},
		{"too many legs", Transfer{ID: "txf_1", Currency: "USD", Legs: make([]Leg, MaxLegs+1)}},
	}
	for _, c := range cases {
		if err := c.t.Validate(); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v, want Invalid", c.name, err)
		}
	}
	ok := Transfer{ID: "txf_ok", Currency: "USD", Legs: []Leg{{Account: ExternalDeposits, Available: -500}, {Account: adv, Available: 500}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

// A capture pays the credits from the hold and returns the rest.
func TestCaptureTransfer_PartialCaptureReturnsTheRest(t *testing.T) {
	h := Hold{ID: "bid_1", Account: Advertiser("adv_1"), Currency: "USD", Amount: 1000, State: HoldHeld}
	// 700 at a 1,250 bps fee: 87.5 → 88 (half-even: 87.5 rounds to 88), the rest to the community.
	fee, rest, err := money.SplitBps(money.Amount{Minor: 700, Currency: "USD"}, 1250)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := CaptureTransfer(h, []Credit{{Account: Community("com_1"), Amount: rest.Minor}, {Account: PlatformFees, Amount: fee.Minor}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Validate(); err != nil {
		t.Fatal(err)
	}
	if tr.ID != "txf_bid_1_capture" || tr.Legs[0].Held != -1000 || tr.Legs[0].Available != 300 ||
		tr.Legs[1].Available != 612 || tr.Legs[2].Available != 88 {
		t.Fatalf("capture = %+v", tr)
	}
	if _, err := CaptureTransfer(h, []Credit{{Account: Community("com_1"), Amount: 1001}}, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("over-capture: %v", err)
	}
	if _, err := CaptureTransfer(h, []Credit{{Account: h.Account, Amount: 5}}, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("self-capture: %v", err)
	}
	if _, err := HoldTransfer("bid_2", h.Account, "USD", 0, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("zero hold: %v", err)
	}
	rel := ReleaseTransfer(h, t0)
	if rel.ID != "txf_bid_1_release" || rel.Validate() != nil || rel.Legs[0].Available != 1000 {
		t.Fatalf("release = %+v", rel)
	}
}

func TestShardOf_SpreadsSystemAccountsOnly(t *testing.T) {
	if shardOf(Advertiser("adv_1"), "txf_a") != "-" {
		t.Fatal("owner accounts are not sharded")
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		seen[shardOf(PlatformFees, "txf_"+string(rune('a'+i%26))+time.Duration(i).String())] = true
	}
	if len(seen) != Shards {
		t.Fatalf("fees spread over %d shards, want %d", len(seen), Shards)
	}
}

// Transfers sharing a ShardKey meet on one shard of a system account, so
// a debit finds its credit; without one they spread by transfer id.
func TestPrepare_ShardKeyKeepsRelatedTransfersOnOneShard(t *testing.T) {
	l := &Ledger{table: "ledger", outbox: "outbox"}
	seen := map[string]bool{}
	for i := 0; i < 40; i++ {
		tr := Transfer{ID: fmt.Sprintf("txf_rfd_%d_out", i), Kind: "refund", Currency: "USD", At: t0, ShardKey: "rfd_same",
			Legs: []Leg{{Account: Influencer("usr_1"), Available: -1}, {Account: PlatformRefundsTransit, Available: 1}}}
		op, err := l.Prepare(tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range op.Parts {
			if p.Name == tr.ID+" balance "+string(PlatformRefundsTransit) {
				seen[store.StringAttr(p.Item.Update.Key, "pk")] = true
			}
		}
	}
	if len(seen) != 1 {
		t.Fatalf("one shard key spread over %d shards", len(seen))
	}
}
