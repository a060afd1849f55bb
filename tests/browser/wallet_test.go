package browser

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/souqhq/souq/tests/harness"
)

// payOnStripe types a test card on the local Stripe's Checkout page the
// browser was sent to and sends it, as a person would; Stripe then sends
// the browser back to the console.
func (b *tab) payOnStripe(card string) *tab {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.ID("card")))
	b.fill("Card number", card)
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(`//form[starts-with(@action,"/local/checkout/")]//button[@type="submit"]`, chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("pay on Stripe's page %s: %v", b.location(), err)
	}
	return b
}

// The wallet and payouts of DESIGN §15 in a real browser: a card saved on
// the local Stripe's Checkout, funds added with it and its receipt
// opened (the API's own page, served by the console with its styles let
// in by their hashes), funds added through Checkout and the balance
// read; payouts set up on the local onboarding page until ready. axe
// checks the wallet and payouts pages at desktop and phone width.
func TestWallet_CardFundsReceiptCheckoutAndPayouts(t *testing.T) {
	userID := "usr_wallet_" + run
	tok := token(t, userID)
	adv := str(call(t, "POST", "/v1/advertisers", tok, `{"name":"Acme Wallet","currency":"USD"}`, 201), "id")
	settle(t)
	wallet := "/console/advertisers/" + adv + "/wallet"

	a := newTab(t)
	a.signIn(userID, wallet).sees("Wallet · Acme Wallet", "No card saved yet.", "No payments yet")
	a.accessible("wallet-empty")

	// A card, saved on Stripe's page.
	a.press("Add a card").sees("Save a card for later payments")
	a.payOnStripe(harness.CardVisa).sees("Card saved.", "Visa •••• 4242", "Default", "Saved card (Visa •••• 4242)")

	// Funds with the saved card, and the receipt.
	a.fill("Amount (USD)", "50").press("Add funds").sees("Payment received: $50.00 added.")
	a.do(chromedp.Click(`//div[@role="status"]//a[normalize-space()="Receipt"]`, chromedp.NodeVisible))
	a.do(chromedp.WaitVisible(`//h1[normalize-space()="Receipt"]`))
	a.sees("50.00", "Acme Wallet")
	a.screenshot("receipt")
	styled, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".total")).fontWeight`))
	if err != nil || styled != "700" {
		t.Errorf("the receipt's own styles were not applied (font-weight %q, %v)", styled, err)
	}

	// Funds through Stripe's Checkout page.
	a.open(wallet)
	a.fill("Amount (USD)", "25")
	a.do(chromedp.Click(chromedp.ID("deposit-method-checkout"), chromedp.NodeVisible))
	a.press("Add funds").sees("Pay 25.00")
	a.payOnStripe(harness.CardVisa).sees("Payment received: $25.00 added.", "Available $75.00")
	b := call(t, "GET", "/v1/advertisers/"+adv+"/balance", tok, "", 200)
	if num(b, "available") != 7500 {
		t.Fatalf("the balance after two deposits: %v, want 7500 available", b)
	}
	a.sees("Receipts", "$50.00", "$25.00")
	a.accessible("wallet")

	// Auto-recharge, as a person sets it.
	a.fill("When available falls below (USD)", "10").fill("Add this much (USD)", "20").press("Save auto-recharge").
		sees("Auto-recharge is on: when your available balance falls below $10.00, $20.00 is charged to your default card.")

	// Payouts: set up on Stripe's onboarding page, until ready.
	a.open("/console/payouts").sees("Payouts are not set up yet.")
	a.accessible("payouts-none")
	a.press("Set up payouts").sees("Set up payouts with Stripe")
	a.press("Leave incomplete").sees("Waiting for Stripe", "Stripe still needs")
	a.accessible("payouts-pending")
	a.press("Continue setting up payouts").press("Complete").sees("Payouts are set up", "Ready", "Open Stripe dashboard")
	a.accessible("payouts-ready")
	if acct := call(t, "GET", "/v1/me/payout-account", tok, "", 200); str(acct, "status") != "enabled" {
		t.Fatalf("the payout account after onboarding: %v", acct)
	}

}
