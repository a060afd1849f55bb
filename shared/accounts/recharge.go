package accounts

// Auto-recharge and the low-balance alert (DESIGN §15). Each is armed
// while the advertiser's available balance is at or above its line and
// fires once when it falls below: the profile's armed flag is cleared by
// a conditional write, so two observers of one crossing fire once. A
// recharge's deposit id is fixed by the crossing's number, so even a
// retried or concurrent recharge charges the card once. Three failed
// recharges in a row turn it off, with AutoRechargeFailed.
//
// Who observes: every path in this context that moves an advertiser's
// available balance, and (for what other contexts spend: bids, bookings,
// campaigns) their LedgerTransferPosted events.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/store"
)

// MaxRechargeFailures in a row turn auto-recharge off.
const MaxRechargeFailures = 3

// AutoRecharge is an advertiser's top-up rule.
type AutoRecharge struct {
	Below  money.Amount `json:"below"`
	Amount money.Amount `json:"amount"`
}

// BalanceAlert is an advertiser's low-balance alert.
type BalanceAlert struct {
	Below money.Amount `json:"below"`
}

// MoneySettings are an advertiser's auto-recharge and alert, as shown.
type MoneySettings struct {
	AutoRecharge    *AutoRecharge `json:"autoRecharge"`
	LowBalanceAlert *BalanceAlert `json:"lowBalanceAlert"`
	// AutoRechargeOff says why auto-recharge was turned off, if it was.
	AutoRechargeOff string `json:"autoRechargeOff,omitempty"`
}

// UpdateAdvertiserInput changes an advertiser's money settings: a field
// left out is unchanged; null turns it off.
type UpdateAdvertiserInput struct {
	AutoRecharge    Optional[AutoRecharge] `json:"autoRecharge"`
	LowBalanceAlert Optional[BalanceAlert] `json:"lowBalanceAlert"`
}

func (p payerItem) settings() MoneySettings {
	var out MoneySettings
	if p.RechargeBelow > 0 {
		out.AutoRecharge = &AutoRecharge{Below: money.Amount{Minor: p.RechargeBelow, Currency: p.Currency}, Amount: money.Amount{Minor: p.RechargeAmount, Currency: p.Currency}}
	}
	if p.AlertBelow > 0 {
		out.LowBalanceAlert = &BalanceAlert{Below: money.Amount{Minor: p.AlertBelow, Currency: p.Currency}}
	}
	out.AutoRechargeOff = p.RechargeOffNote
	return out
}

// UpdateAdvertiser sets auto-recharge and the low-balance alert.
func (s *Service) UpdateAdvertiser(ctx context.Context, p auth.Principal, advertiserID string, in UpdateAdvertiserInput) (Advertiser, error) {
	if _, err := s.updateMoneySettings(ctx, p, advertiserID, in); err != nil {
		return Advertiser{}, err
	}
	return s.GetAdvertiser(ctx, p, advertiserID)
}

func (s *Service) updateMoneySettings(ctx context.Context, p auth.Principal, advertiserID string, in UpdateAdvertiserInput) (MoneySettings, error) {
	const op = "accounts.UpdateAdvertiser"
	if err := s.moneyReady(op); err != nil {
		return MoneySettings{}, err
	}
	payer, err := s.payerFor(ctx, op, p, PayerAdvertiser, advertiserID)
	if err != nil {
		return MoneySettings{}, err
	}
	if !managesMoneyOf(p, payer) {
		return MoneySettings{}, fault.New(fault.Forbidden, op, "only the advertiser's owner, signed in, changes how it pays")
	}
	if !in.AutoRecharge.Set && !in.LowBalanceAlert.Set {
		return MoneySettings{}, fault.InvalidFields(op, "nothing to change",
			fault.FieldError{Field: "autoRecharge", Message: "send autoRecharge or lowBalanceAlert (null turns one off)"})
	}
	prof, err := s.customer(ctx, payer)
	if err != nil {
		return MoneySettings{}, err
	}
	var bad fault.Fields
	sets, removes := []string{"updatedAt = :at"}, []string{}
	vals := map[string]types.AttributeValue{":at": store.S(ts(s.clock.Now()))}
	if in.AutoRecharge.Set {
		if r := in.AutoRecharge.Value; r == nil {
			removes = append(removes, "rechargeBelow", "rechargeAmount", "rechargeArmed", "rechargeFailures")
		} else {
			bad.Add("autoRecharge.below", amountProblem(r.Below, payer.Currency, 1, MaxDeposit))
			bad.Add("autoRecharge.amount", amountProblem(r.Amount, payer.Currency, s.minDeposit, MaxDeposit))
			if prof.DefaultCard == "" {
				bad.Add("autoRecharge", "needs a saved card: add one first (POST /v1/advertisers/{id}/payment-methods)")
			}
			sets = append(sets, "rechargeBelow = :rb", "rechargeAmount = :ra", "rechargeArmed = :true", "rechargeFailures = :zero", "rechargeOffNote = :empty")
			vals[":rb"], vals[":ra"] = store.N(r.Below.Minor), store.N(r.Amount.Minor)
		}
	}
	if in.LowBalanceAlert.Set {
		if a := in.LowBalanceAlert.Value; a == nil {
			removes = append(removes, "alertBelow", "alertArmed")
		} else {
			bad.Add("lowBalanceAlert.below", amountProblem(a.Below, payer.Currency, 1, MaxDeposit))
			sets = append(sets, "alertBelow = :ab", "alertArmed = :true")
			vals[":ab"] = store.N(a.Below.Minor)
		}
	}
	if err := bad.Err(op, "the settings have invalid fields"); err != nil {
		return MoneySettings{}, err
	}
	if strings.Contains(strings.Join(sets, ","), ":true") {
		vals[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if strings.Contains(strings.Join(sets, ","), ":zero") {
		vals[":zero"], vals[":empty"] = store.N(0), store.S("")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	_, err = s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.repo.table), Key: key(payerPK(payer.Key()), skMeta),
		UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals})
	if err != nil {
		return MoneySettings{}, fault.Wrap(op, store.Classify(err))
	}
	// A line set above the balance the advertiser already has fires now.
	s.afterBalanceChange(ctx, payer, payer.Currency)
	prof, err = s.profile(ctx, payer)
	return prof.settings(), err
}

func amountProblem(a money.Amount, currency string, lo, hi int64) string {
	switch {
	case a.Currency != currency:
		return "must be in the account's currency, " + currency
	case a.Minor < lo:
		return "must be at least " + money.Amount{Minor: lo, Currency: currency}.String()
	case a.Minor > hi:
		return "must be at most " + money.Amount{Minor: hi, Currency: currency}.String()
	}
	return ""
}

// afterBalanceChange runs the advertiser's alert and auto-recharge
// against its balance now. Best effort where it is called after a write
// of this context's own (a failure is logged; the LedgerTransferPosted
// of the same write runs it again).
func (s *Service) afterBalanceChange(ctx context.Context, payer Payer, currency string) {
	if prof, found, err := s.repo.getPayer(ctx, payer.Key()); err == nil && found && prof.InDebt {
		if err := s.repayFromAvailable(ctx, payer, currency); err != nil {
			slog.Default().WarnContext(ctx, "debt repayment failed", "payer", payer.Key(), "error", err.Error())
		}
	}
	if err := s.watchBalance(ctx, payer, currency); err != nil {
		slog.Default().WarnContext(ctx, "balance watch failed", "payer", payer.Key(), "error", err.Error())
	}
}

// watchBalance fires or re-arms the alert and auto-recharge.
func (s *Service) watchBalance(ctx context.Context, payer Payer, currency string) error {
	const op = "accounts.watchBalance"
	if payer.Kind != PayerAdvertiser || s.ledger == nil || s.pay == nil {
		return nil
	}
	prof, found, err := s.repo.getPayer(ctx, payer.Key())
	if err != nil || !found || (prof.AlertBelow == 0 && prof.RechargeBelow == 0) || currency != prof.Currency {
		return err
	}
	b, err := s.ledger.Balance(ctx, payer.Ledger(), currency)
	if err != nil {
		return err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	if prof.AlertBelow > 0 {
		switch {
		case b.Available < prof.AlertBelow && prof.AlertArmed:
			evt, err := events.OutboxPut(s.repo.outbox, &events.AdvertiserBalanceLow{
				Money:     events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: b.Available, Currency: currency}},
				Threshold: money.Amount{Minor: prof.AlertBelow, Currency: currency}}, now)
			if err != nil {
				return fault.Wrap(op, err)
			}
			err = store.NewTx().Add("payer", s.flip(payer, "alertArmed", false)).Add("event", evt).Write(ctx, s.repo.db)
			if err != nil && !store.Failed(err, "payer") {
				return fault.Wrap(op, err)
			}
		case b.Available >= prof.AlertBelow && !prof.AlertArmed:
			if err := store.NewTx().Add("payer", s.flip(payer, "alertArmed", true)).Write(ctx, s.repo.db); err != nil && !store.Failed(err, "payer") {
				return fault.Wrap(op, err)
			}
		}
	}
	if prof.RechargeBelow > 0 {
		switch {
		case b.Available < prof.RechargeBelow && prof.RechargeArmed && prof.DefaultCard != "":
			return s.recharge(ctx, payer, prof)
		case b.Available >= prof.RechargeBelow && !prof.RechargeArmed:
			if err := store.NewTx().Add("payer", s.flip(payer, "rechargeArmed", true)).Write(ctx, s.repo.db); err != nil && !store.Failed(err, "payer") {
				return fault.Wrap(op, err)
			}
		}
	}
	return nil
}

// flip sets a flag that is the opposite now: a conditional write, so of
// two observers of one crossing only one flips it.
func (s *Service) flip(payer Payer, flag string, to bool) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(payerPK(payer.Key()), skMeta),
		UpdateExpression:          aws.String("SET #f = :to"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND (attribute_not_exists(#f) OR #f = :from)"),
		ExpressionAttributeNames:  map[string]string{"#f": flag},
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": &types.AttributeValueMemberBOOL{Value: to}, ":from": &types.AttributeValueMemberBOOL{Value: !to}},
	}}
}

// rechargeDepositID is the deposit of an advertiser's nth crossing.
func rechargeDepositID(advertiserID string, crossing int64) string {
	return keyedID("dep_", fmt.Sprintf("recharge\x00%s\x00%d", advertiserID, crossing))
}

// recharge takes the crossing (disarming) and charges its fixed deposit.
func (s *Service) recharge(ctx context.Context, payer Payer, prof payerItem) error {
	const op = "accounts.recharge"
	crossing := prof.RechargeCrossing + 1
	_, err := s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.repo.table), Key: key(payerPK(payer.Key()), skMeta),
		UpdateExpression:    aws.String("SET rechargeArmed = :f, rechargeCrossing = :n"),
		ConditionExpression: aws.String("rechargeArmed = :t AND (attribute_not_exists(rechargeCrossing) OR rechargeCrossing = :was)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberBOOL{Value: false}, ":t": &types.AttributeValueMemberBOOL{Value: true},
			":n": store.N(crossing), ":was": store.N(prof.RechargeCrossing)},
	})
	if err = store.Classify(err); store.IsConditionFailed(err) {
		return nil // another observer took this crossing
	} else if err != nil {
		return fault.Wrap(op, err)
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	d := depositItem{PK: depositPK(rechargeDepositID(payer.ID, crossing)), SK: skMeta, ID: rechargeDepositID(payer.ID, crossing), Payer: payer.Key(),
		OwnerID: payer.OwnerID, Amount: prof.RechargeAmount, Currency: prof.Currency, Method: MethodAutoRecharge, Status: DepositProcessing, CreatedAt: ts(now)}
	if err := s.repo.putNew(ctx, d); err != nil && !store.IsConditionFailed(err) {
		return fault.Wrap(op, err)
	}
	dep, err := s.chargeSaved(ctx, d)
	switch {
	case fault.KindOf(err) == fault.PaymentDeclined:
		cur, _, _ := s.repo.getDeposit(ctx, d.ID)
		return s.rechargeFailed(ctx, d, cur.FailCode)
	case err != nil:
		return err // unknown: the deposit stays processing; Stripe's event settles it
	case dep.Status == DepositRequiresAction:
		// Nobody is there to authenticate an automatic charge.
		return s.rechargeFailed(ctx, d, "authentication_required")
	}
	return nil
}

// rechargeFailed counts a failed recharge: the third in a row turns
// auto-recharge off and says so; before that, the next change of the
// balance tries again (a new crossing, a new deposit).
func (s *Service) rechargeFailed(ctx context.Context, d depositItem, code string) error {
	const op = "accounts.rechargeFailed"
	payer, err := s.payerByKey(ctx, d.Payer)
	if err != nil {
		return err
	}
	prof, _, err := s.repo.getPayer(ctx, payer.Key())
	if err != nil {
		return err
	}
	failures := prof.RechargeFailures + 1
	now := s.clock.Now().Truncate(time.Millisecond)
	// A failed charge is counted once, whoever tells it (the charge's
	// answer, and Stripe's payment_intent.payment_failed).
	upd := &types.Update{
		TableName: aws.String(s.repo.table), Key: key(payerPK(payer.Key()), skMeta),
		UpdateExpression: aws.String("SET rechargeFailures = :n, rechargeArmed = :t, rechargeLastFailed = :dep"),
		ConditionExpression: aws.String("attribute_exists(rechargeBelow) AND rechargeCrossing = :c AND (attribute_not_exists(rechargeFailures) OR rechargeFailures = :was)" +
			" AND (attribute_not_exists(rechargeLastFailed) OR rechargeLastFailed <> :dep)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": store.N(failures), ":t": &types.AttributeValueMemberBOOL{Value: true},
			":was": store.N(prof.RechargeFailures), ":c": store.N(prof.RechargeCrossing), ":dep": store.S(d.ID)},
	}
	tx := store.NewTx()
	if failures >= MaxRechargeFailures {
		note := fmt.Sprintf("turned off after %d failed charges in a row (last: %s)", failures, code)
		upd.UpdateExpression = aws.String("SET rechargeFailures = :n, rechargeOffNote = :note, rechargeLastFailed = :dep REMOVE rechargeBelow, rechargeAmount, rechargeArmed")
		delete(upd.ExpressionAttributeValues, ":t")
		upd.ExpressionAttributeValues[":note"] = store.S(note)
		evt, err := events.OutboxPut(s.repo.outbox, &events.AutoRechargeFailed{
			Money:    events.Money{PayerKind: payer.Kind, PayerID: payer.ID, OwnerID: payer.OwnerID, Amount: money.Amount{Minor: d.Amount, Currency: d.Currency}},
			Failures: int(failures), Reason: code}, now)
		if err != nil {
			return fault.Wrap(op, err)
		}
		tx.Add("event", evt)
	}
	tx.Add("payer", types.TransactWriteItem{Update: upd})
	if err := tx.Write(ctx, s.repo.db); err != nil && !store.Failed(err, "payer") {
		return fault.Wrap(op, err)
	}
	return nil
}

// ledgerPosted watches the balances of advertisers and communities that
// other contexts move: a payer in debt repays it from what reaches its
// available balance; an advertiser's alert and auto-recharge watch what
// it spends.
func (s *Service) ledgerPosted(ctx context.Context, e events.LedgerTransferPosted) error {
	seen := map[string]bool{}
	for _, p := range e.Postings {
		kind, id, ok := strings.Cut(p.Account, ":")
		if !ok || (kind != PayerAdvertiser && kind != PayerCommunity) || seen[p.Account] {
			continue
		}
		seen[p.Account] = true
		// One read decides: a payer with no debt, no alert and no
		// auto-recharge (most) costs this event nothing more.
		prof, found, err := s.repo.getPayer(ctx, kind+":"+id)
		if err != nil {
			return err
		}
		if !found || (!prof.InDebt && prof.AlertBelow == 0 && prof.RechargeBelow == 0) {
			continue
		}
		payer := Payer{Kind: kind, ID: id, OwnerID: prof.OwnerID, Currency: prof.Currency}
		if prof.InDebt {
			if err := s.repayFromAvailable(ctx, payer, p.Amount.Currency); err != nil {
				return err
			}
		}
		if err := s.watchBalance(ctx, payer, p.Amount.Currency); err != nil {
			return err
		}
	}
	return nil
}

// Optional is a JSON field that may be left out (Set false), null (Set,
// Value nil) or a value.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler: it runs only for a field
// that is present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // as every request body: an unknown field is a 400
	if err := dec.Decode(&v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// Set is an Optional with a value (nil: null, turning it off).
func Set[T any](v *T) Optional[T] { return Optional[T]{Set: true, Value: v} }
