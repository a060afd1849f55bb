package stripelocal

import "encoding/json"

// The JSON shapes below are Stripe's (the fields stripe-go v83's types
// read, with Stripe's names); expandable fields are an id string, or the
// object when expand[] asks for it. Renderers run under Server.mu.

// opt is a string Stripe sends as null when it is unset.
type opt string

func (s opt) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// ref is an expandable field: null, an id, or the object.
func ref(id string, expand bool, render func() any) any {
	switch {
	case id == "":
		return nil
	case expand && render != nil:
		return render()
	}
	return id
}

type listJSON struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

func list(url string, data []any, more bool) listJSON {
	if data == nil {
		data = []any{}
	}
	return listJSON{Object: "list", Data: data, HasMore: more, URL: url}
}

type customerJSON struct {
	ID              string            `json:"id"`
	Object          string            `json:"object"`
	Created         int64             `json:"created"`
	Livemode        bool              `json:"livemode"`
	Name            opt               `json:"name"`
	Email           opt               `json:"email"`
	Description     opt               `json:"description"`
	Balance         int64             `json:"balance"`
	Delinquent      bool              `json:"delinquent"`
	Metadata        map[string]string `json:"metadata"`
	InvoiceSettings struct {
		DefaultPaymentMethod any `json:"default_payment_method"`
	} `json:"invoice_settings"`
}

func (st *state) renderCustomer(c *customer, exp expansion) any {
	out := customerJSON{ID: c.ID, Object: "customer", Created: c.Created, Name: opt(c.Name), Email: opt(c.Email),
		Description: opt(c.Description), Metadata: copyMeta(c.Metadata)}
	out.InvoiceSettings.DefaultPaymentMethod = ref(c.DefaultMethod, exp.has("invoice_settings.default_payment_method"), func() any {
		return st.renderMethodID(c.DefaultMethod)
	})
	return out
}

type cardJSON struct {
	Brand        string `json:"brand"`
	DisplayBrand string `json:"display_brand"`
	Last4        string `json:"last4"`
	ExpMonth     int64  `json:"exp_month"`
	ExpYear      int64  `json:"exp_year"`
	Country      string `json:"country"`
	Funding      string `json:"funding"`
	Fingerprint  string `json:"fingerprint"`
}

func renderCard(c testCard, month, year int64) cardJSON {
	return cardJSON{Brand: c.Brand, DisplayBrand: c.Brand, Last4: c.Last4(), ExpMonth: month, ExpYear: year,
		Country: "US", Funding: "credit", Fingerprint: "fp" + c.Number}
}

type paymentMethodJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	Type           string            `json:"type"`
	Created        int64             `json:"created"`
	Livemode       bool              `json:"livemode"`
	Customer       any               `json:"customer"`
	AllowRedisplay string            `json:"allow_redisplay"`
	Metadata       map[string]string `json:"metadata"`
	Card           cardJSON          `json:"card"`
}

func renderMethod(m *paymentMethod) any {
	return paymentMethodJSON{ID: m.ID, Object: "payment_method", Type: "card", Created: m.Created, Customer: ref(m.Customer, false, nil),
		AllowRedisplay: "unspecified", Metadata: map[string]string{}, Card: renderCard(m.Card, m.ExpMonth, m.ExpYear)}
}

// renderMethodID renders a stored card, or a pm_card_* token as Stripe
// shows one (an unattached card).
func (st *state) renderMethodID(id string) any {
	if m := st.method(id); m != nil {
		return renderMethod(m)
	}
	return id
}

type paymentIntentJSON struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amount_capturable"`
	AmountReceived     int64             `json:"amount_received"`
	Currency           string            `json:"currency"`
	Customer           any               `json:"customer"`
	Description        opt               `json:"description"`
	Status             string            `json:"status"`
	PaymentMethod      any               `json:"payment_method"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	LatestCharge       any               `json:"latest_charge"`
	LastPaymentError   *apiError         `json:"last_payment_error"`
	NextAction         any               `json:"next_action"`
	SetupFutureUsage   opt               `json:"setup_future_usage"`
	CaptureMethod      string            `json:"capture_method"`
	ConfirmationMethod string            `json:"confirmation_method"`
	ClientSecret       string            `json:"client_secret"`
	Metadata           map[string]string `json:"metadata"`
	Created            int64             `json:"created"`
	Livemode           bool              `json:"livemode"`
}

func (st *state) renderIntent(pi *paymentIntent, exp expansion) any {
	out := paymentIntentJSON{ID: pi.ID, Object: "payment_intent", Amount: pi.Amount, AmountReceived: pi.AmountReceived,
		Currency: pi.Currency, Description: opt(pi.Description), Status: pi.Status, PaymentMethodTypes: []string{"card"},
		SetupFutureUsage: opt(pi.SetupFutureUsage), CaptureMethod: "automatic", ConfirmationMethod: "automatic",
		ClientSecret: pi.ID + "_secret_local", Metadata: copyMeta(pi.Metadata), Created: pi.Created, LastPaymentError: pi.LastError}
	out.Customer = ref(pi.Customer, exp.has("customer"), func() any { return st.renderCustomerID(pi.Customer, exp.sub("customer")) })
	out.PaymentMethod = ref(pi.PaymentMethod, exp.has("payment_method"), func() any { return st.renderMethodID(pi.PaymentMethod) })
	out.LatestCharge = ref(pi.LatestCharge, exp.has("latest_charge"), func() any {
		return st.renderCharge(st.charges[pi.LatestCharge], exp.sub("latest_charge"))
	})
	if pi.Status == piRequiresAction {
		out.NextAction = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
	}
	return out
}

func (st *state) renderCustomerID(id string, exp expansion) any {
	if c := st.customers[id]; c != nil {
		return st.renderCustomer(c, exp)
	}
	return id
}

type chargeJSON struct {
	ID                   string            `json:"id"`
	Object               string            `json:"object"`
	Amount               int64             `json:"amount"`
	AmountCaptured       int64             `json:"amount_captured"`
	AmountRefunded       int64             `json:"amount_refunded"`
	Captured             bool              `json:"captured"`
	Paid                 bool              `json:"paid"`
	Refunded             bool              `json:"refunded"`
	Disputed             bool              `json:"disputed"`
	Currency             string            `json:"currency"`
	Customer             any               `json:"customer"`
	Description          opt               `json:"description"`
	PaymentIntent        any               `json:"payment_intent"`
	PaymentMethod        opt               `json:"payment_method"`
	PaymentMethodDetails any               `json:"payment_method_details"`
	Status               string            `json:"status"`
	Refunds              listJSON          `json:"refunds"`
	Metadata             map[string]string `json:"metadata"`
	Created              int64             `json:"created"`
	Livemode             bool              `json:"livemode"`
}

func (st *state) renderCharge(c *charge, exp expansion) any {
	if c == nil {
		return nil
	}
	out := chargeJSON{ID: c.ID, Object: "charge", Amount: c.Amount, AmountCaptured: c.Amount, AmountRefunded: c.AmountRefunded,
		Captured: true, Paid: true, Refunded: c.AmountRefunded >= c.Amount, Disputed: c.Disputed, Currency: c.Currency,
		Customer: ref(c.Customer, false, nil), Description: opt(c.Description), PaymentMethod: opt(c.PaymentMethod),
		Status: "succeeded", Metadata: copyMeta(c.Metadata), Created: c.Created}
	out.PaymentIntent = ref(c.PaymentIntent, exp.has("payment_intent"), func() any {
		return st.renderIntent(st.intents[c.PaymentIntent], exp.sub("payment_intent"))
	})
	out.PaymentMethodDetails = map[string]any{"type": "card", "card": renderCard(c.Card, c.ExpMonth, c.ExpYear)}
	var refunds []any
	for i := len(c.Refunds) - 1; i >= 0; i-- {
		refunds = append(refunds, renderRefund(st.refunds[c.Refunds[i]]))
	}
	out.Refunds = list("/v1/charges/"+c.ID+"/refunds", refunds, false)
	return out
}

type refundJSON struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        string            `json:"charge"`
	PaymentIntent opt               `json:"payment_intent"`
	Currency      string            `json:"currency"`
	Status        string            `json:"status"`
	Reason        opt               `json:"reason"`
	Metadata      map[string]string `json:"metadata"`
	Created       int64             `json:"created"`
}

func renderRefund(r *refund) any {
	return refundJSON{ID: r.ID, Object: "refund", Amount: r.Amount, Charge: r.Charge, PaymentIntent: opt(r.PaymentIntent),
		Currency: r.Currency, Status: r.Status, Reason: opt(r.Reason), Metadata: copyMeta(r.Metadata), Created: r.Created}
}
