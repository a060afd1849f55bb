package tests

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"
)

// A cursor continues the list and filters it was made for. Sent with other
// filters, edited, or forged with the caller's own partition, it is a 400
// naming the cursor, never a 500, and never another owner's items.
func TestCursors_ACursorThatDoesNotFitIs400(t *testing.T) {
	t.Parallel()
	token, adv := newFundedAdvertiser(t)
	for i := 0; i < 3; i++ {
		expect(t, do(t, depositCall(token, adv+"/deposits", fmt.Sprintf("c-%d", i), `{"amount":1000,"currency":"USD"}`)), 201)
	}
	advID := adv[len("/v1/advertisers/"):]
	statement := "/v1/ledger/statement?accountId=" + advID + "&limit=1"
	page := decode[struct {
		Data       []map[string]any
		NextCursor string
	}](t, expect(t, do(t, call{method: "GET", path: statement, auth: token}), 200))
	if len(page.Data) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	next := expect(t, do(t, call{method: "GET", path: statement + "&cursor=" + url.QueryEscape(page.NextCursor), auth: token}), 200)
	if n := len(decode[struct{ Data []map[string]any }](t, next).Data); n != 1 {
		t.Fatalf("second page has %d postings", n)
	}
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"k":{"pk":["S","A#advertiser:` + advID + `#USD#-"],"sk":["S","A"]},"q":"x"}`))
	for name, path := range map[string]string{
		"the cursor with another from": statement + "&from=2020-01-01T00:00:00Z&cursor=" + url.QueryEscape(page.NextCursor),
		"the cursor with a to":         statement + "&to=2099-01-01T00:00:00Z&cursor=" + url.QueryEscape(page.NextCursor),
		"a forged cursor":              statement + "&cursor=" + forged,
		"not a cursor":                 statement + "&cursor=%25%25",
		"an auction list's cursor":     "/v1/auctions?status=open&cursor=" + url.QueryEscape(page.NextCursor),
	} {
		r := expect(t, do(t, call{method: "GET", path: path, auth: token}), 400)
		if !hasFieldError(r, "cursor") {
			t.Errorf("%s: %s", name, r.body)
		}
	}
}
