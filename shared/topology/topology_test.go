package topology

import (
	"os"
	"strings"
	"testing"
)

func TestSouq_IsConsistent(t *testing.T) {
	top := Souq()
	seenRoute := map[string]bool{}
	for _, r := range top.Routes {
		if seenRoute[r.Key()] {
			t.Errorf("route %s declared twice", r.Key())
		}
		seenRoute[r.Key()] = true
		if _, ok := top.Function(r.Function); !ok {
			t.Errorf("route %s targets unknown function %s", r.Key(), r.Function)
		}
		if len(r.Auth) == 0 {
			t.Errorf("route %s has no auth kind", r.Key())
		}
		if r.IsPublic() && len(r.Auth) != 1 {
			t.Errorf("route %s mixes public with credentials", r.Key())
		}
		if !strings.HasPrefix(r.Path, "/") {
			t.Errorf("route %s path must start with /", r.Key())
		}
	}
	for _, f := range top.Functions {
		for _, g := range f.Tables {
			if _, ok := top.Table(g.Table); !ok {
				t.Errorf("function %s is granted unknown table %s", f.Name, g.Table)
			}
		}
	}
	for _, r := range top.Rules {
		if _, ok := top.Function(r.Target); !ok {
			t.Errorf("rule %s targets unknown function %s", r.Name, r.Target)
		}
	}
	streams := 0
	for _, tb := range top.Tables {
		if tb.Stream != NoStream {
			streams++
		}
	}
	if streams != 1 {
		t.Errorf("exactly the outbox table has a stream; found %d", streams)
	}
}

func TestMatch_FindsRouteAndParameters(t *testing.T) {
	top := Souq()
	r, params, _ := top.Match("DELETE", "/v1/communities/com_1/api-keys/key_2")
	if r.Key() != "DELETE /v1/communities/{communityId}/api-keys/{keyId}" {
		t.Fatalf("matched %q", r.Key())
	}
	if params["communityId"] != "com_1" || params["keyId"] != "key_2" {
		t.Fatalf("params = %v", params)
	}
	if r, _, exists := top.Match("PUT", "/v1/communities/com_1"); r.Key() != " " || !exists {
		t.Fatalf("PUT should find the path but not the method: %q %v", r.Key(), exists)
	}
	if _, _, exists := top.Match("GET", "/v1/nothing"); exists {
		t.Fatal("unknown path reported as existing")
	}
	if r, _, _ := top.Match("GET", "/v1/communities/"); r.Key() != " " {
		t.Fatalf("empty parameter matched %q", r.Key())
	}
}

// Requests match on the raw path, as API Gateway matches them: a trailing
// or doubled slash is another path, and an encoded slash never reaches a
// parameter; other escapes are decoded into it.
func TestMatch_OnTheRawPathAsAPIGatewayDoes(t *testing.T) {
	top := Souq()
	for _, raw := range []string{"/v1/me/", "//v1/me", "/v1//me", "v1/me", "/v1/communities/com_1%2Fslots", "/v1/communities/%2F", "/v1/communities/com_1%zz"} {
		if r, _, exists := top.Match("GET", raw); r.Key() != " " || exists {
			t.Errorf("%s matched %q (exists %v)", raw, r.Key(), exists)
		}
	}
	if r, _, _ := top.Match("GET", "/v1/me"); r.Key() != "GET /v1/me" {
		t.Fatalf("/v1/me matched %q", r.Key())
	}
	if _, params, _ := top.Match("GET", "/v1/communities/com%5F1"); params["communityId"] != "com_1" {
		t.Fatalf("an escaped parameter = %v", params)
	}
}

// Every topology function has a thin main in functions/<name>, and every
// main there is a topology function: make build builds exactly the stack's
// functions.
func TestFunctions_EachHasAMain(t *testing.T) {
	entries, err := os.ReadDir("../../functions")
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			dirs[e.Name()] = true
		}
	}
	for _, f := range Souq().Functions {
		if _, err := os.Stat("../../functions/" + f.Name + "/main.go"); err != nil {
			t.Errorf("function %s has no functions/%s/main.go", f.Name, f.Name)
		}
		delete(dirs, f.Name)
	}
	for d := range dirs {
		t.Errorf("functions/%s is not a topology function", d)
	}
}

// The console's greedy routes take every path under /console/, the bare
// /console/ too, and nothing else; a trailing slash still matches no API
// route.
func TestMatch_GreedyConsoleRoutes(t *testing.T) {
	top := Souq()
	for _, tc := range []struct {
		method, path, proxy string
		ok                  bool
	}{
		{"GET", "/console/", "", true},
		{"GET", "/console/sponsorships/spn_1", "sponsorships/spn_1", true},
		{"POST", "/console/sponsorships/spn_1/approve", "sponsorships/spn_1/approve", true},
		{"GET", "/console", "", true},
		{"GET", "/consoles/x", "", false},
		{"GET", "/console//x", "", false},
		{"GET", "/v1/me/", "", false},
		{"GET", "/v1/communities/", "", false},
	} {
		r, params, _ := top.Match(tc.method, tc.path)
		if got := r.Function != ""; got != tc.ok {
			t.Errorf("%s %s: matched %v (%s), want %v", tc.method, tc.path, got, r.Key(), tc.ok)
			continue
		}
		if tc.ok && r.Function != FnConsole {
			t.Errorf("%s %s went to %s", tc.method, tc.path, r.Function)
		}
		if tc.ok && params["proxy"] != tc.proxy {
			t.Errorf("%s %s: proxy %q, want %q", tc.method, tc.path, params["proxy"], tc.proxy)
		}
	}
}
