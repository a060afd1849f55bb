package stripelocal

type sessionJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Mode              string            `json:"mode"`
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"payment_status"`
	URL               opt               `json:"url"`
	Customer          any               `json:"customer"`
	ClientReferenceID opt               `json:"client_reference_id"`
	SuccessURL        opt               `json:"success_url"`
	CancelURL         opt               `json:"cancel_url"`
	AmountSubtotal    *int64            `json:"amount_subtotal"`
	AmountTotal       *int64            `json:"amount_total"`
	Currency          opt               `json:"currency"`
	PaymentIntent     any               `json:"payment_intent"`
	SetupIntent       any               `json:"setup_intent"`
	PaymentMethodType []string          `json:"payment_method_types"`
	UIMode            string            `json:"ui_mode"`
	Metadata          map[string]string `json:"metadata"`
	Created           int64             `json:"created"`
	ExpiresAt         int64             `json:"expires_at"`
	Livemode          bool              `json:"livemode"`
}

func (st *state) renderSession(s *session, exp expansion) any {
	out := sessionJSON{ID: s.ID, Object: "checkout.session", Mode: s.Mode, Status: s.Status, PaymentStatus: s.PaymentStatus,
		Customer:          ref(s.Customer, exp.has("customer"), func() any { return st.renderCustomerID(s.Customer, exp.sub("customer")) }),
		ClientReferenceID: opt(s.ClientReferenceID), SuccessURL: opt(s.SuccessURL), CancelURL: opt(s.CancelURL),
		Currency: opt(s.Currency), PaymentMethodType: []string{"card"}, UIMode: "hosted", Metadata: copyMeta(s.Metadata),
		Created: s.Created, ExpiresAt: s.Expires}
	if s.Status == sessionOpen {
		// Stripe shows the page's URL only while the session can be paid.
		out.URL = opt(st.checkoutURL(s.ID))
	}
	if s.Mode == modePayment {
		total := s.AmountTotal
		out.AmountSubtotal, out.AmountTotal = &total, &total
	}
	out.PaymentIntent = ref(s.PaymentIntent, exp.has("payment_intent"), func() any {
		return st.renderIntent(st.intents[s.PaymentIntent], exp.sub("payment_intent"))
	})
	out.SetupIntent = ref(s.SetupIntent, exp.has("setup_intent"), func() any {
		return st.renderSetup(st.setups[s.SetupIntent], exp.sub("setup_intent"))
	})
	return out
}

type setupIntentJSON struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Customer           any               `json:"customer"`
	PaymentMethod      any               `json:"payment_method"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	Status             string            `json:"status"`
	Usage              string            `json:"usage"`
	LastSetupError     *apiError         `json:"last_setup_error"`
	ClientSecret       string            `json:"client_secret"`
	Metadata           map[string]string `json:"metadata"`
	Created            int64             `json:"created"`
	Livemode           bool              `json:"livemode"`
}

func (st *state) renderSetup(si *setupIntent, exp expansion) any {
	out := setupIntentJSON{ID: si.ID, Object: "setup_intent", PaymentMethodTypes: []string{"card"}, Status: si.Status,
		Usage: "off_session", LastSetupError: si.LastError, ClientSecret: si.ID + "_secret_local", Metadata: copyMeta(si.Metadata), Created: si.Created}
	out.Customer = ref(si.Customer, exp.has("customer"), func() any { return st.renderCustomerID(si.Customer, exp.sub("customer")) })
	out.PaymentMethod = ref(si.PaymentMethod, exp.has("payment_method"), func() any { return st.renderMethodID(si.PaymentMethod) })
	return out
}

type disputeJSON struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	Charge             string            `json:"charge"`
	PaymentIntent      opt               `json:"payment_intent"`
	Currency           string            `json:"currency"`
	Status             string            `json:"status"`
	Reason             string            `json:"reason"`
	IsChargeRefundable bool              `json:"is_charge_refundable"`
	Metadata           map[string]string `json:"metadata"`
	Created            int64             `json:"created"`
	Livemode           bool              `json:"livemode"`
}

func renderDispute(d *dispute) any {
	return disputeJSON{ID: d.ID, Object: "dispute", Amount: d.Amount, Charge: d.Charge, PaymentIntent: opt(d.PaymentIntent),
		Currency: d.Currency, Status: d.Status, Reason: d.Reason, Metadata: map[string]string{}, Created: d.Created}
}

type requirementsJSON struct {
	CurrentlyDue        []string `json:"currently_due"`
	EventuallyDue       []string `json:"eventually_due"`
	PastDue             []string `json:"past_due"`
	PendingVerification []string `json:"pending_verification"`
	Errors              []any    `json:"errors"`
	DisabledReason      opt      `json:"disabled_reason"`
	CurrentDeadline     *int64   `json:"current_deadline"`
}

type accountJSON struct {
	ID               string            `json:"id"`
	Object           string            `json:"object"`
	Type             string            `json:"type"`
	Country          string            `json:"country"`
	Email            opt               `json:"email"`
	DefaultCurrency  string            `json:"default_currency"`
	ChargesEnabled   bool              `json:"charges_enabled"`
	PayoutsEnabled   bool              `json:"payouts_enabled"`
	DetailsSubmitted bool              `json:"details_submitted"`
	Capabilities     map[string]string `json:"capabilities"`
	Requirements     requirementsJSON  `json:"requirements"`
	Metadata         map[string]string `json:"metadata"`
	Created          int64             `json:"created"`
}

func renderAccount(a *account) any {
	due := append([]string{}, a.CurrentlyDue...)
	req := requirementsJSON{CurrentlyDue: due, EventuallyDue: due, PastDue: []string{}, PendingVerification: []string{}, Errors: []any{}}
	transfers := "active"
	if !a.PayoutsEnabled {
		// As Stripe shows a new Express account: what is due is past due,
		// and that is why payouts are off.
		transfers = "inactive"
		req.PastDue = append([]string{}, due...)
		req.DisabledReason = "requirements.past_due"
	}
	return accountJSON{ID: a.ID, Object: "account", Type: a.Type, Country: a.Country, Email: opt(a.Email), DefaultCurrency: "usd",
		ChargesEnabled: a.PayoutsEnabled, PayoutsEnabled: a.PayoutsEnabled, DetailsSubmitted: a.DetailsSubmitted,
		Capabilities: map[string]string{"transfers": transfers}, Requirements: req, Metadata: copyMeta(a.Metadata), Created: a.Created}
}

type transferJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Amount         int64             `json:"amount"`
	AmountReversed int64             `json:"amount_reversed"`
	Currency       string            `json:"currency"`
	Destination    string            `json:"destination"`
	TransferGroup  opt               `json:"transfer_group"`
	Description    opt               `json:"description"`
	Reversed       bool              `json:"reversed"`
	Reversals      listJSON          `json:"reversals"`
	SourceType     string            `json:"source_type"`
	Metadata       map[string]string `json:"metadata"`
	Created        int64             `json:"created"`
	Livemode       bool              `json:"livemode"`
}

func renderTransfer(t *transfer) any {
	return transferJSON{ID: t.ID, Object: "transfer", Amount: t.Amount, Currency: t.Currency, Destination: t.Destination,
		TransferGroup: opt(t.TransferGroup), Description: opt(t.Description), Reversals: list("/v1/transfers/"+t.ID+"/reversals", nil, false),
		SourceType: "card", Metadata: copyMeta(t.Metadata), Created: t.Created}
}
