package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// The typed requests send what the console's maps sent: a field left out
// stays out, a PATCH's removal is null, a zero that was typed is sent.
func TestRequests_Wire(t *testing.T) {
	zero := 0
	var none int64
	eur := Money{Amount: 500, Currency: "EUR"}
	end := "2030-01-31T00:00:00Z"
	for _, c := range []struct {
		in   any
		want string
	}{
		{EmptyRequest{}, `{}`},
		{UpdateCampaignRequest{}, `{}`},
		{UpdateCampaignRequest{DailyCap: Null[Money]()}, `{"dailyCap":null}`},
		{UpdateCampaignRequest{Bid: &eur, DailyCap: Some(eur), End: &end}, `{"bid":{"amount":500,"currency":"EUR"},"dailyCap":{"amount":500,"currency":"EUR"},"end":"2030-01-31T00:00:00Z"}`},
		{ProposeRequest{Amount: &none}, `{"amount":0}`},
		{ApproveRequest{}, `{}`},
		{DealDecisionRequest{}, `{}`},
		{UpdateOfferingRequest{}, `{}`},
		{UpdateOfferingRequest{BlockDates: []string{"2030-01-01"}}, `{"blockDates":["2030-01-01"]}`},
		{CreateOfferingRequest{CapacityPerDate: &zero, Currency: "EUR"}, `{"amount":0,"capacityPerDate":0,"currency":"EUR","format":"","reviewDays":0,"title":""}`},
		{UpdateSlotRequest{Reserve: &eur}, `{"reserve":{"amount":500,"currency":"EUR"}}`},
		{UpdateCommunityRequest{AllowedDomains: []string{}}, `{"allowedDomains":[]}`},
		{CreateWebhookRequest{URL: "https://x.example", Events: []string{}}, `{"events":[],"url":"https://x.example"}`},
		{BookRequest{Content: Content{Title: " t", Body: "b"}}, `{"advertiserId":"","content":{"title":" t","body":"b"},"desiredDate":""}`},
		{DepositRequest{Amount: 5000, Currency: "EUR"}, `{"amount":5000,"currency":"EUR"}`},
		{DepositRequest{Amount: 5000, Currency: "EUR", Method: "checkout"}, `{"amount":5000,"currency":"EUR","method":"checkout"}`},
		{UpdateAdvertiserRequest{}, `{}`},
		{rechargeOff(), `{"autoRecharge":null}`},
		{alertOff(), `{"lowBalanceAlert":null}`},
		{rechargeForm{Currency: "JPY", Below: 1000, Amount: 5000}.Request(), `{"autoRecharge":{"below":{"amount":1000,"currency":"JPY"},"amount":{"amount":5000,"currency":"JPY"}}}`},
		{alertForm{Currency: "EUR", Below: 0}.Request(), `{"lowBalanceAlert":{"below":{"amount":0,"currency":"EUR"}}}`},
	} {
		b, err := json.Marshal(c.in)
		if err != nil {
			t.Fatalf("%T: %v", c.in, err)
		}
		if string(b) != c.want {
			t.Errorf("%T = %s, want %s", c.in, b, c.want)
		}
	}
}

// The wallet's forms read amounts as people type them, name what they
// cannot read by its field, and send a method only when one is chosen.
func TestWalletForms_Parse(t *testing.T) {
	form := func(kv ...string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.PostForm = url.Values{}
		for i := 0; i < len(kv); i += 2 {
			r.PostForm.Set(kv[i], kv[i+1])
		}
		return r
	}
	d, bad := parseDepositForm(form("currency", "EUR", "amount", "€1,000.50", "method", "saved"))
	if len(bad) > 0 || d.Request() != (DepositRequest{Amount: 100050, Currency: "EUR", Method: "saved"}) {
		t.Errorf("deposit = %+v %v", d, bad)
	}
	if _, bad = parseDepositForm(form("currency", "JPY", "amount", "10.5", "method", "bitcoin")); bad["amount"] == "" || bad["method"] == "" {
		t.Errorf("a yen's decimals and an unknown method: %v", bad)
	}
	r, bad := parseRechargeForm(form("currency", "EUR", "autoRecharge.below", "10", "autoRecharge.amount", ""))
	if bad["autoRecharge.amount"] == "" || bad["autoRecharge.below"] != "" || r.Below != 1000 {
		t.Errorf("recharge = %+v %v", r, bad)
	}
	a, bad := parseAlertForm(form("currency", "EUR", "lowBalanceAlert.below", "20.5"))
	if len(bad) > 0 || a.Below != 2050 {
		t.Errorf("alert = %+v %v", a, bad)
	}
}
