package console

import (
	"encoding/json"
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
