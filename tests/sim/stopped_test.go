package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A create whose function stops after any of its writes, asked again by
// the client with its key once the key's lease has run out, makes one
// object and holds its money once: a program (its budget), a campaign
// (its budget), a booking (its price) and an auction. Each is asked four
// times, stopped after its first, second, third and fourth write.
func TestSim_AStoppedCreateMakesOneObject(t *testing.T) {
	s := New(t, 1, 0)
	s.faults = Faults{}
	s.begin()
	defer s.end()
	s.newCommunity()
	s.newAdvertiser()
	if len(s.communities) != 1 || len(s.advertisers) != 1 {
		t.Fatalf("setting up: %v", s.lines)
	}
	c, a := s.communities[0], s.advertisers[0]
	s.deliverStripe(true)
	s.settle()
	for _, payer := range []struct{ path, token string }{{"/v1/communities/" + c.id, c.token}, {"/v1/advertisers/" + a.id, a.token}} {
		if r := s.money("POST", payer.path+"/deposits", payer.token, `{"amount":50000,"currency":"EUR","method":"saved"}`); r.status != 201 {
			t.Fatalf("a deposit: %d %s", r.status, r.body)
		}
	}
	s.deliverStripe(true)
	s.settle()
	off := s.send("POST", "/v1/communities/"+c.id+"/offerings", c.token, `{"title":"Feature","format":"newsletter","amount":700,"currency":"EUR","reviewDays":5,"capacityPerDate":1}`, "")
	slot := s.send("POST", "/v1/communities/"+c.id+"/slots", c.token, `{"name":"Auctioned","width":300,"height":250,"reserve":{"amount":100,"currency":"EUR"},"format":"second_price"}`, "")
	if off.status != 201 || slot.status != 201 {
		t.Fatalf("an offering %d %s, a slot %d %s", off.status, off.body, slot.status, slot.body)
	}
	held := func(path, token string) int64 { return s.send("GET", path+"/balance", token, "", "").num("held") }
	count := func(path, token string) int {
		list, _ := s.send("GET", path, token, "", "").json["data"].([]any)
		return len(list)
	}
	kinds := []struct {
		name, path, token, list, balance string
		body                             func(i int) string
		hold                             int64
	}{
		{"program", "/v1/communities/" + c.id + "/programs", c.token, "/v1/communities/" + c.id + "/programs?limit=100", "/v1/communities/" + c.id,
			func(int) string {
				return `{"name":"Bring members","currency":"EUR","on":"membership","months":3,"commission":{"type":"percent","bps":1000},"attributionDays":30,"holdDays":7,"budget":{"amount":300,"currency":"EUR"}}`
			}, 300},
		{"campaign", "/v1/advertisers/" + a.id + "/campaigns", a.token, "/v1/advertisers/" + a.id + "/campaigns?limit=100", "/v1/advertisers/" + a.id,
			func(int) string {
				return fmt.Sprintf(`{"name":"Sale","currency":"EUR","pricing":{"model":"cpm","bid":{"amount":2000,"currency":"EUR"}},"budget":{"amount":400,"currency":"EUR"},"pacing":"asap","end":%q,`+
					`"creative":{"imageUrl":"https://cdn.example/s.png","clickUrl":"https://shop.example/s","altText":"Sale","width":300,"height":250}}`, s.at.Add(5*24*time.Hour).Truncate(time.Second).Format(time.RFC3339))
			}, 400},
		{"booking", "/v1/offerings/" + off.str("id") + "/sponsorships", a.token, "/v1/advertisers/" + a.id + "/sponsorships?limit=100", "/v1/advertisers/" + a.id,
			func(i int) string {
				return fmt.Sprintf(`{"advertiserId":%q,"desiredDate":%q,"content":{"title":"Try it","body":"It is good.","link":"https://shop.example/w"}}`, a.id, s.at.AddDate(0, 0, 2+i).Format("2006-01-02"))
			}, 700},
		{"auction", "/v1/slots/" + slot.str("id") + "/auctions", c.token, "/v1/auctions?communityId=" + c.id + "&limit=100", "",
			func(i int) string {
				closes := s.at.Add(time.Duration(24*(i+1)) * time.Hour).Truncate(time.Second)
				start := s.at.Add(time.Duration(24*10*(i+1)) * time.Hour).Truncate(time.Second)
				return fmt.Sprintf(`{"flightStart":%q,"flightEnd":%q,"closesAt":%q}`, start.Format(time.RFC3339), start.Add(24*time.Hour).Format(time.RFC3339), closes.Format(time.RFC3339))
			}, 0},
	}
	for _, k := range kinds {
		before, heldBefore := count(k.list, k.token), int64(0)
		if k.balance != "" {
			heldBefore = held(k.balance, k.token)
		}
		stopped := 0
		for i := 0; i < 4; i++ {
			lines := len(s.lines)
			s.stop = i + 1
			r := s.money("POST", k.path, k.token, k.body(i))
			if r.status != 201 {
				t.Fatalf("a %s stopped after its write %d, asked again: %d %s", k.name, i+1, r.status, r.body)
			}
			for _, l := range s.lines[lines:] {
				if strings.Contains(l, "stopped after write") {
					stopped++
				}
			}
		}
		if stopped < 2 {
			t.Fatalf("%s: only %d of its four requests were stopped", k.name, stopped)
		}
		if n := count(k.list, k.token); n != before+4 {
			t.Errorf("four %ss asked (%d stopped mid-way and asked again) made %d", k.name, stopped, n-before)
		}
		if k.balance != "" {
			if h := held(k.balance, k.token) - heldBefore; h != 4*k.hold {
				t.Errorf("four %ss hold %d, want %d", k.name, h, 4*k.hold)
			}
		}
	}
}
