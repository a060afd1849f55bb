package campaigns

import (
	"encoding/json"
	"testing"
)

// PATCH's dailyCap says three things: absent leaves the cap, null removes
// it, a money object is the new cap; anything else reaches the service
// without an amount, which names the field.
func TestUpdateBody_DailyCapIsAbsentNullOrMoney(t *testing.T) {
	for _, tc := range []struct {
		body       string
		wantNil    bool
		wantRemove bool
		wantAmount int64 // -1: no amount
	}{
		{`{}`, true, false, -1},
		{`{"dailyCap": null}`, false, true, -1},
		{`{"dailyCap": {"amount": 500, "currency": "USD"}}`, false, false, 500},
		{`{"dailyCap": {"currency": "USD"}}`, false, false, -1},
		{`{"dailyCap": "500"}`, false, false, -1},
		{`{"dailyCap": {"amount": 500, "currency": 5}}`, false, false, -1},
	} {
		var b updateBody
		if err := json.Unmarshal([]byte(tc.body), &b); err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		d := b.input().DailyCap
		switch {
		case tc.wantNil:
			if d != nil {
				t.Errorf("%s: %+v, want no change", tc.body, d)
			}
		case d == nil:
			t.Errorf("%s: no change, want one", tc.body)
		case d.Remove != tc.wantRemove:
			t.Errorf("%s: remove %v", tc.body, d.Remove)
		case tc.wantAmount < 0 && d.Cap.Amount != nil:
			t.Errorf("%s: amount %d, want none", tc.body, *d.Cap.Amount)
		case tc.wantAmount >= 0 && (d.Cap.Amount == nil || *d.Cap.Amount != tc.wantAmount || d.Cap.Currency != "USD"):
			t.Errorf("%s: cap %+v, want %d USD", tc.body, d.Cap, tc.wantAmount)
		}
	}
}
