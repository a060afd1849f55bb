package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newLedger(t testing.TB) (*ledger.Ledger, *store.DB) {
	db := storetest.New(t)
	return ledger.New(db), db
}

func deposit(t testing.TB, l *ledger.Ledger, id string, to ledger.Account, amount int64) {
	t.Helper()
	op, err := l.Prepare(ledger.Transfer{ID: "txf_" + id, Kind: "deposit", Currency: "USD", At: t0,
		Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -amount}, {Account: to, Available: amount}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(context.Background(), op); err != nil {
		t.Fatal(err)
	}
}

func verifyClean(t testing.TB, l *ledger.Ledger) ledger.Report {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("ledger verify: %v", r.Violations)
	}
	return r
}

func balance(t testing.TB, l *ledger.Ledger, a ledger.Account) ledger.Balance {
	t.Helper()
	b, err := l.Balance(context.Background(), a, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHoldCaptureRelease_ExactlyOnce(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv, com := ledger.Advertiser("adv_1"), ledger.Community("com_1")
	deposit(t, l, "dep_1", adv, 10_000)

	hold, err := l.PrepareHold("bid_1", adv, "USD", 4_000, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, hold); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, hold); !errors.Is(err, ledger.ErrAlreadyApplied) {
		t.Fatalf("retried hold: %v, want ErrAlreadyApplied", err)
	}
	if b := balance(t, l, adv); b.Available != 6_000 || b.Held != 4_000 {
		t.Fatalf("after hold %+v", b)
	}
	h := ledger.Hold{ID: "bid_1", Account: adv, Currency: "USD", Amount: 4_000}
	capture, err := l.PrepareCapture(h, []ledger.Credit{{Account: com, Amount: 2_700}, {Account: ledger.PlatformFees, Amount: 300}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, capture); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, capture); !errors.Is(err, ledger.ErrAlreadyApplied) {
		t.Fatalf("retried capture: %v", err)
	}
	release, _ := l.PrepareRelease(h, t0)
	err = l.Apply(ctx, release)
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.Conflict || fe.State != "captured" {
		t.Fatalf("release after capture: %v, want Conflict in state captured", err)
	}
	if b := balance(t, l, adv); b.Available != 7_000 || b.Held != 0 {
		t.Fatalf("advertiser after partial capture %+v (1,000 unused returns)", b)
	}
	if b := balance(t, l, com); b.Available != 2_700 {
		t.Fatalf("community %+v", b)
	}
	if b := balance(t, l, ledger.PlatformFees); b.Available != 300 {
		t.Fatalf("fees (summed over shards) %+v", b)
	}
	if b := balance(t, l, ledger.ExternalDeposits); b.Available != -10_000 {
		t.Fatalf("external deposits %+v", b)
	}
	// A released hold cannot be captured.
	h2op, _ := l.PrepareHold("bid_2", adv, "USD", 1_000, t0)
	_ = l.Apply(ctx, h2op)
	h2 := ledger.Hold{ID: "bid_2", Account: adv, Currency: "USD", Amount: 1_000}
	rel2, _ := l.PrepareRelease(h2, t0)
	if err := l.Apply(ctx, rel2); err != nil {
		t.Fatal(err)
	}
	cap2, _ := l.PrepareCapture(h2, []ledger.Credit{{Account: com, Amount: 1_000}}, t0)
	if err := l.Apply(ctx, cap2); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("capture after release: %v", err)
	}
	got, _ := l.GetHold(ctx, "bid_2")
	if got.State != ledger.HoldReleased {
		t.Fatalf("hold state %s", got.State)
	}
	r := verifyClean(t, l)
	if r.Holds != 2 || r.Transfers != 5 {
		t.Fatalf("report %+v", r)
	}
}

// Fifty holds race for funds that cover ten: exactly ten win, the rest are
// refused for insufficient funds, and nothing goes negative.
func TestHold_FiftyConcurrentHoldsOnFundsForTen(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	adv := ledger.Advertiser("adv_hot")
	deposit(t, l, "dep_hot", adv, 10*500)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, poor, other := 0, 0, []error{}
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, err := l.PrepareHold(fmt.Sprintf("bid_%02d", i), adv, "USD", 500, t0)
			if err != nil {
				t.Error(err)
				return
			}
			err = l.Apply(context.Background(), op)
			mu.Lock()
			defer mu.Unlock()
			switch fault.KindOf(err) {
			case fault.InsufficientFunds:
				poor++
			default:
				if err == nil {
					won++
				} else {
					other = append(other, err)
				}
			}
		}()
	}
	wg.Wait()
	if won != 10 || poor != 40 || len(other) != 0 {
		t.Fatalf("won %d, insufficient %d, other %v", won, poor, other)
	}
	if b := balance(t, l, adv); b.Available != 0 || b.Held != 5_000 {
		t.Fatalf("balance %+v", b)
	}
	verifyClean(t, l)
}

// Verify finds what is wrong: a balance edited behind the ledger's back.
func TestVerify_ReportsATamperedBalance(t *testing.T) {
	t.Parallel()
	l, db := newLedger(t)
	adv := ledger.Advertiser("adv_t")
	deposit(t, l, "dep_t", adv, 1_000)
	_, err := db.Client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(db.Table(topology.TableLedger)),
		Key:                       map[string]types.AttributeValue{"pk": store.S("A#" + string(adv) + "#USD#-"), "sk": store.S("BAL")},
		UpdateExpression:          aws.String("ADD available :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.Verify(context.Background())
	if err != nil || r.OK || len(r.Violations) != 1 {
		t.Fatalf("verify = %+v, %v; want one violation", r, err)
	}
}

func TestStatement_NewestFirstPagedAndFiltered(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv := ledger.Advertiser("adv_s")
	for i := 0; i < 5; i++ {
		op, _ := l.Prepare(ledger.Transfer{ID: fmt.Sprintf("txf_dep_%d", i), Kind: "deposit", Currency: "USD", At: t0.Add(time.Duration(i) * time.Hour),
			Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -100}, {Account: adv, Available: 100}}})
		if err := l.Apply(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	cursor := ""
	for page := 0; page < 5; page++ {
		ps, next, err := l.Statement(ctx, ledger.StatementQuery{Account: adv, Currency: "USD", Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			ids = append(ids, p.TransferID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(ids) != 5 || ids[0] != "txf_dep_4" || ids[4] != "txf_dep_0" {
		t.Fatalf("statement %v", ids)
	}
	ps, _, err := l.Statement(ctx, ledger.StatementQuery{Account: adv, Currency: "USD", Limit: 10, From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)})
	if err != nil || len(ps) != 2 || ps[0].TransferID != "txf_dep_2" || ps[1].TransferID != "txf_dep_1" || ps[0].Available != 100 {
		t.Fatalf("filtered %+v %v", ps, err)
	}
	if _, _, err := l.Statement(ctx, ledger.StatementQuery{Account: ledger.Advertiser("adv_other"), Currency: "USD", Limit: 2, Cursor: cursor}); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("another account's cursor: %v", err)
	}
}

// Thousands of random operations from many goroutines, each sometimes
// retried: afterwards every balance equals the model's and the sum of its
// postings, and every hold is settled at most once.
func TestModel_RandomConcurrentOperations(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	const workers, opsPerWorker, accounts = 8, 250, 6
	accts := make([]ledger.Account, accounts)
	for i := range accts {
		accts[i] = ledger.Advertiser(fmt.Sprintf("adv_m%d", i))
	}
	type model struct {
		mu        sync.Mutex
		available map[ledger.Account]int64
		held      map[ledger.Account]int64
		holds     map[string]ledger.Hold
	}
	m := &model{available: map[ledger.Account]int64{}, held: map[ledger.Account]int64{}, holds: map[string]ledger.Hold{}}
	apply := func(op ledger.Op, onSuccess func()) error {
		err := l.Apply(ctx, op)
		if err == nil {
			m.mu.Lock()
			onSuccess()
			m.mu.Unlock()
		}
		// A retry of the very same operation must be a no-op.
		if err == nil && rand.IntN(4) == 0 {
			if again := l.Apply(ctx, op); !errors.Is(again, ledger.ErrAlreadyApplied) {
				return fmt.Errorf("retry of %s: %v", op.Transfer.ID, again)
			}
		}
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*opsPerWorker)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for i := 0; i < opsPerWorker; i++ {
				id := fmt.Sprintf("w%d_%d", w, i)
				a := accts[r.IntN(accounts)]
				amt := int64(1 + r.IntN(500))
				var err error
				switch k := r.IntN(10); {
				case k < 3: // deposit
					op, _ := l.Prepare(ledger.Transfer{ID: "txf_dep_" + id, Kind: "deposit", Currency: "USD", At: t0,
						Legs: []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -amt}, {Account: a, Available: amt}}})
					err = apply(op, func() { m.available[a] += amt })
				case k < 6: // hold
					op, _ := l.PrepareHold("h_"+id, a, "USD", amt, t0)
					err = apply(op, func() {
						m.available[a] -= amt
						m.held[a] += amt
						m.holds["h_"+id] = ledger.Hold{ID: "h_" + id, Account: a, Currency: "USD", Amount: amt}
					})
				case k < 9: // capture (maybe partial) or release of some hold, maybe one already settled
					m.mu.Lock()
					var h ledger.Hold
					for _, x := range m.holds {
						h = x
						break
					}
					m.mu.Unlock()
					if h.ID == "" {
						continue
					}
					if r.IntN(2) == 0 {
						part := h.Amount - int64(r.IntN(int(h.Amount)))
						fee := part / 10
						dest := accts[(r.IntN(accounts-1)+1+indexOf(accts, h.Account))%accounts]
						op, perr := l.PrepareCapture(h, []ledger.Credit{{Account: dest, Amount: part - fee}, {Account: ledger.PlatformFees, Amount: fee}}, t0)
						if perr != nil {
							errs <- perr
							continue
						}
						err = apply(op, func() {
							delete(m.holds, h.ID)
							m.held[h.Account] -= h.Amount
							m.available[h.Account] += h.Amount - part
							m.available[dest] += part - fee
						})
					} else {
						op, _ := l.PrepareRelease(h, t0)
						err = apply(op, func() {
							delete(m.holds, h.ID)
							m.held[h.Account] -= h.Amount
							m.available[h.Account] += h.Amount
						})
					}
				default: // transfer between two owners
					b := accts[(indexOf(accts, a)+1)%accounts]
					op, _ := l.Prepare(ledger.Transfer{ID: "txf_x_" + id, Kind: "transfer", Currency: "USD", At: t0,
						Legs: []ledger.Leg{{Account: a, Available: -amt}, {Account: b, Available: amt}}})
					err = apply(op, func() { m.available[a] -= amt; m.available[b] += amt })
				}
				switch k := fault.KindOf(err); {
				// Two workers may settle the same hold: the loser of the same
				// operation gets ErrAlreadyApplied, of the other one a Conflict.
				case err == nil, k == fault.InsufficientFunds, k == fault.Conflict:
				default:
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("unexpected error: %v", err)
	}
	for _, a := range accts {
		b := balance(t, l, a)
		if b.Available != m.available[a] || b.Held != m.held[a] || b.Available < 0 || b.Held < 0 {
			t.Fatalf("%s: ledger %+v, model available %d held %d", a, b, m.available[a], m.held[a])
		}
	}
	r := verifyClean(t, l)
	if r.Transfers < workers*opsPerWorker/3 {
		t.Fatalf("only %d transfers: the test did not exercise the ledger", r.Transfers)
	}
}

func indexOf(xs []ledger.Account, x ledger.Account) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

func TestAdjust_MovesTheHoldByTheDifferenceOnce(t *testing.T) {
	t.Parallel()
	l, _ := newLedger(t)
	ctx := context.Background()
	adv, com := ledger.Advertiser("adv_a"), ledger.Community("com_a")
	deposit(t, l, "dep_a", adv, 10_000)
	hold, _ := l.PrepareHold("bid_a", adv, "USD", 3_000, t0)
	if err := l.Apply(ctx, hold); err != nil {
		t.Fatal(err)
	}
	h, _ := l.GetHold(ctx, "bid_a")

	up, err := l.PrepareAdjust(h, 7_000, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, up); !errors.Is(err, ledger.ErrAlreadyApplied) {
		t.Fatalf("retried adjustment: %v, want ErrAlreadyApplied", err)
	}
	if b := balance(t, l, adv); b.Available != 3_000 || b.Held != 7_000 {
		t.Fatalf("after raising to 7000: %+v", b)
	}
	// A second adjustment from the stale read is refused: the hold moved on.
	stale, _ := l.PrepareAdjust(ledger.Hold{ID: h.ID, Account: adv, Currency: "USD", Amount: 3_000, State: ledger.HoldHeld, Adjustments: 1}, 4_000, t0)
	if err := l.Apply(ctx, stale); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("stale adjustment: %v, want Conflict", err)
	}
	h, _ = l.GetHold(ctx, "bid_a")
	if h.Amount != 7_000 || h.Adjustments != 1 {
		t.Fatalf("hold after raise: %+v", h)
	}
	// Beyond the funds: refused, nothing moves.
	tooMuch, _ := l.PrepareAdjust(h, 10_001, t0)
	if err := l.Apply(ctx, tooMuch); fault.KindOf(err) != fault.InsufficientFunds {
		t.Fatalf("adjust beyond funds: %v, want InsufficientFunds", err)
	}
	down, _ := l.PrepareAdjust(h, 2_000, t0)
	if err := l.Apply(ctx, down); err != nil {
		t.Fatal(err)
	}
	h, _ = l.GetHold(ctx, "bid_a")
	capture, err := l.PrepareCapture(h, []ledger.Credit{{Account: com, Amount: 1_500}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Apply(ctx, capture); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, l, adv); b.Available != 8_500 || b.Held != 0 {
		t.Fatalf("advertiser after capture of 1500 from 2000: %+v", b)
	}
	if b := balance(t, l, com); b.Available != 1_500 {
		t.Fatalf("community: %+v", b)
	}
	if _, err := l.PrepareAdjust(h, 2_000, t0); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("adjust to the same amount: %v, want Invalid", err)
	}
	verifyClean(t, l)
}

// An owner's days hold the net of its postings per kind and UTC day, in
// the same transactions: a hold moves nothing (it is the owner's own
// money), a capture is one posting on each side, and the days read back
// equal the postings; a tampered day is a violation.
func TestDays_KeepEachOwnersNetPerKindAndDay(t *testing.T) {
	t.Parallel()
	l, db := newLedger(t)
	ctx := context.Background()
	adv, com := ledger.Advertiser("adv_d"), ledger.Community("com_d")
	deposit(t, l, "dep_d1", adv, 5_000)
	for i, at := range []time.Time{t0, t0.Add(13 * time.Hour)} { // 2026-11-23 and 2026-11-24
		hold, err := l.PrepareHold(fmt.Sprintf("hld_d%d", i), adv, "USD", 1_000, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Apply(ctx, hold); err != nil {
			t.Fatal(err)
		}
		h := ledger.Hold{ID: fmt.Sprintf("hld_d%d", i), Account: adv, Currency: "USD", Amount: 1_000, State: ledger.HoldHeld}
		capture, err := l.PrepareCaptureAs(h, "flight_capture", []ledger.Credit{{Account: com, Amount: 700 + int64(i)}, {Account: ledger.PlatformFees, Amount: 299}}, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Apply(ctx, capture); err != nil {
			t.Fatal(err)
		}
	}
	days, err := l.Days(ctx, com, "USD", "2026-11-23", "2026-11-24")
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Day{{Day: "2026-11-23", Kind: "flight_capture", Net: 700, Transfers: 1}, {Day: "2026-11-24", Kind: "flight_capture", Net: 701, Transfers: 1}}
	if fmt.Sprint(days) != fmt.Sprint(want) {
		t.Fatalf("the community's days: %+v, want %+v", days, want)
	}
	days, err = l.Days(ctx, adv, "USD", "2026-11-24", "2026-11-24")
	if err != nil || fmt.Sprint(days) != fmt.Sprint([]ledger.Day{{Day: "2026-11-24", Kind: "flight_capture", Net: -1_000, Transfers: 1}}) {
		t.Fatalf("the advertiser's second day (holds move nothing): %+v %v", days, err)
	}
	if _, err := l.Days(ctx, ledger.PlatformFees, "USD", "2026-11-23", "2026-11-24"); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a system account's days: %v", err)
	}
	verifyClean(t, l)
	_, err = db.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(db.Table(topology.TableLedger)),
		Key:                       map[string]types.AttributeValue{"pk": store.S("A#" + string(com) + "#USD#-"), "sk": store.S("D#2026-11-23#flight_capture")},
		UpdateExpression:          aws.String("ADD net :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := l.Verify(ctx); err != nil || r.OK || len(r.Violations) != 1 {
		t.Fatalf("verify after tampering with a day = %+v, %v; want one violation", r, err)
	}
}
