package tests

import (
	"strings"
	"sync"
	"testing"
)

type slot struct {
	ID, CommunityID, Name, Format string
	Width, Height                 int
	Reserve                       struct {
		Amount   int64
		Currency string
	}
	Archived bool
}

// newCommunityForSlots creates a community and waits until the auctions
// context has heard of it (GET /local/events settles the outbox and bus).
func newCommunityForSlots(t *testing.T) (token, comID string) {
	t.Helper()
	_, token = newUser(t)
	comID = createCommunity(t, token).ID
	events(t, "CommunityCreated")
	return token, comID
}

func TestSlots_CreateReadListUpdateArchive(t *testing.T) {
	t.Parallel()
	token, com := newCommunityForSlots(t)
	body := `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":500,"currency":"EUR"}}`
	s := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: token, body: body}), 201))
	if !strings.HasPrefix(s.ID, "slot_") || s.CommunityID != com || s.Format != "second_price" || s.Reserve.Amount != 500 || s.Reserve.Currency != "EUR" || s.Archived {
		t.Fatalf("slot %+v", s)
	}
	got := decode[slot](t, expect(t, do(t, call{method: "GET", path: "/v1/slots/" + s.ID}), 200))
	if got != s {
		t.Fatalf("read %+v, created %+v", got, s)
	}
	second := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: token,
		body: `{"name":"Header","width":728,"height":90,"reserve":{"amount":0,"currency":"EUR"},"format":"first_price"}`}), 201))
	// The public list (eventually consistent index): both, newest first.
	var list []slot
	for i := 0; i < 50 && len(list) != 2; i++ {
		list = decode[struct{ Data []slot }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/slots"}), 200)).Data
	}
	if len(list) != 2 || list[0].ID != second.ID || list[1].ID != s.ID {
		t.Fatalf("list %+v", list)
	}
	up := decode[slot](t, expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{"reserve":{"amount":900,"currency":"EUR"},"format":"first_price"}`}), 200))
	if up.Reserve.Amount != 900 || up.Format != "first_price" {
		t.Fatalf("updated %+v", up)
	}
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{"reserve":{"amount":900,"currency":"USD"}}`}), 400)
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{"format":"dutch"}`}), 400)
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{}`}), 400)
	a := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + s.ID + "/archive", auth: token}), 200))
	if !a.Archived {
		t.Fatal("not archived")
	}
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + s.ID + "/archive", auth: token}), 200)
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{"format":"second_price"}`}), 409)
	for i := 0; i < 50; i++ {
		list = decode[struct{ Data []slot }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/slots"}), 200)).Data
		if len(list) == 1 {
			break
		}
	}
	if len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("archived slot still listed: %+v", list)
	}
}

func TestSlots_BadInputAndOwnership(t *testing.T) {
	t.Parallel()
	token, com := newCommunityForSlots(t)
	_, mallory := newUser(t)
	path := "/v1/communities/" + com + "/slots"
	for name, c := range map[string]struct {
		body, field string
	}{
		"tiny":             {`{"name":"x","width":1,"height":250,"reserve":{"amount":5,"currency":"EUR"}}`, "width"},
		"negative reserve": {`{"name":"x","width":300,"height":250,"reserve":{"amount":-5,"currency":"EUR"}}`, "reserve.amount"},
		"other currency":   {`{"name":"x","width":300,"height":250,"reserve":{"amount":5,"currency":"USD"}}`, "reserve.currency"},
		"bad format":       {`{"name":"x","width":300,"height":250,"reserve":{"amount":5,"currency":"EUR"},"format":"dutch"}`, "format"},
		"no reserve":       {`{"name":"x","width":300,"height":250}`, "reserve"},
		"fractional":       {`{"name":"x","width":300,"height":250,"reserve":{"amount":5.5,"currency":"EUR"}}`, "reserve.amount"},
		"unknown field":    {`{"name":"x","width":300,"height":250,"reserve":{"amount":5,"currency":"EUR"},"owner":"me"}`, "owner"},
	} {
		r := expect(t, do(t, call{method: "POST", path: path, auth: token, body: c.body}), 400)
		if !hasFieldError(r, c.field) {
			t.Errorf("%s: no error for %s: %s", name, c.field, r.body)
		}
	}
	good := `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":5,"currency":"EUR"}}`
	expect(t, do(t, call{method: "POST", path: path, auth: mallory, body: good}), 404)
	expect(t, do(t, call{method: "POST", path: path, auth: demo.APIKeys["community"], body: good}), 403)
	expect(t, do(t, call{method: "POST", path: path, body: good}), 401)
	s := decode[slot](t, expect(t, do(t, call{method: "POST", path: path, auth: token, body: good}), 201))
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: mallory, body: `{"format":"first_price"}`}), 404)
	expect(t, do(t, call{method: "POST", path: "/v1/slots/" + s.ID + "/archive", auth: mallory}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/slots/slot_nope"}), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/slots/com_wrongprefix"}), 404)
	if got := decode[slot](t, expect(t, do(t, call{method: "GET", path: "/v1/slots/" + s.ID}), 200)); got.Format != "second_price" || got.Archived {
		t.Fatalf("a stranger changed the slot: %+v", got)
	}
}

// Concurrent updates of one slot: each either applies or gets 409, never
// a silent overwrite.
func TestSlots_ConcurrentUpdatesNeverOverwriteSilently(t *testing.T) {
	t.Parallel()
	token, com := newCommunityForSlots(t)
	s := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: token,
		body: `{"name":"Sidebar","width":300,"height":250,"reserve":{"amount":5,"currency":"EUR"}}`}), 201))
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "PATCH", path: "/v1/slots/" + s.ID, auth: token, body: `{"reserve":{"amount":` + string(rune('1'+i%9)) + `00,"currency":"EUR"}}`})
			mu.Lock()
			codes[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] < 1 || codes[200]+codes[409] != 10 {
		t.Fatalf("codes %v", codes)
	}
}
