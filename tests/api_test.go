package tests

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	r := expect(t, do(t, call{method: "GET", path: "/healthz"}), 200)
	if got := decode[map[string]string](t, r)["status"]; got != "ok" {
		t.Fatalf("status = %q", got)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Fatal("no request id")
	}
}

func TestRouting_UnknownPathIs404AndWrongMethodIs405(t *testing.T) {
	t.Parallel()
	expect(t, do(t, call{method: "GET", path: "/v1/nothing-here"}), 404)
	expect(t, do(t, call{method: "PUT", path: "/v1/communities/" + demo.CommunityID, auth: demo.Users["owner"].Token}), 405)
	expect(t, do(t, call{method: "GET", path: "/local/nothing"}), 404)
}

// Bad input is always a 4xx problem naming what is wrong, and creates
// nothing.
func TestValidation_BadBodiesAre4xxWithFieldErrors(t *testing.T) {
	t.Parallel()
	uid, token := newUser(t)
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"empty body", ``, 400, ""},
		{"not JSON", `name=x`, 400, ""},
		{"truncated JSON", `{"name":"x"`, 400, ""},
		{"array instead of object", `[1,2]`, 400, ""},
		{"two objects", `{"name":"a","url":"https://a.example","currency":"USD"}{}`, 400, ""},
		{"unknown field", `{"name":"a","url":"https://a.example","currency":"USD","owner":"usr_x"}`, 400, "owner"},
		{"wrong type", `{"name":42,"url":"https://a.example","currency":"USD"}`, 400, "name"},
		{"missing fields", `{}`, 400, "name"},
		{"blank name", `{"name":"  ","url":"https://a.example","currency":"USD"}`, 400, "name"},
		{"too long name", `{"name":"` + strings.Repeat("n", 101) + `","url":"https://a.example","currency":"USD"}`, 400, "name"},
		{"bad url", `{"name":"a","url":"javascript:alert(1)","currency":"USD"}`, 400, "url"},
		{"url with credentials", `{"name":"a","url":"https://u:p@a.example","currency":"USD"}`, 400, "url"},
		{"lower-case currency", `{"name":"a","url":"https://a.example","currency":"usd"}`, 400, "currency"},
		{"unknown currency", `{"name":"a","url":"https://a.example","currency":"XXX"}`, 400, "currency"},
		{"null everywhere", `{"name":null,"url":null,"currency":null}`, 400, "name"},
		{"oversized body", big(70 << 10), 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := expect(t, do(t, call{method: "POST", path: "/v1/communities", auth: token, body: c.body}), c.status)
			if c.field != "" {
				found := false
				for _, e := range r.problem.Errors {
					found = found || (e.Field == c.field && e.Message != "")
				}
				if !found {
					t.Fatalf("no field error for %q: %s", c.field, r.body)
				}
			}
		})
	}
	me := decode[struct{ Communities []any }](t, expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 200))
	if len(me.Communities) != 0 {
		t.Fatalf("%s: bad requests created %d communities", uid, len(me.Communities))
	}
}

func TestValidation_NonJSONContentTypeIs415(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"a","currency":"USD"}`,
		headers: map[string]string{"Content-Type": "text/plain"}}), 415)
}

func TestPagination_BadLimitOrCursorIs400(t *testing.T) {
	t.Parallel()
	owner := demo.Users["owner"].Token
	for _, q := range []string{"limit=0", "limit=101", "limit=ten", "cursor=%%%", "cursor=eyJwayI6WyJTIiwiQ09NI290aGVyIl19"} {
		expect(t, do(t, call{method: "GET", path: "/v1/communities/" + demo.CommunityID + "/api-keys?" + q, auth: owner}), 400)
	}
}

// A principal may act only on what it owns; anything else is 404, the same
// answer as for an id that does not exist.
func TestOwnership_WrongOwnerIs404(t *testing.T) {
	t.Parallel()
	_, mallory := newUser(t)
	com := demo.CommunityID
	adv := demo.AdvertiserID
	for _, c := range []call{
		{method: "GET", path: "/v1/communities/" + com, auth: mallory},
		{method: "GET", path: "/v1/advertisers/" + adv, auth: mallory},
		{method: "POST", path: "/v1/communities/" + com + "/api-keys", auth: mallory, body: `{"name":"steal"}`},
		{method: "GET", path: "/v1/communities/" + com + "/api-keys", auth: mallory},
		{method: "GET", path: "/v1/advertisers/" + adv + "/api-keys", auth: mallory},
		{method: "DELETE", path: "/v1/advertisers/" + adv + "/api-keys/key_01abc", auth: mallory},
		// one account's API key cannot read another account
		{method: "GET", path: "/v1/advertisers/" + adv, auth: demo.APIKeys["community"]},
		{method: "GET", path: "/v1/communities/" + com, auth: demo.APIKeys["advertiser"]},
		// ids that do not exist or are malformed look the same
		{method: "GET", path: "/v1/communities/com_doesnotexist", auth: mallory},
		{method: "GET", path: "/v1/communities/adv_wrongprefix", auth: mallory},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := expect(t, do(t, c), 404)
			if strings.Contains(string(r.body), "usr_demo") {
				t.Fatal("a 404 leaked the owner")
			}
		})
	}
	// The owner's keys are untouched.
	list := decode[struct{ Data []apiKey }](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + com + "/api-keys", auth: demo.Users["owner"].Token}), 200))
	for _, k := range list.Data {
		if k.RevokedAt != nil {
			t.Fatalf("key %s was revoked by someone else", k.ID)
		}
	}
}

func TestAccounts_CreateReadListAndKeys(t *testing.T) {
	t.Parallel()
	uid, token := newUser(t)
	c := createCommunity(t, token)
	if c.OwnerID != uid || c.Currency != "EUR" || !strings.HasPrefix(c.ID, "com_") {
		t.Fatalf("community = %+v", c)
	}
	got := decode[community](t, expect(t, do(t, call{method: "GET", path: "/v1/communities/" + c.ID, auth: token}), 200))
	if got != c {
		t.Fatalf("read %+v, created %+v", got, c)
	}
	adv := createAdvertiser(t, token)
	me := decode[struct {
		UserID      string
		Communities []struct{ ID string }
		Advertisers []struct{ ID string }
	}](t, expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 200))
	if me.UserID != uid || len(me.Communities) != 1 || me.Communities[0].ID != c.ID || len(me.Advertisers) != 1 || me.Advertisers[0].ID != adv {
		t.Fatalf("me = %+v", me)
	}

	k := createKey(t, token, "/v1/communities/"+c.ID)
	if !strings.HasPrefix(k.Secret, "sk_test_") || len(k.Secret) != len("sk_test_")+52 || !strings.HasPrefix(k.Secret, k.Prefix) {
		t.Fatalf("key = %+v", k)
	}
	// The community's key reads its own community.
	expect(t, do(t, call{method: "GET", path: "/v1/communities/" + c.ID, auth: k.Secret}), 200)
	// Lists show the prefix, never the secret.
	r := expect(t, do(t, call{method: "GET", path: "/v1/communities/" + c.ID + "/api-keys", auth: token}), 200)
	if strings.Contains(string(r.body), k.Secret) || strings.Contains(string(r.body), "secret") {
		t.Fatalf("list leaks the secret: %s", r.body)
	}
	if countEventsFor(t, "CommunityCreated", "communityId", c.ID) != 1 || countEventsFor(t, "APIKeyCreated", "keyId", k.ID) != 1 {
		t.Fatal("each create publishes its event exactly once")
	}
}

func TestAPIKeys_ListPagesNewestFirst(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	adv := createAdvertiser(t, token)
	var made []string
	for i := 0; i < 5; i++ {
		made = append(made, createKey(t, token, "/v1/advertisers/"+adv).ID)
	}
	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		path := "/v1/advertisers/" + adv + "/api-keys?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		l := decode[struct {
			Data       []apiKey
			NextCursor string
		}](t, expect(t, do(t, call{method: "GET", path: path, auth: token}), 200))
		for _, k := range l.Data {
			seen = append(seen, k.ID)
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	if len(seen) != 5 || seen[0] != made[4] || seen[4] != made[0] {
		t.Fatalf("pages gave %v, made %v", seen, made)
	}
}

// Twenty-five active keys at most, even when forty are requested at once:
// every request is created (201) or refused (409), what was created is
// exactly what is listed, and the limit is reachable but never passed.
func TestAPIKeys_LimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	_, token := newUser(t)
	adv := createAdvertiser(t, token)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: "/v1/advertisers/" + adv + "/api-keys", auth: token, body: `{"name":"k"}`})
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	list := func() int {
		l := decode[struct{ Data []apiKey }](t, expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + adv + "/api-keys?limit=100", auth: token}), 200))
		return len(l.Data)
	}
	if n := list(); statuses[201]+statuses[409] != 40 || n != statuses[201] || n > 25 || n == 0 {
		t.Fatalf("statuses %v, %d keys listed", statuses, n)
	}
	// Fill up one by one: the 25th succeeds, the 26th is refused.
	for list() < 25 {
		expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + adv + "/api-keys", auth: token, body: `{"name":"k"}`}), 201)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + adv + "/api-keys", auth: token, body: `{"name":"k"}`}), 409)
	if n := list(); n != 25 {
		t.Fatalf("%d keys, want 25", n)
	}
}

// The same Idempotency-Key and body replays the first response; a different
// body is 422; concurrent duplicates create exactly one object.
func TestIdempotency_ReplayMismatchAndConcurrency(t *testing.T) {
	t.Parallel()
	uid, token := newUser(t)
	body := `{"name":"Replay Co","currency":"USD"}`
	first := expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: body, headers: map[string]string{"Idempotency-Key": "create-1"}}), 201)
	again := expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: body, headers: map[string]string{"Idempotency-Key": "create-1"}}), 201)
	if string(first.body) != string(again.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs:\n%s\n%s", first.body, again.body)
	}
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"Other","currency":"USD"}`, headers: map[string]string{"Idempotency-Key": "create-1"}}), 422)
	// Another user's identical key is its own.
	_, other := newUser(t)
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: other, body: body, headers: map[string]string{"Idempotency-Key": "create-1"}}), 201)
	// A malformed key is refused.
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: body, headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 256)}}), 400)

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	ids := map[string]bool{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: `{"name":"Race","currency":"USD"}`, headers: map[string]string{"Idempotency-Key": "race"}})
			mu.Lock()
			defer mu.Unlock()
			codes[r.status]++
			if r.status == 201 {
				ids[decode[struct{ ID string }](t, r).ID] = true
			}
		}()
	}
	wg.Wait()
	if len(ids) != 1 || codes[201]+codes[409] != 10 {
		t.Fatalf("codes %v, ids %v: want one advertiser, replays or 409s", codes, ids)
	}
	me := decode[struct{ Advertisers []struct{ ID, Name string } }](t, expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 200))
	n := 0
	for _, a := range me.Advertisers {
		if a.Name == "Race" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%s owns %d 'Race' advertisers, want 1", uid, n)
	}
	// Oversized bodies do not occupy the key.
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: big(70 << 10), headers: map[string]string{"Idempotency-Key": "big"}}), 413)
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: token, body: body, headers: map[string]string{"Idempotency-Key": "big"}}), 201)
}

// An event written in a transaction reaches the bus exactly once, with the
// envelope and the meta every consumer relies on.
func TestOutbox_EventReachesTheBusExactlyOnce(t *testing.T) {
	t.Parallel()
	uid, token := newUser(t)
	adv := createAdvertiser(t, token)
	var found []map[string]any
	for _, e := range events(t, "AdvertiserCreated") {
		if d := e["detail"].(map[string]any); d["advertiserId"] == adv {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("AdvertiserCreated for %s published %d times, want 1", adv, len(found))
	}
	e := found[0]
	d := e["detail"].(map[string]any)
	if e["source"] != "souq.accounts" || d["ownerId"] != uid || d["schemaVersion"] != float64(1) ||
		!strings.HasPrefix(fmt.Sprint(d["eventId"]), "evt_") || d["occurredAt"] == "" || d["currency"] != "USD" {
		t.Fatalf("event = %v", e)
	}
	// Refused requests publish nothing: a fresh owner whose every create
	// was refused has no event.
	loser, loserToken := newUser(t)
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: loserToken, body: `{"name":"","currency":"USD"}`}), 400)
	expect(t, do(t, call{method: "POST", path: "/v1/advertisers", auth: loserToken, body: `{"name":"x","currency":"ZZZ"}`}), 400)
	if n := countEventsFor(t, "AdvertiserCreated", "ownerId", loser); n != 0 {
		t.Fatalf("refused requests published %d events", n)
	}
	if dl := decode[struct{ Data []any }](t, expect(t, do(t, call{method: "GET", path: "/local/dead-letters"}), 200)); len(dl.Data) != 0 {
		t.Fatalf("dead letters: %v", dl.Data)
	}
}

// The local gateway routes as API Gateway does, on the raw path: a
// trailing or doubled slash, or an encoded slash inside a parameter,
// reaches no handler.
func TestGateway_RoutesOnTheRawPath(t *testing.T) {
	t.Parallel()
	token := demo.Users["owner"].Token
	expect(t, do(t, call{method: "GET", path: "/v1/me", auth: token}), 200)
	for _, path := range []string{"/v1/me/", "//v1/me", "/v1//me", "/v1/communities/" + demo.CommunityID + "%2Fslots", "/v1/communities/%2F" + demo.CommunityID} {
		if r := do(t, call{method: "GET", path: path, auth: token}); r.status != 404 || r.problem.Status != 404 {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
}
