package stripelocal

import "strings"

// outcome is what a test card does when it is charged (or saved).
type outcome int

const (
	succeed      outcome = iota
	authenticate         // the holder must authenticate (3-D Secure) first
	declineGeneric
	declineInsufficientFunds
	authenticationRequired // off-session: Stripe refuses, the holder must come back
)

// testCard is one of Stripe's test card numbers and what it does: on the
// hosted page (on-session) and later, saved, on an off-session
// PaymentIntent.
type testCard struct {
	Number     string
	Brand      string
	Does       string // for people, on the payment page
	OnSession  outcome
	OffSession outcome
}

func (c testCard) Last4() string { return c.Number[len(c.Number)-4:] }

// testCards are the cards the stand-in knows, in the order the payment
// page lists them (Stripe's own test numbers, docs.stripe.com/testing).
var testCards = []testCard{
	{Number: "4242424242424242", Brand: "visa", Does: "Succeeds, now and later off-session.", OnSession: succeed, OffSession: succeed},
	{Number: "4000002500003155", Brand: "visa", Does: "Needs authentication now (3-D Secure); once saved, succeeds off-session.", OnSession: authenticate, OffSession: succeed},
	{Number: "4000000000000002", Brand: "visa", Does: "Is declined (generic_decline).", OnSession: declineGeneric, OffSession: declineGeneric},
	{Number: "4000002760003184", Brand: "visa", Does: "Succeeds now; saved, always needs authentication off-session.", OnSession: succeed, OffSession: authenticationRequired},
	{Number: "4000000000009995", Brand: "visa", Does: "Succeeds now; saved, is declined off-session for insufficient funds.", OnSession: succeed, OffSession: declineInsufficientFunds},
}

// findCard reads a card number as people type it (spaces and dashes
// allowed).
func findCard(number string) (testCard, bool) {
	n := strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(number))
	for _, c := range testCards {
		if c.Number == n {
			return c, true
		}
	}
	return testCard{}, false
}

// tokenCards are Stripe's test PaymentMethod tokens (pm_card_visa, …): any
// pm_card_* the stand-in did not make is such a token, and always
// succeeds, as the deposit code's test-mode card does.
var tokenCards = map[string]testCard{
	"visa":       {Number: "4242424242424242", Brand: "visa", OffSession: succeed},
	"mastercard": {Number: "5555555555554444", Brand: "mastercard", OffSession: succeed},
	"amex":       {Number: "378282246310005", Brand: "amex", OffSession: succeed},
	"discover":   {Number: "6011111111111117", Brand: "discover", OffSession: succeed},
}

// tokenCard reads a pm_card_* token.
func tokenCard(pm string) (testCard, bool) {
	name, ok := strings.CutPrefix(pm, "pm_card_")
	if !ok || name == "" {
		return testCard{}, false
	}
	if c, ok := tokenCards[strings.ToLower(name)]; ok {
		return c, true
	}
	for brand, c := range tokenCards {
		if strings.HasPrefix(strings.ToLower(name), brand) {
			return c, true
		}
	}
	return tokenCards["visa"], true
}

// decline is the Stripe error of an outcome that refuses a charge.
func (o outcome) decline() *apiError {
	switch o {
	case declineGeneric:
		return cardError("card_declined", "generic_decline", "Your card was declined.")
	case declineInsufficientFunds:
		return cardError("card_declined", "insufficient_funds", "Your card has insufficient funds.")
	case authenticationRequired:
		return cardError("authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.")
	}
	return nil
}
