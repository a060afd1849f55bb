package accounts

// Deposits (DESIGN §15): money a payer brings in, by its saved card
// (an off-session PaymentIntent, credited in the request) or on Stripe's
// hosted Checkout (credited when paid). Whatever tells Souq a payment
// succeeded first (the request itself, Stripe's events in any order and
// any number of times, the payer's return to the success URL, a read of
// the deposit) credits it, and only the first does: the credit is one
// transaction conditioned on the deposit not being succeeded yet, with a
// ledger transfer whose id is the deposit's.
//
//	pk                  sk                      item
//	DEP#<depositId>     META                    the deposit
//	PAYER#<payer>       DEPAT#<at>#<depositId>  a credited deposit, newest last (refunds go newest first)
//	PI#<paymentIntent>  META                    payment → deposit (disputes and refunds name payments)

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/money"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

// MaxDeposit bounds one deposit (in minor units): larger sums go through
// an invoice, not a card.
const MaxDeposit = 100_000_000

// DefaultMinDeposit is SOUQ_MIN_DEPOSIT's default: 10.00 in the account's
// currency (Stripe's fee makes smaller deposits poor value).
const DefaultMinDeposit = 1000

// Deposit methods.
const (
	MethodSaved        = "saved"
	MethodCheckout     = "checkout"
	MethodAutoRecharge = "auto_recharge"
)

// Deposit states (GET /v1/deposits/{id}).
const (
	DepositPending           = "pending"
	DepositProcessing        = "processing"
	DepositRequiresAction    = "requires_action"
	DepositSucceeded         = "succeeded"
	DepositFailed            = "failed"
	DepositRefunded          = "refunded"
	DepositPartiallyRefunded = "partially_refunded"
	DepositDisputed          = "disputed"
)

// DepositInput is what a depositor sends.
type DepositInput struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// Method is saved (the default card), checkout (Stripe's hosted
	// page), or empty: the saved card when there is one, else Checkout.
	Method string `json:"method,omitempty"`
}

// Deposit is money brought into an account through Stripe.
type Deposit struct {
	ID          string     `json:"id"`
	PayerKind   string     `json:"payerKind"`
	AccountKind string     `json:"accountKind,omitempty"`
	AccountID   string     `json:"accountId"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Method      string     `json:"method"`
	Status      string     `json:"status"`
	CheckoutURL string     `json:"checkoutUrl,omitempty"`
	ActionURL   string     `json:"actionUrl,omitempty"`
	Failure     string     `json:"failure,omitempty"`
	FailureCode string     `json:"failureCode,omitempty"`
	Refunded    int64      `json:"refunded"`
	Disputed    int64      `json:"disputed"`
	DebtRepaid  int64      `json:"debtRepaid"`
	Card        *Card      `json:"card,omitempty"`
	Reference   string     `json:"reference,omitempty"`
	TransferID  string     `json:"transferId,omitempty"`
	ReceiptURL  string     `json:"receiptUrl,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	CreditedAt  *time.Time `json:"creditedAt,omitempty"`
}

// Card is what Souq shows of a card.
type Card struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

type depositItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	ID        string `dynamodbav:"id"`
	Payer     string `dynamodbav:"payer"` // kind:id
	OwnerID   string `dynamodbav:"ownerId"`
	Amount    int64  `dynamodbav:"amount"`
	Currency  string `dynamodbav:"currency"`
	Method    string `dynamodbav:"method"`
	Status    string `dynamodbav:"status"`
	Session   string `dynamodbav:"session,omitempty"`
	URL       string `dynamodbav:"url,omitempty"` // Checkout's page (checkoutUrl or actionUrl)
	Failure   string `dynamodbav:"failure,omitempty"`
	FailCode  string `dynamodbav:"failureCode,omitempty"`
	Reference string `dynamodbav:"reference,omitempty"` // pi_…
	ChargeID  string `dynamodbav:"chargeId,omitempty"`
	Brand     string `dynamodbav:"brand,omitempty"`
	Last4     string `dynamodbav:"last4,omitempty"`
	// Refunds: Reserved is what refunds took or are taking (in transit or
	// confirmed) and Refunded what Stripe confirmed; Disputed is the
	// amount of an open or lost dispute.
	Reserved   int64  `dynamodbav:"reserved"`
	Refunded   int64  `dynamodbav:"refunded"`
	Disputed   int64  `dynamodbav:"disputed"`
	DebtRepaid int64  `dynamodbav:"debtRepaid"`
	TransferID string `dynamodbav:"transferId,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt"`
	CreditedAt string `dynamodbav:"creditedAt,omitempty"`
	// Dashboard lists refunds made in Stripe's dashboard already applied.
	Dashboard []string `dynamodbav:"dashboard,stringset,omitempty"`
}

func depositPK(depID string) string { return "DEP#" + depID }

func (d depositItem) refundable() int64 { return d.Amount - d.Reserved - d.Disputed }

func (d depositItem) view(publicURL string) Deposit {
	kind, id, _ := parsePayerKey(d.Payer)
	v := Deposit{ID: d.ID, PayerKind: kind, AccountID: id, Amount: d.Amount, Currency: d.Currency, Method: d.Method,
		Status: d.Status, Failure: d.Failure, FailureCode: d.FailCode, Refunded: d.Refunded, Disputed: d.Disputed,
		DebtRepaid: d.DebtRepaid, Reference: d.Reference, TransferID: d.TransferID, CreatedAt: parseTS(d.CreatedAt)}
	switch kind {
	case PayerAdvertiser:
		v.AccountKind = auth.AccountAdvertiser
	case PayerCommunity:
		v.AccountKind = auth.AccountCommunity
	}
	switch d.Status {
	case DepositPending:
		v.CheckoutURL = d.URL
	case DepositRequiresAction:
		v.ActionURL = d.URL
	case DepositSucceeded:
		switch {
		case d.Disputed > 0:
			v.Status = DepositDisputed
		case d.Refunded >= d.Amount:
			v.Status = DepositRefunded
		case d.Refunded > 0:
			v.Status = DepositPartiallyRefunded
		}
		v.ReceiptURL = strings.TrimRight(publicURL, "/") + "/v1/deposits/" + d.ID + "/receipt"
		at := parseTS(d.CreditedAt)
		v.CreditedAt = &at
	}
	if d.Brand != "" {
		v.Card = &Card{Brand: d.Brand, Last4: d.Last4}
	}
	return v
}

// DepositID is derived from the account and the client's Idempotency-Key,
// never random: a retry after a crash (whose idempotency record was lost
// or expired) gets the same id, so Stripe's idempotency key and the
// ledger's transfer id are the same and nothing is charged or credited twice.
func DepositID(kind, accountID, idempotencyKey string) string {
	return keyedID("dep_", kind+"\x00"+accountID+"\x00"+idempotencyKey)
}

// keyedID is an id derived from what names a request (an account and an
// Idempotency-Key), never random: prefix + 26 base32 characters.
func keyedID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

func (r *Repository) getDeposit(ctx context.Context, depID string) (depositItem, bool, error) {
	d, found, err := store.Get[depositItem](ctx, r.db, r.table, depositPK(depID), skMeta)
	return d, found, fault.Wrap("accounts.getDeposit", err)
}

// moneyPayer is the payer of an account's money route, once Stripe is
// there to move it.
func (s *Service) moneyPayer(ctx context.Context, op string, p auth.Principal, accountKind, accountID string) (Payer, error) {
	if err := s.moneyReady(op); err != nil {
		return Payer{}, err
	}
	return s.payerFor(ctx, op, p, payerKindOf(accountKind), accountID)
}

// Deposit starts (and with a saved card, finishes) a deposit, once per
// Idempotency-Key.
func (s *Service) Deposit(ctx context.Context, p auth.Principal, kind, accountID, idempotencyKey string, in DepositInput) (Deposit, error) {
	const op = "accounts.Deposit"
	payer, err := s.moneyPayer(ctx, op, p, kind, accountID)
	if err != nil {
		return Deposit{}, err
	}
	var bad fault.Fields
	switch {
	case in.Amount < s.minDeposit:
		bad.Add("amount", fmt.Sprintf("must be at least %s (the minimum deposit)", money.Amount{Minor: s.minDeposit, Currency: payer.Currency}.String()))
	case in.Amount > MaxDeposit:
		bad.Add("amount", fmt.Sprintf("must be at most %s; for more, contact us for an invoice", money.Amount{Minor: MaxDeposit, Currency: payer.Currency}.String()))
	}
	if in.Currency != payer.Currency {
		bad.Add("currency", "must be the account's currency, "+payer.Currency)
	}
	if in.Method != "" && in.Method != MethodSaved && in.Method != MethodCheckout {
		bad.Add("method", "must be saved (the default card) or checkout (Stripe's payment page)")
	}
	if err := bad.Err(op, "the deposit has invalid fields"); err != nil {
		return Deposit{}, err
	}
	depID := DepositID(kind, accountID, idempotencyKey)
	if d, found, err := s.repo.getDeposit(ctx, depID); err != nil || found {
		if err != nil {
			return Deposit{}, err
		}
		if d.Amount != in.Amount || d.Currency != in.Currency || d.Payer != payer.Key() {
			return Deposit{}, fault.New(fault.IdempotencyMismatch, op,
				"this Idempotency-Key was used for a different deposit on this account; use a new key for a new request")
		}
		return s.resume(ctx, d)
	}
	prof, err := s.customer(ctx, payer)
	if err != nil {
		return Deposit{}, err
	}
	method := in.Method
	if method == "" {
		method = MethodCheckout
		if prof.DefaultCard != "" {
			method = MethodSaved
		}
	}
	if method == MethodSaved && prof.DefaultCard == "" {
		return Deposit{}, fault.InvalidFields(op, "there is no saved card to charge",
			fault.FieldError{Field: "method", Message: "no card is saved: add one (POST …/payment-methods) or pay with method checkout"})
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	d := depositItem{PK: depositPK(depID), SK: skMeta, ID: depID, Payer: payer.Key(), OwnerID: payer.OwnerID, Amount: in.Amount,
		Currency: in.Currency, Method: method, Status: DepositProcessing, CreatedAt: ts(now)}
	if err := s.repo.putNew(ctx, d); err != nil {
		if store.IsConditionFailed(err) {
			// The same key, at once (another principal of the account):
			// carry the same deposit on, which Stripe's idempotency keys
			// make one charge or one session.
			prev, _, gerr := s.repo.getDeposit(ctx, depID)
			if gerr != nil {
				return Deposit{}, gerr
			}
			return s.resume(ctx, prev)
		}
		return Deposit{}, fault.Wrap(op, err)
	}
	return s.resume(ctx, d)
}

// resume carries a deposit as far as it can go now: a processing one is
// charged (saved card) or sent to Checkout; a pending one is read back
// from Stripe (it may have been paid while its event is still on its way).
func (s *Service) resume(ctx context.Context, d depositItem) (Deposit, error) {
	switch d.Status {
	case DepositProcessing:
		if d.Method == MethodCheckout {
			return s.startCheckout(ctx, d, d.ID, DepositPending)
		}
		return s.chargeSaved(ctx, d)
	case DepositPending, DepositRequiresAction:
		if d.Session != "" {
			sess, err := s.pay.GetCheckout(ctx, d.Session)
			if err != nil {
				// Stripe cannot say now: the deposit is as it was.
				return d.view(s.publicURL), nil
			}
			if sess.Status == "expired" && sess.PaymentStatus != "paid" {
				// Its page is dead (the event may be on its way): fail it now.
				if err := s.checkoutExpired(ctx, sess); err != nil {
					return Deposit{}, err
				}
				cur, _, err := s.repo.getDeposit(ctx, d.ID)
				if err != nil || cur.Status != DepositFailed {
					return cur.view(s.publicURL), err
				}
				return s.resume(ctx, cur)
			}
			if sess.PaymentStatus == "paid" {
				v, err := s.credit(ctx, d.ID, paid{Reference: sess.PaymentIntent, ChargeID: sess.ChargeID, Card: sess.Card})
				if err == nil {
					// The card paid with is saved for later (best effort:
					// Stripe's event does it too).
					_ = s.cardSaved(ctx, sess.Customer, sess.PaymentMethod)
				}
				return v, err
			}
		}
	case DepositFailed:
		if d.FailCode == "expired" {
			return d.view(s.publicURL), &fault.Error{Kind: fault.Conflict, Op: "accounts.Deposit", State: DepositFailed, Code: "expired",
				Message: "nobody paid this deposit on Stripe's page within 24 hours; nothing was charged. Make a new deposit with a new Idempotency-Key"}
		}
		return d.view(s.publicURL), declinedErr("accounts.Deposit", d.FailCode, d.Failure)
	}
	return d.view(s.publicURL), nil
}

func declinedErr(op, code, message string) error {
	if message == "" {
		message = "the card was declined"
	}
	return &fault.Error{Kind: fault.PaymentDeclined, Op: op, Code: code,
		Message: "the card was declined (" + code + "): " + message + "; nothing was charged. Use another card, or pay with method checkout"}
}

// chargeSaved charges the payer's default card off-session.
func (s *Service) chargeSaved(ctx context.Context, d depositItem) (Deposit, error) {
	const op = "accounts.chargeSaved"
	prof, found, err := s.repo.getPayer(ctx, d.Payer)
	if err != nil {
		return Deposit{}, err
	}
	if !found || prof.DefaultCard == "" {
		return Deposit{}, s.fail(ctx, d, "no_card", "there is no saved card")
	}
	pay, err := s.pay.ChargeSaved(ctx, payments.SavedCharge{ID: d.ID, Customer: prof.Customer, PaymentMethod: prof.DefaultCard,
		Amount: money.Amount{Minor: d.Amount, Currency: d.Currency}, Description: "Souq deposit " + d.ID,
		Metadata: map[string]string{"souq_deposit": d.ID, "souq_payer": d.Payer}})
	if err != nil {
		// Unknown outcome: the deposit stays processing; the same key
		// retries with Stripe's idempotency, and Stripe's event credits
		// it if it was paid.
		return Deposit{}, fault.Wrap(op, err)
	}
	switch pay.Status {
	case payments.PaymentSucceeded:
		return s.credit(ctx, d.ID, paid{Reference: pay.Reference, ChargeID: pay.ChargeID, Card: pay.Card})
	case payments.PaymentRequiresAction:
		// The card's holder must authenticate: on Stripe's page, for the
		// same deposit.
		return s.startCheckout(ctx, d, d.ID+"-action", DepositRequiresAction)
	case payments.PaymentProcessing:
		return d.view(s.publicURL), nil
	}
	return Deposit{}, s.fail(ctx, d, pay.Decline, pay.DeclineMessage)
}

// fail records a declined deposit (nothing credited) and its event, and
// answers the decline.
func (s *Service) fail(ctx context.Context, d depositItem, code, message string) error {
	const op = "accounts.Deposit"
	if code == "" {
		code = "card_declined"
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	evt, err := events.OutboxPut(s.repo.outbox, &events.DepositFailed{Money: s.moneyOf(d, d.Amount), DepositID: d.ID, Method: d.Method, Reason: code}, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	tx := store.NewTx().Add("deposit", types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
		UpdateExpression:          aws.String("SET #s = :failed, failure = :m, failureCode = :c"),
		ConditionExpression:       aws.String("#s = :processing"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":failed": store.S(DepositFailed), ":m": store.S(message), ":c": store.S(code), ":processing": store.S(DepositProcessing)},
	}}).Add("event", evt)
	if err := tx.Write(ctx, s.repo.db); err != nil && !store.Failed(err, "deposit") {
		return fault.Wrap(op, err)
	}
	return declinedErr(op, code, message)
}

// startCheckout sends the payer to Stripe's page for the deposit.
func (s *Service) startCheckout(ctx context.Context, d depositItem, ref, status string) (Deposit, error) {
	const op = "accounts.startCheckout"
	prof, found, err := s.repo.getPayer(ctx, d.Payer)
	if err != nil {
		return Deposit{}, err
	}
	if !found || prof.Customer == "" {
		return Deposit{}, fault.New(fault.Internal, op, "the payer has no customer")
	}
	back := s.returnURL(d)
	sess, err := s.pay.CreateCheckout(ctx, payments.CheckoutRequest{ID: ref, Mode: payments.ModePayment, Customer: prof.Customer,
		Amount: money.Amount{Minor: d.Amount, Currency: d.Currency}, Description: "Souq deposit",
		SuccessURL: back, CancelURL: back, Metadata: map[string]string{"souq_deposit": d.ID, "souq_payer": d.Payer}})
	if err != nil {
		return Deposit{}, fault.Wrap(op, err)
	}
	_, err = s.repo.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
		UpdateExpression:          aws.String("SET #s = :st, #sess = :sess, #u = :u"),
		ConditionExpression:       aws.String("#s = :processing"),
		ExpressionAttributeNames:  map[string]string{"#s": "status", "#sess": "session", "#u": "url"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":st": store.S(status), ":sess": store.S(sess.ID), ":u": store.S(sess.URL), ":processing": store.S(DepositProcessing)},
	})
	if err = store.Classify(err); err != nil && !store.IsConditionFailed(err) {
		return Deposit{}, fault.Wrap(op, err)
	}
	cur, _, err := s.repo.getDeposit(ctx, d.ID)
	if err != nil {
		return Deposit{}, err
	}
	return cur.view(s.publicURL), nil
}

// returnURL is where Stripe's page sends the payer back: the console's
// page of the account (or the person's wallet), which reads the deposit.
func (s *Service) returnURL(d depositItem) string {
	kind, id, _ := parsePayerKey(d.Payer)
	base := strings.TrimRight(s.publicURL, "/")
	switch kind {
	case PayerAdvertiser:
		return base + "/console/advertisers/" + id + "?deposit=" + d.ID
	case PayerCommunity:
		return base + "/console/communities/" + id + "?deposit=" + d.ID
	}
	return base + "/console/wallet?deposit=" + d.ID
}

// paid is what Stripe says of a succeeded payment.
type paid struct {
	Reference, ChargeID string
	Card                payments.CardSummary
}

// credit applies a succeeded payment to its deposit, exactly once: the
// payer's debt is repaid first, the rest is available.
func (s *Service) credit(ctx context.Context, depID string, pd paid) (Deposit, error) {
	const op = "accounts.credit"
	for attempt := 0; ; attempt++ {
		d, found, err := s.repo.getDeposit(ctx, depID)
		if err != nil {
			return Deposit{}, err
		}
		if !found {
			return Deposit{}, fault.New(fault.NotFound, op, "no such deposit")
		}
		if d.Status == DepositSucceeded {
			return d.view(s.publicURL), nil
		}
		payer, err := s.payerByKey(ctx, d.Payer)
		if err != nil {
			return Deposit{}, err
		}
		owed, err := s.owed(ctx, payer, d.Currency)
		if err != nil {
			return Deposit{}, err
		}
		repay := min(owed, d.Amount)
		now := s.clock.Now().Truncate(time.Millisecond)
		legs := []ledger.Leg{{Account: ledger.ExternalDeposits, Available: -d.Amount}}
		if d.Amount-repay > 0 {
			legs = append(legs, ledger.Leg{Account: payer.Ledger(), Available: d.Amount - repay})
		}
		if repay > 0 {
			legs = append(legs, ledger.Leg{Account: payer.Debt(), Available: repay})
		}
		transfer, err := s.ledger.Prepare(ledger.Transfer{ID: "txf_" + d.ID + "_deposit", Kind: "deposit", Currency: d.Currency, At: now, Legs: legs,
			Memo: cardMemo(pd.Card)})
		if err != nil {
			return Deposit{}, fault.Wrap(op, err)
		}
		m := s.moneyOf(d, d.Amount)
		succeeded, err := events.OutboxPut(s.repo.outbox, &events.DepositSucceeded{Money: m, DepositID: d.ID, Method: d.Method, DebtRepaid: repay}, now)
		if err != nil {
			return Deposit{}, fault.Wrap(op, err)
		}
		tx := store.NewTx().Add("deposit", types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.repo.table), Key: key(depositPK(d.ID), skMeta),
			UpdateExpression:         aws.String("SET #s = :ok, #ref = :pi, chargeId = :ch, brand = :b, last4 = :l, transferId = :t, creditedAt = :at, debtRepaid = :r REMOVE #u"),
			ConditionExpression:      aws.String("attribute_exists(pk) AND #s <> :ok"),
			ExpressionAttributeNames: map[string]string{"#s": "status", "#u": "url", "#ref": "reference"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ok": store.S(DepositSucceeded), ":pi": store.S(pd.Reference), ":ch": store.S(pd.ChargeID),
				":b": store.S(pd.Card.Brand), ":l": store.S(pd.Card.Last4), ":t": store.S(transfer.Transfer.ID), ":at": store.S(ts(now)), ":r": store.N(repay)},
		}}).Add("deposit index", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table),
			Item: mustMarshal(depositIndexItem{PK: payerPK(d.Payer), SK: "DEPAT#" + ts(now) + "#" + d.ID, DepositID: d.ID})}}).
			Add("event", succeeded).AddParts(transfer.Parts...)
		if pd.Reference != "" {
			tx.Add("payment", types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.repo.table),
				Item: mustMarshal(paymentItem{PK: "PI#" + pd.Reference, SK: skMeta, DepositID: d.ID})}})
		}
		if repay > 0 {
			changed, err := s.debtChanged(ctx, payer, d.Currency, owed-repay, now)
			if err != nil {
				return Deposit{}, err
			}
			tx.AddParts(changed...)
		}
		err = tx.Write(ctx, s.repo.db)
		if err == nil {
			s.afterBalanceChange(ctx, payer, d.Currency)
			d.Status, d.Reference, d.ChargeID, d.Brand, d.Last4, d.TransferID, d.CreditedAt, d.DebtRepaid, d.URL =
				DepositSucceeded, pd.Reference, pd.ChargeID, pd.Card.Brand, pd.Card.Last4, transfer.Transfer.ID, ts(now), repay, ""
			return d.view(s.publicURL), nil
		}
		if store.Failed(err, "deposit") || errors.Is(transfer.Explain(err), ledger.ErrAlreadyApplied) {
			continue // credited by another path: read it back
		}
		if fault.KindOf(transfer.Explain(err)) == fault.Conflict && attempt < 5 {
			continue // the debt moved under us: read it again
		}
		return Deposit{}, fault.Wrap(op, err)
	}
}

type depositIndexItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	DepositID string `dynamodbav:"depositId"`
}

type paymentItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	DepositID string `dynamodbav:"depositId"`
}

func cardMemo(c payments.CardSummary) string {
	if c.Last4 == "" {
		return ""
	}
	return c.Brand + " •••• " + c.Last4
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": store.S(pk), "sk": store.S(sk)}
}

func (r *Repository) putNew(ctx context.Context, item any) error {
	return store.PutItem(ctx, r.db, &dynamodb.PutItemInput{TableName: aws.String(r.table), Item: mustMarshal(item),
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
}

// moneyOf is the events' common part for a deposit's payer.
func (s *Service) moneyOf(d depositItem, amount int64) events.Money {
	kind, id, _ := parsePayerKey(d.Payer)
	return events.Money{PayerKind: kind, PayerID: id, OwnerID: d.OwnerID, Amount: money.Amount{Minor: amount, Currency: d.Currency}}
}

// owed is what the payer owes (a positive amount, 0 when nothing).
func (s *Service) owed(ctx context.Context, p Payer, currency string) (int64, error) {
	b, err := s.ledger.Balance(ctx, p.Debt(), currency)
	if err != nil {
		return 0, err
	}
	return -b.Available, nil
}

// GetDeposit reads a deposit its payer may see, first asking Stripe about
// one still waiting for its payment (the payer's return from Checkout
// lands here).
func (s *Service) GetDeposit(ctx context.Context, p auth.Principal, depID string) (Deposit, error) {
	const op = "accounts.GetDeposit"
	if err := s.moneyReady(op); err != nil {
		return Deposit{}, err
	}
	if !id.HasPrefix(depID, "dep") {
		return Deposit{}, notFound(op, "deposit")
	}
	d, found, err := s.repo.getDeposit(ctx, depID)
	if err != nil {
		return Deposit{}, err
	}
	if !found || !s.canRead(ctx, p, d.Payer) {
		return Deposit{}, notFound(op, "deposit")
	}
	if d.Status == DepositPending || d.Status == DepositRequiresAction {
		return s.resume(ctx, d)
	}
	return d.view(s.publicURL), nil
}

// canRead reports whether the principal may read a payer's money: its
// owner, the account's own API key, or the person itself.
func (s *Service) canRead(ctx context.Context, p auth.Principal, payerKey string) bool {
	kind, id, ok := parsePayerKey(payerKey)
	if !ok {
		return false
	}
	if kind == PayerPerson {
		return p.Kind == auth.KindUser && p.UserID == id
	}
	akind := auth.AccountAdvertiser
	if kind == PayerCommunity {
		akind = auth.AccountCommunity
	}
	_, err := s.account(ctx, "accounts.canRead", p, akind, id)
	return err == nil
}
