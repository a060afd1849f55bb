package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// The wallet of an advertiser or a community (DESIGN §15): its balance
// and what it owes, Add funds (the saved card or Stripe's page), its
// cards, auto-recharge and the low-balance alert (advertisers), Refund
// unspent funds, and its receipts. Stripe's pages send people back to
// the account's page with ?deposit=<id> or ?cards=added, which lands
// here.
//
// The wallet is a page of its own: the account's page already makes the
// five API calls a page may (its flights, bookings and statement), and
// the wallet's are the account, its balance, its cards and its receipts,
// and the one deposit or refund a person comes back to.

// walletReceipts is how many of the latest receipts the wallet lists.
const walletReceipts = 20

type walletData struct {
	Kind, ID, Name, Currency string
	// Advertiser is the account when it is an advertiser (its
	// auto-recharge and alert); nil for a community.
	Advertiser *Advertiser
	Balance    Balance
	Cards      []SavedCard
	Default    *SavedCard
	Deposits   []Deposit
	// Back is the deposit a person came back to from Stripe's page (or
	// the one just made with the saved card); Missing names one that is
	// not this account's.
	Back    *Deposit
	Missing string
	// CardsAdded is the return from Stripe's page where a card is saved.
	CardsAdded bool
	// Refund is the refund just asked for.
	Refund *Refund
}

// walletPath is the wallet of an account, with an optional query.
func walletPath(kind, id, query string) string {
	u := "/console/" + kind + "/" + url.PathEscape(id) + "/wallet"
	if query != "" {
		u += "?" + query
	}
	return u
}

// fromStripe reports whether an account page's request is a return from
// Stripe's pages, which the wallet answers.
func fromStripe(r *http.Request) bool {
	q := r.URL.Query()
	return r.Method == http.MethodGet && (q.Has("deposit") || q.Has("cards"))
}

func (c *Console) wallet(q *req, f *formState) {
	ctx, kind, id := q.r.Context(), q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	d := walletData{Kind: kind, ID: id}
	query := q.r.URL.Query()
	if f == nil {
		d.CardsAdded = query.Get("cards") == "added"
		// The deposit a person comes back to is read first: reading it asks
		// Stripe about a pending one and credits it, which the balance and
		// the receipts then show.
		if dep := strings.TrimSpace(query.Get("deposit")); dep != "" {
			got, err := q.api.GetDeposit(ctx, dep)
			switch {
			case err == nil && got.AccountID == id:
				d.Back = &got
			case err == nil || IsStatus(err, http.StatusNotFound) || IsStatus(err, http.StatusForbidden):
				d.Missing = dep
			default:
				c.fail(q.w, q.r, err)
				return
			}
		}
	}
	calls := []func() error{
		func() (err error) { d.Balance, err = q.api.Balance(ctx, kind, id); return },
		func() error { l, err := q.api.Cards(ctx, kind, id); d.Cards = l.Data; return known(err) },
		func() error {
			l, err := q.api.Deposits(ctx, kind, id, walletReceipts)
			d.Deposits = l.Data
			return known(err)
		},
	}
	if kind == "advertisers" {
		calls = append(calls, func() error {
			a, err := q.api.Advertiser(ctx, id)
			d.Advertiser, d.Name, d.Currency = &a, a.Name, a.Currency
			return err
		})
	} else {
		calls = append(calls, func() error {
			com, err := q.api.Community(ctx, id)
			d.Name, d.Currency = com.Name, com.Currency
			return err
		})
	}
	if rfd := strings.TrimSpace(query.Get("refund")); rfd != "" && f == nil && d.Back == nil && d.Missing == "" {
		calls = append(calls, func() error {
			r, err := q.api.GetRefund(ctx, rfd)
			if err == nil && r.AccountID == id {
				d.Refund = &r
			}
			if IsStatus(err, http.StatusNotFound) || IsStatus(err, http.StatusForbidden) {
				return nil
			}
			return err
		})
	}
	if err := parallel(calls...); err != nil {
		c.fail(q.w, q.r, err)
		return
	}
	for i := range d.Cards {
		if d.Cards[i].Default {
			d.Default = &d.Cards[i]
		}
	}
	nav := "communities"
	if kind == "advertisers" {
		nav = "advertisers"
	}
	c.show(q, "wallet", view{Title: "Wallet · " + d.Name, Nav: nav, Data: d, Form: f})
}

// deposit adds funds: with the saved card it is paid at once (or the
// person's bank asks them to confirm, on Stripe's page); otherwise the
// person pays on Stripe's page, which sends them back to the wallet.
func (c *Console) deposit(q *req) {
	kind, id := q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	f, bad := parseDepositForm(q.r)
	if len(bad) > 0 {
		c.wallet(q, invalid(q, "deposit", bad))
		return
	}
	dep, err := q.api.Deposit(q.r.Context(), kind, id, f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		var p *Problem
		if errors.As(err, &p) && p.Status == http.StatusPaymentRequired {
			// A decline: nothing was charged. It is the card's doing, so it
			// is said beside the choice of how to pay.
			c.wallet(q, &formState{Name: "deposit", Values: q.r.PostForm, Error: "The payment did not go through, and nothing was charged.",
				Fields: map[string]string{"method": declined(p)}, status: http.StatusPaymentRequired})
			return
		}
		c.again(q, "deposit", err, c.wallet)
		return
	}
	switch {
	case dep.Status == "requires_action" && dep.ActionURL != "":
		c.toStripe(q, dep.ActionURL)
	case dep.Status == "pending" && dep.CheckoutURL != "":
		c.toStripe(q, dep.CheckoutURL)
	default:
		http.Redirect(q.w, q.r, walletPath(kind, id, "deposit="+url.QueryEscape(dep.ID)), http.StatusSeeOther)
	}
}

// toStripe sends the browser to one of Stripe's pages (Checkout, Connect
// onboarding, the Express dashboard), as the API named it: an http(s)
// address, or a path of this origin (the local platform's stand-in).
func (c *Console) toStripe(q *req, to string) {
	link := pageLink(to)
	if link == "" {
		c.fail(q.w, q.r, fmt.Errorf("console: the API named a page of Stripe's that is not http(s): %q", to))
		return
	}
	http.Redirect(q.w, q.r, string(link), http.StatusSeeOther)
}

// declineWords are Stripe's decline codes in people's words.
var declineWords = map[string]string{
	"insufficient_funds":      "the card has insufficient funds",
	"card_declined":           "the card's bank declined it",
	"generic_decline":         "the card's bank declined it",
	"expired_card":            "the card has expired",
	"incorrect_cvc":           "the card's security code is wrong",
	"processing_error":        "the card could not be processed",
	"lost_card":               "the card was reported lost",
	"stolen_card":             "the card was reported stolen",
	"do_not_honor":            "the card's bank declined it",
	"card_velocity_exceeded":  "the card's limit is reached",
	"authentication_required": "the card's bank asks its holder to confirm each payment",
	"no_card":                 "no card is saved",
}

// declined is a decline for people: why, and what they can do.
func declined(p *Problem) string {
	why, ok := declineWords[p.Code]
	if !ok {
		why = p.Detail
		if why == "" {
			why = "the card was declined"
		}
	}
	return "Declined: " + why + ". Try another card, or pay on Stripe's page."
}

func (c *Console) addCard(q *req) {
	kind, id := q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	setup, err := q.api.AddCard(q.r.Context(), kind, id, q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "cards", err, c.wallet)
		return
	}
	c.toStripe(q, setup.SetupURL)
}

// cardAction is Make default or Remove of one card.
func (c *Console) cardAction(action string) func(*req) {
	return func(q *req) {
		kind, id, pm := q.r.PathValue("kind"), q.r.PathValue("id"), q.r.PathValue("pmId")
		if !accountKind(kind) {
			c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
			return
		}
		var err error
		msg := "Card removed."
		if action == "default" {
			err, msg = q.api.MakeDefaultCard(q.r.Context(), pm), "Default card changed: deposits and auto-recharge use it."
		} else {
			err = q.api.RemoveCard(q.r.Context(), pm)
		}
		if err != nil {
			c.again(q, "cards", err, c.wallet)
			return
		}
		c.done(q.w, q.r, walletPath(kind, id, ""), msg)
	}
}

// moneySetting is one of an advertiser's auto-recharge and alert forms:
// on (with its amounts) or off.
func (c *Console) moneySetting(setting string) func(*req) {
	return func(q *req) {
		id := q.r.PathValue("id")
		q.r.SetPathValue("kind", "advertisers")
		var in UpdateAdvertiserRequest
		var bad fieldErrors
		msg := ""
		switch setting {
		case "recharge":
			var f rechargeForm
			f, bad = parseRechargeForm(q.r)
			in = f.Request()
			msg = "Auto-recharge is on: when your available balance falls below " + FormatMoney(f.Below, f.Currency) +
				", " + FormatMoney(f.Amount, f.Currency) + " is charged to your default card."
		case "recharge-off":
			in, msg = rechargeOff(), "Auto-recharge is off."
		case "alert":
			var f alertForm
			f, bad = parseAlertForm(q.r)
			in = f.Request()
			msg = "Alert set: you are told when your available balance falls below " + FormatMoney(f.Below, f.Currency) + "."
		case "alert-off":
			in, msg = alertOff(), "Low-balance alert is off."
		}
		form := strings.TrimSuffix(setting, "-off")
		if len(bad) > 0 {
			c.wallet(q, invalid(q, form, bad))
			return
		}
		if _, err := q.api.UpdateAdvertiser(q.r.Context(), id, in); err != nil {
			fs, status, ok := refusal(q, form, err)
			if !ok {
				c.fail(q.w, q.r, err)
				return
			}
			if _, noCard := fs.Fields["autoRecharge"]; noCard {
				// The API names the setting as a whole: it needs a card.
				delete(fs.Fields, "autoRecharge")
				fs.Error = "Auto-recharge needs a saved card: add a card first, under Cards."
			}
			fs.status = status
			c.wallet(q, fs)
			return
		}
		c.done(q.w, q.r, walletPath("advertisers", id, ""), msg)
	}
}

// refund sends unspent funds back to the cards they came from; the
// wallet then says what became of it.
func (c *Console) refund(q *req) {
	kind, id := q.r.PathValue("kind"), q.r.PathValue("id")
	if !accountKind(kind) {
		c.refuse(q.w, q.r, http.StatusNotFound, "There is no such page.")
		return
	}
	f, bad := parseAmountForm(q.r)
	if len(bad) > 0 {
		c.wallet(q, invalid(q, "refund", bad))
		return
	}
	rfd, err := q.api.Refund(q.r.Context(), kind, id, f.Request(), q.r.PostForm.Get("idem"))
	if err != nil {
		c.again(q, "refund", err, c.wallet)
		return
	}
	http.Redirect(q.w, q.r, walletPath(kind, id, "refund="+url.QueryEscape(rfd.ID)), http.StatusSeeOther)
}

// inlineStyle finds a page's <style> elements.
var inlineStyle = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// receipt serves a paid deposit's printable receipt, which the API
// writes and gives only to a bearer of the person's token: a link to the
// API's own address would not open in a browser. Its styles are inline,
// so the page's policy lets in those styles and no other (by their
// hashes); nothing else of the console's policy changes. It gets the
// console's icon.
func (c *Console) receipt(q *req, _ *formState) {
	page, err := q.api.Receipt(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		var p *Problem
		if errors.As(err, &p) && p.Status == http.StatusConflict {
			c.refuse(q.w, q.r, http.StatusConflict, "A receipt is issued once the payment is received: this one has not been.")
			return
		}
		c.fail(q.w, q.r, err)
		return
	}
	if !bytes.Contains(page, []byte(`rel="icon"`)) {
		// The console's icon, or the browser asks the origin's root for one.
		page = bytes.Replace(page, []byte("<head>"), []byte(`<head><link rel="icon" href="/console/static/favicon.svg?v=`+c.version+`" type="image/svg+xml">`), 1)
	}
	h := q.w.Header()
	var hashes []string
	for _, m := range inlineStyle.FindAllSubmatch(page, 8) {
		sum := sha256.Sum256(m[1])
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	if len(hashes) > 0 {
		h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "style-src 'self'", "style-src 'self' "+strings.Join(hashes, " "), 1))
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Souq-Api-Calls", itoa(q.api.Calls()))
	q.w.WriteHeader(http.StatusOK)
	_, _ = q.w.Write(page)
}

// cardName is a card as people read it: "Visa •••• 4242".
func cardName(brand, last4 string) string {
	names := map[string]string{"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover",
		"diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay", "cartes_bancaires": "Cartes Bancaires"}
	name, ok := names[strings.ToLower(brand)]
	if !ok {
		name = humanize(brand)
	}
	if name == "" {
		name = "Card"
	}
	return name + " •••• " + last4
}

// depositStatus is a deposit's state in words.
func depositStatus(d Deposit) string {
	switch d.Status {
	case "succeeded":
		return "Paid"
	case "refunded":
		return "Refunded"
	case "partially_refunded":
		return "Partly refunded (" + FormatMoney(d.Refunded, d.Currency) + ")"
	case "disputed":
		return "Disputed by the card holder (" + FormatMoney(d.Disputed, d.Currency) + ")"
	case "pending":
		return "Waiting for payment on Stripe's page"
	case "processing":
		return "Waiting for Stripe to confirm"
	case "requires_action":
		return "Waiting for your bank's confirmation"
	case "failed":
		return "Failed"
	}
	return humanize(d.Status)
}

// refundLines say what became of a refund: refunded, in transit, back in
// the balance (with Stripe's reasons).
func refundLines(r Refund) []string {
	var out []string
	if r.Refunded > 0 {
		out = append(out, FormatMoney(r.Refunded, r.Currency)+" is refunded to your card.")
	}
	if r.InTransit > 0 {
		out = append(out, FormatMoney(r.InTransit, r.Currency)+" is on its way to your card (in transit): banks take 5 to 10 days to show it.")
	}
	if r.Returned > 0 {
		why := ""
		for _, p := range r.Pieces {
			if p.Status == "failed" && p.Reason != "" && !strings.Contains(why, p.Reason) {
				if why != "" {
					why += "; "
				}
				why += p.Reason
			}
		}
		line := FormatMoney(r.Returned, r.Currency) + " could not be refunded and is back in your available balance"
		if why != "" {
			line += " (" + why + ")"
		}
		out = append(out, line+".")
	}
	return out
}

// refundStatus is a refund's state in words.
func refundStatus(r Refund) string {
	switch r.Status {
	case "pending":
		return "in transit"
	case "succeeded":
		return "refunded"
	case "failed":
		return "returned to your balance"
	case "partially_succeeded":
		return "partly refunded"
	}
	return humanize(r.Status)
}
