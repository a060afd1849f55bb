package stripelocal

import (
	"crypto/rand"
	"maps"
	"time"
)

// state is Stripe's objects in memory. Server.mu guards it; nothing in it
// does I/O.
type state struct {
	customers map[string]*customer
	methods   map[string]*paymentMethod
	intents   map[string]*paymentIntent
	charges   map[string]*charge
	refunds   map[string]*refund
	sessions  map[string]*session
	setups    map[string]*setupIntent
	accounts  map[string]*account
	transfers map[string]*transfer
	disputes  map[string]*dispute
	// methodOrder and transferOrder keep creation order for lists (Stripe
	// lists newest first).
	methodOrder, transferOrder []string
	// now is the platform's clock: objects' created times are on it.
	now func() time.Time
	// publicURL is where the hosted pages are (Config.PublicURL).
	publicURL string
}

func newState(now func() time.Time, publicURL string) *state {
	return &state{now: now, publicURL: publicURL,
		customers: map[string]*customer{}, methods: map[string]*paymentMethod{}, intents: map[string]*paymentIntent{},
		charges: map[string]*charge{}, refunds: map[string]*refund{}, sessions: map[string]*session{},
		setups: map[string]*setupIntent{}, accounts: map[string]*account{}, transfers: map[string]*transfer{},
		disputes: map[string]*dispute{},
	}
}

type customer struct {
	ID, Name, Email, Description string
	Metadata                     map[string]string
	DefaultMethod                string
	Created                      int64
}

// paymentMethod is a card saved from a test card number (or a pm_card_*
// token, which is never stored).
type paymentMethod struct {
	ID       string
	Customer string // "" when detached
	Card     testCard
	ExpMonth int64
	ExpYear  int64
	Created  int64
}

// Stripe's PaymentIntent statuses the stand-in uses.
const (
	piRequiresPaymentMethod = "requires_payment_method"
	piRequiresConfirmation  = "requires_confirmation"
	piRequiresAction        = "requires_action"
	piSucceeded             = "succeeded"
)

type paymentIntent struct {
	ID, Customer, PaymentMethod, Description, Currency, Status string
	Amount, AmountReceived                                     int64
	SetupFutureUsage                                           string
	Metadata                                                   map[string]string
	LatestCharge                                               string
	LastError                                                  *apiError
	Created                                                    int64
}

type charge struct {
	ID, PaymentIntent, Customer, PaymentMethod, Currency, Description string
	Card                                                              testCard
	ExpMonth, ExpYear                                                 int64
	Amount, AmountRefunded                                            int64
	Refunds                                                           []string // oldest first
	Disputed                                                          bool
	Metadata                                                          map[string]string
	Created                                                           int64
}

func (c *charge) left() int64 { return c.Amount - c.AmountRefunded }

type refund struct {
	ID, Charge, PaymentIntent, Currency, Status, Reason string
	Amount                                              int64
	Metadata                                            map[string]string
	Created                                             int64
}

// Checkout Session statuses.
const (
	sessionOpen     = "open"
	sessionComplete = "complete"
	sessionExpired  = "expired"
)

type session struct {
	ID, Mode, Status, PaymentStatus, Customer, ClientReferenceID string
	SuccessURL, CancelURL, Currency, Description                 string
	AmountTotal                                                  int64
	Metadata                                                     map[string]string
	// IntentMetadata, IntentDescription and SetupFutureUsage become the
	// PaymentIntent's when the payer first pays (Stripe makes it then).
	IntentMetadata                      map[string]string
	IntentDescription, SetupFutureUsage string
	PaymentIntent, SetupIntent          string
	// Authenticating is the card waiting for its holder's 3-D Secure.
	Authenticating   string
	Created, Expires int64
}

type setupIntent struct {
	ID, Customer, PaymentMethod, Status string
	Metadata                            map[string]string
	LastError                           *apiError
	Created                             int64
}

type account struct {
	ID, Type, Country, Email string
	Metadata                 map[string]string
	PayoutsEnabled           bool
	DetailsSubmitted         bool
	CurrentlyDue             []string
	// RefreshURL and ReturnURL are the latest Account Link's.
	RefreshURL, ReturnURL string
	Created               int64
}

// expressRequirements are what a new Express account must give.
var expressRequirements = []string{"external_account", "individual.verification.document", "tos_acceptance.date"}

type transfer struct {
	ID, Destination, Currency, TransferGroup, Description string
	Amount                                                int64
	Metadata                                              map[string]string
	Created                                               int64
}

type dispute struct {
	ID, Charge, PaymentIntent, Currency, Status, Reason string
	Amount                                              int64
	Created                                             int64
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID makes a Stripe-looking id: the prefix and n random letters and
// digits.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b)
}

// copyMeta keeps a request's metadata apart from the state's.
func copyMeta(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}

// unix is the platform clock's now, as Stripe's created fields count it.
func (st *state) unix() int64 { return st.now().Unix() }

// method is a stored card, or a pm_card_* token as Stripe shows one (an
// unattached card); nil when there is no such card.
func (st *state) method(id string) *paymentMethod {
	if m := st.methods[id]; m != nil {
		return m
	}
	if c, ok := tokenCard(id); ok {
		return &paymentMethod{ID: id, Card: c, ExpMonth: 12, ExpYear: int64(st.now().Year() + 3), Created: st.unix()}
	}
	return nil
}
