package cdk

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/serving"
)

// beaconCase is one viewer request the edge's beacon check is asked.
type beaconCase struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	URI     string            `json:"uri"`
	Headers map[string]string `json:"headers"`
	Key     *string           `json:"key"` // nil: the key value store has none yet
	// Pass says the request goes on to the serve function.
	Pass bool `json:"-"`
}

// beaconAnswer is what the check did: passed the request on (with its
// headers), or answered it.
type beaconAnswer struct {
	Name    string            `json:"name"`
	Passed  bool              `json:"passed"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Logged  []string          `json:"logged"` // what it logged (console.log)
}

// runBeacon runs beacon.js, the CloudFront Function's own code, in
// Node.js: CloudFront's cloudfront module (its key value store) is played
// by a map; crypto and Buffer are Node's, which cloudfront-js-2.0 follows.
func runBeacon(t *testing.T, cases []beaconCase) map[string]beaconAnswer {
	t.Helper()
	src, err := os.ReadFile("beacon.js")
	if err != nil {
		t.Fatal(err)
	}
	code := string(src)
	if !strings.HasPrefix(code, "import cf from 'cloudfront';\n") {
		t.Fatal("beacon.js must import CloudFront's module on its first line")
	}
	for _, imp := range []string{"import cf from 'cloudfront';\n", "import crypto from 'crypto';\n"} {
		if !strings.Contains(code, imp) {
			t.Fatalf("beacon.js no longer has %q: the harness plays CloudFront's modules in its place", strings.TrimSpace(imp))
		}
		code = strings.Replace(code, imp, "", 1)
	}
	harness := `const logged = []; const print = console.log; console.log = (...a) => logged.push(a.join(' '));
import crypto from 'node:crypto';
import { Buffer } from 'node:buffer';
let KEY = null;
const cf = { kvs: (id) => { if (id !== '__SOUQ_KVS_ID__') { throw new Error('kvs id ' + id); }
  return { get: async (k) => { if (k !== 'beacon-key' || KEY === null) { throw new Error('key not found'); } return KEY; } }; } };
` + code + `
const cases = JSON.parse(await new Promise((ok) => { let s = ''; process.stdin.on('data', (d) => s += d); process.stdin.on('end', () => ok(s)); }));
const out = [];
for (const c of cases) {
  KEY = c.key === undefined ? null : c.key;
  const headers = {};
  for (const [k, v] of Object.entries(c.headers || {})) { headers[k] = { value: v }; }
  const r = await handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' },
    request: { method: c.method, uri: c.uri, querystring: {}, headers, cookies: {} } });
  const h = {};
  for (const [k, v] of Object.entries(r.headers || {})) { h[k] = v.value; }
  out.push({ name: c.name, passed: r.statusCode === undefined, status: r.statusCode || 0, headers: h, logged: logged.splice(0) });
}
print(JSON.stringify(out));
`
	cmd := exec.Command("node", "--input-type=module", "-e", harness)
	in, _ := json.Marshal(cases)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node (make test needs Node.js): %v\n%s", err, stderr.String())
	}
	var answers []beaconAnswer
	if err := json.Unmarshal(raw, &answers); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	byName := map[string]beaconAnswer{}
	for _, a := range answers {
		byName[a.Name] = a
	}
	return byName
}

// The edge's beacon check passes on exactly the tokens serving signed
// with the key it holds, and answers every other what the function
// answers a refused view (204), before any Lambda runs.
func TestBeacon_TheEdgePassesOnlyWhatServingSigned(t *testing.T) {
	secret := []byte("the serve function's generated secret, 64 characters or so......")
	key := string(serving.OfferKey(secret))
	other := string(serving.OfferKey([]byte("another stack's secret, just as long as the first one is.........")))
	signer := serving.NewSigner(serving.OfferKey(secret))
	now := time.Date(2040, 3, 2, 4, 25, 48, 0, time.UTC)
	tok := signer.Sign(serving.Offer{ID: serving.NewOfferID(now), Kind: serving.KindCampaign, SlotID: "slot_1", Ref: "cmp_1", IssuedAt: now,
		Dims: serving.Dims{Country: "DE", Device: "desktop", Keyword: "go"}})
	if _, reason, ok := signer.Verify(tok, now); !ok {
		t.Fatalf("serving refuses its own token: %s", reason)
	}
	payload, mac, _ := strings.Cut(tok, ".")
	flipped := []byte(mac)
	flipped[3] ^= 1
	if flipped[3] == mac[3] || !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(flipped[3])) {
		flipped[3] = 'A' + (mac[3]-'A'+1)%26
	}
	forged := payload + "." + string(flipped)
	otherPayload := strings.Replace(tok, payload, payload[:len(payload)-2]+"AA", 1)
	k := func(s string) *string { return &s }
	// A payload one character past a whole number of bytes: a lenient
	// decoder drops the character, serving's refuses the token.
	dangling := payload + strings.Repeat("A", (1-len(payload)%4+4)%4)
	if len(dangling) == len(payload) {
		dangling += "AAAA"
	}
	cases := []beaconCase{
		{Name: "signed", Method: "GET", URI: "/v/" + tok, Key: k(key), Pass: true},
		{Name: "HEAD", Method: "HEAD", URI: "/v/" + tok, Key: k(key)},
		{Name: "a character added to the payload", Method: "GET", URI: "/v/" + payload + "A." + mac, Key: k(key)},
		{Name: "no key yet: a dangling character", Method: "GET", URI: "/v/" + dangling + "." + mac},
		{Name: "signed POST, no body", Method: "POST", URI: "/v/" + tok, Key: k(key), Headers: map[string]string{"content-length": "0"}, Pass: true},
		{Name: "signed POST with a body", Method: "POST", URI: "/v/" + tok, Key: k(key), Headers: map[string]string{"content-length": "12"}},
		{Name: "forged MAC", Method: "GET", URI: "/v/" + forged, Key: k(key)},
		{Name: "another payload", Method: "GET", URI: "/v/" + otherPayload, Key: k(key)},
		{Name: "another stack's key", Method: "GET", URI: "/v/" + tok, Key: k(other)},
		{Name: "no MAC", Method: "GET", URI: "/v/" + payload, Key: k(key)},
		{Name: "too long", Method: "GET", URI: "/v/" + strings.Repeat("A", 700) + "." + mac, Key: k(key)},
		{Name: "not base64url", Method: "GET", URI: "/v/" + payload + "%2F." + mac, Key: k(key)},
		{Name: "DELETE", Method: "DELETE", URI: "/v/" + tok, Key: k(key)},
		{Name: "no key yet: signed", Method: "GET", URI: "/v/" + tok, Pass: true},
		{Name: "no key yet: a token's shape", Method: "GET", URI: "/v/" + forged, Pass: true},
		{Name: "no key yet: no token's shape", Method: "GET", URI: "/v/nothing", Key: nil},
	}
	got := runBeacon(t, cases)
	for _, c := range cases {
		a, ok := got[c.Name]
		if !ok {
			t.Errorf("%s: no answer", c.Name)
			continue
		}
		if a.Passed != c.Pass {
			t.Errorf("%s: passed on %v, want %v (%+v)", c.Name, a.Passed, c.Pass, a)
			continue
		}
		if !a.Passed && (a.Status != 204 || a.Headers["access-control-allow-origin"] != "*" || a.Headers["souq-edge"] != "refused") {
			t.Errorf("%s: answered %+v, want 204 as the function answers a refused view", c.Name, a)
		}
	}
	// A token whose signature does not hold under the key is logged, for
	// the alarm that a wrong key (every beacon refused) sets off; a token
	// that passes, or that only fails its shape, is not.
	for name, want := range map[string]bool{"forged MAC": true, "another stack's key": true, "signed": false, "no MAC": false, "no key yet: a token's shape": false} {
		if logged := strings.Join(got[name].Logged, "|"); (logged == "souq-beacon forged") != want {
			t.Errorf("%s: logged %q, want the forged line %v", name, logged, want)
		}
	}
	// Origin access control signs a POST with its body's hash: the empty
	// body's, which the edge adds.
	if h := got["signed POST, no body"].Headers["x-amz-content-sha256"]; h != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("a POST beacon goes on without the empty body's hash: %q", h)
	}
	if h := got["signed"].Headers["x-amz-content-sha256"]; h != "" {
		t.Errorf("a GET beacon carries a body hash: %q", h)
	}
}
