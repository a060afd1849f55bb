package payments

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

// fakeGateway answers every call with a fixed value and records what it
// was asked.
type fakeGateway struct {
	mu    sync.Mutex
	calls []string
	args  []any
}

var _ Gateway = (*fakeGateway)(nil)

func (f *fakeGateway) record(name string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, name)
	f.args = append(f.args, args)
}

func (f *fakeGateway) Payout(_ context.Context, t Transfer) (Receipt, error) {
	f.record("Payout", t)
	return Receipt{Reference: "tr_payout"}, nil
}
func (f *fakeGateway) CreateCustomer(_ context.Context, c Customer) (string, error) {
	f.record("CreateCustomer", c)
	return "cus_fake", nil
}
func (f *fakeGateway) ChargeSaved(_ context.Context, c SavedCharge) (Payment, error) {
	f.record("ChargeSaved", c)
	return Payment{Status: PaymentSucceeded, Reference: "pi_saved"}, nil
}
func (f *fakeGateway) CreateCheckout(_ context.Context, c CheckoutRequest) (Session, error) {
	f.record("CreateCheckout", c)
	return Session{ID: "cs_fake"}, nil
}
func (f *fakeGateway) GetCheckout(_ context.Context, id string) (Session, error) {
	f.record("GetCheckout", id)
	return Session{ID: id}, nil
}
func (f *fakeGateway) ListCards(_ context.Context, customer string) ([]Card, error) {
	f.record("ListCards", customer)
	return []Card{{ID: "pm_fake"}}, nil
}
func (f *fakeGateway) GetCard(_ context.Context, id string) (Card, error) {
	f.record("GetCard", id)
	return Card{ID: id}, nil
}
func (f *fakeGateway) SetDefaultCard(_ context.Context, customer, id string) error {
	f.record("SetDefaultCard", customer, id)
	return nil
}
func (f *fakeGateway) DetachCard(_ context.Context, id string) error {
	f.record("DetachCard", id)
	return nil
}
func (f *fakeGateway) Refund(_ context.Context, r RefundRequest) (RefundResult, error) {
	f.record("Refund", r)
	return RefundResult{ID: "re_fake", Status: RefundSucceeded}, nil
}
func (f *fakeGateway) CreateConnectAccount(_ context.Context, a ConnectRequest) (string, error) {
	f.record("CreateConnectAccount", a)
	return "acct_fake", nil
}
func (f *fakeGateway) GetConnectAccount(_ context.Context, id string) (ConnectAccount, error) {
	f.record("GetConnectAccount", id)
	return ConnectAccount{ID: id}, nil
}
func (f *fakeGateway) OnboardingLink(_ context.Context, id, refresh, ret string) (string, error) {
	f.record("OnboardingLink", id, refresh, ret)
	return "https://connect.example/onboard", nil
}
func (f *fakeGateway) DashboardLink(_ context.Context, id string) (string, error) {
	f.record("DashboardLink", id)
	return "https://connect.example/dashboard", nil
}

var (
	aSaved    = SavedCharge{ID: "dep_2", Customer: "cus_1", PaymentMethod: "pm_1", Amount: money.Amount{Minor: 100, Currency: "USD"}}
	aRefund   = RefundRequest{ID: "rfd_1-0", PaymentIntent: "pi_1", Amount: 50}
	aTransfer = Transfer{ID: "po_1", Amount: money.Amount{Minor: 100, Currency: "USD"}, Destination: "acct_1"}
)

func TestSwitchable_ForwardsEveryGatewayCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := &fakeGateway{}
	s := &Switchable{Gateway: fake}
	got := []any{}
	keep := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	keep(s.Payout(ctx, aTransfer))
	keep(s.CreateCustomer(ctx, Customer{Key: "k", Payer: "user:usr_1"}))
	keep(s.ChargeSaved(ctx, aSaved))
	keep(s.CreateCheckout(ctx, CheckoutRequest{ID: "dep_3", Mode: ModeSetup}))
	keep(s.GetCheckout(ctx, "cs_1"))
	keep(s.ListCards(ctx, "cus_1"))
	keep(s.GetCard(ctx, "pm_1"))
	keep(nil, s.SetDefaultCard(ctx, "cus_1", "pm_1"))
	keep(nil, s.DetachCard(ctx, "pm_1"))
	keep(s.Refund(ctx, aRefund))
	keep(s.CreateConnectAccount(ctx, ConnectRequest{Key: "connect-usr_1"}))
	keep(s.GetConnectAccount(ctx, "acct_1"))
	keep(s.OnboardingLink(ctx, "acct_1", "https://r", "https://b"))
	keep(s.DashboardLink(ctx, "acct_1"))

	wantCalls := []string{"Payout", "CreateCustomer", "ChargeSaved", "CreateCheckout", "GetCheckout", "ListCards", "GetCard",
		"SetDefaultCard", "DetachCard", "Refund", "CreateConnectAccount", "GetConnectAccount", "OnboardingLink", "DashboardLink"}
	if !reflect.DeepEqual(fake.calls, wantCalls) {
		t.Fatalf("calls %v", fake.calls)
	}
	wantResults := []any{Receipt{Reference: "tr_payout"}, "cus_fake",
		Payment{Status: PaymentSucceeded, Reference: "pi_saved"}, Session{ID: "cs_fake"}, Session{ID: "cs_1"}, []Card{{ID: "pm_fake"}},
		Card{ID: "pm_1"}, nil, nil, RefundResult{ID: "re_fake", Status: RefundSucceeded}, "acct_fake", ConnectAccount{ID: "acct_1"},
		"https://connect.example/onboard", "https://connect.example/dashboard"}
	if !reflect.DeepEqual(got, wantResults) {
		t.Fatalf("results %v", got)
	}
	if !reflect.DeepEqual(fake.args[12], []any{"acct_1", "https://r", "https://b"}) || !reflect.DeepEqual(fake.args[2], []any{aSaved}) ||
		!reflect.DeepEqual(fake.args[0], []any{aTransfer}) {
		t.Fatalf("arguments %v", fake.args)
	}
	if s.Charges() != 1 || s.Payouts() != 1 || s.Refunds() != 1 {
		t.Fatalf("counted %d charges, %d payouts, %d refunds", s.Charges(), s.Payouts(), s.Refunds())
	}
}

func TestSwitchable_ArmedFailuresTakeTheMoneyMovingCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := &fakeGateway{}
	s := &Switchable{Gateway: fake}

	s.FailNext(3, FailDecline)
	// The other calls pass while failures are armed, and take none.
	if _, err := s.ListCards(ctx, "cus_1"); err != nil {
		t.Fatal(err)
	}
	p, err := s.ChargeSaved(ctx, aSaved)
	if err != nil || p != (Payment{Status: PaymentDeclined, Decline: "card_declined", DeclineMessage: p.DeclineMessage}) || p.DeclineMessage == "" {
		t.Fatalf("ChargeSaved: %+v, %v", p, err)
	}
	if _, err := s.Refund(ctx, aRefund); fault.KindOf(err) != fault.UpstreamFailed {
		t.Fatalf("Refund: %v", err)
	}
	if _, err := s.Payout(ctx, aTransfer); fault.KindOf(err) != fault.UpstreamFailed {
		t.Fatalf("Payout: %v", err)
	}

	s.FailNext(3, FailTimeout)
	if _, err := s.ChargeSaved(ctx, aSaved); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("ChargeSaved: %v", err)
	}
	if _, err := s.Refund(ctx, aRefund); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("Refund: %v", err)
	}
	if _, err := s.Payout(ctx, aTransfer); fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("Payout: %v", err)
	}

	if !reflect.DeepEqual(fake.calls, []string{"ListCards"}) || s.Charges()+s.Payouts()+s.Refunds() != 0 {
		t.Fatalf("failed calls reached the gateway: %v", fake.calls)
	}
	// Spent: the next calls go through.
	if p, err := s.ChargeSaved(ctx, aSaved); err != nil || p.Status != PaymentSucceeded {
		t.Fatalf("after the failures: %+v, %v", p, err)
	}
	s.FailNext(3, FailDecline)
	s.FailNext(0, FailDecline) // heals
	if _, err := s.Refund(ctx, aRefund); err != nil {
		t.Fatalf("healed: %v", err)
	}
}

// A switch over a Rail only (the tests' and faults' platform) keeps its
// behaviour, and its Gateway calls fail instead of panicking.
func TestSwitchable_OverARailOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := &fakeGateway{}
	s := &Switchable{Rail: fake}
	if r, err := s.Payout(ctx, aTransfer); err != nil || r.Reference != "tr_payout" {
		t.Fatalf("Payout: %+v, %v", r, err)
	}
	s.FailNext(1, FailDecline)
	if _, err := s.Payout(ctx, aTransfer); fault.KindOf(err) != fault.UpstreamFailed {
		t.Fatalf("Payout: %v", err)
	}
	if _, err := s.ChargeSaved(ctx, aSaved); err == nil {
		t.Fatal("ChargeSaved without a gateway")
	}
	if !reflect.DeepEqual(fake.calls, []string{"Payout"}) || s.Charges() != 0 || s.Payouts() != 1 {
		t.Fatalf("calls %v; counted %d charges, %d payouts", fake.calls, s.Charges(), s.Payouts())
	}
	if _, err := s.ListCards(ctx, "cus_1"); err == nil {
		t.Fatal("ListCards without a gateway")
	}
}

// With both set, Rail takes the Rail call (Payout) and Gateway the rest.
func TestSwitchable_RailTakesPrecedenceForRailCalls(t *testing.T) {
	t.Parallel()
	rail, gw := &fakeGateway{}, &fakeGateway{}
	s := &Switchable{Rail: rail, Gateway: gw}
	_, _ = s.Payout(context.Background(), aTransfer)
	_, _ = s.ChargeSaved(context.Background(), aSaved)
	if !reflect.DeepEqual(rail.calls, []string{"Payout"}) || !reflect.DeepEqual(gw.calls, []string{"ChargeSaved"}) {
		t.Fatalf("rail %v, gateway %v", rail.calls, gw.calls)
	}
}

// N concurrent money-moving calls against k armed failures: exactly k
// fail, and the others all reach the gateway.
func TestSwitchable_ArmedFailuresUnderConcurrency(t *testing.T) {
	t.Parallel()
	const n, k = 64, 9
	s := &Switchable{Gateway: &fakeGateway{}}
	s.FailNext(k, FailTimeout)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				_, err = s.ChargeSaved(context.Background(), aSaved)
			case 1:
				_, err = s.Refund(context.Background(), aRefund)
			case 2:
				_, err = s.Payout(context.Background(), aTransfer)
			}
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != k || s.Charges()+s.Refunds()+s.Payouts() != n-k {
		t.Fatalf("%d failed, %d went through; want %d and %d", failed, s.Charges()+s.Refunds()+s.Payouts(), k, n-k)
	}
}

// Lost answers: the call reaches the gateway (the money moves) and the
// caller is told the outcome is unknown, as after a timeout on the way
// back.
func TestSwitchable_LostAnswersAreMadeAndUnknown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := &fakeGateway{}
	s := &Switchable{Gateway: fake}
	s.FailNext(3, FailLost)
	if p, err := s.ChargeSaved(ctx, aSaved); fault.KindOf(err) != fault.Unavailable || p != (Payment{}) {
		t.Fatalf("ChargeSaved: %+v %v", p, err)
	}
	if r, err := s.Refund(ctx, aRefund); fault.KindOf(err) != fault.Unavailable || r != (RefundResult{}) {
		t.Fatalf("Refund: %+v %v", r, err)
	}
	if r, err := s.Payout(ctx, aTransfer); fault.KindOf(err) != fault.Unavailable || r != (Receipt{}) {
		t.Fatalf("Payout: %+v %v", r, err)
	}
	if !reflect.DeepEqual(fake.calls, []string{"ChargeSaved", "Refund", "Payout"}) || s.Charges() != 1 || s.Payouts() != 1 || s.Refunds() != 1 {
		t.Fatalf("lost calls must reach the gateway: %v", fake.calls)
	}
	if p, err := s.ChargeSaved(ctx, aSaved); err != nil || p.Status != PaymentSucceeded {
		t.Fatalf("after: %+v %v", p, err)
	}
}
