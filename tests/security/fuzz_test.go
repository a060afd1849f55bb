package security

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// hostile is one malformed request against a route.
type hostile struct {
	name    string
	path    string
	body    []byte
	headers map[string][]string
	query   string
}

// mutations are the hostile variants of one route's request: malformed
// and oversized bodies, every field with a wrong type or a boundary value,
// hostile headers, query strings and path ids.
var paramRE = regexp.MustCompile(`\{(\w+)\}`)

// fillWith is the filled path with one parameter's value replaced.
func fillWith(template, name, value, filled string) string {
	parts, fparts := strings.Split(template, "/"), strings.Split(filled, "/")
	for i, p := range parts {
		if p == "{"+name+"}" && i < len(fparts) {
			fparts[i] = value
		}
	}
	return strings.Join(fparts, "/")
}

func mutations(op operation, valid map[string]any, path string) []hostile {
	raw := func(s string) []byte { return []byte(s) }
	hs := []hostile{
		{name: "truncated JSON", body: raw(`{"a":`)},
		{name: "an array", body: raw(`[]`)},
		{name: "a string", body: raw(`"text"`)},
		{name: "null", body: raw(`null`)},
		{name: "two objects", body: raw(`{} {}`)},
		{name: "unknown field", body: raw(`{"surprise":1}`)},
		{name: "huge number", body: raw(`{"amount":1e400}`)},
		{name: "int64 overflow", body: raw(`{"amount":-9223372036854775809}`)},
		{name: "duplicate keys", body: raw(`{"amount":1,"amount":"2"}`)},
		{name: "control characters", body: raw("{\"name\":\"\u0000\u0007\u001b[31m\"}")},
		{name: "invalid UTF-8", body: []byte{'{', '"', 'n', '"', ':', '"', 0xff, 0xfe, '"', '}'}},
		{name: "deep nesting", body: raw(strings.Repeat("[", 5000) + strings.Repeat("]", 5000))},
		{name: "over 64 KiB", body: raw(`{"name":"` + strings.Repeat("a", 70<<10) + `"}`)},
		{name: "text/plain", body: raw(`{}`), headers: map[string][]string{"Content-Type": {"text/plain"}}},
		{name: "two Authorization headers", body: raw(`{}`), headers: map[string][]string{"Authorization": {"Bearer a", "Bearer b"}}},
		{name: "a huge Idempotency-Key", body: raw(`{}`), headers: map[string][]string{"Idempotency-Key": {strings.Repeat("k", 4000)}}},
		{name: "a control character in the Idempotency-Key", body: raw(`{}`), headers: map[string][]string{"Idempotency-Key": {"a\tb"}}},
		{name: "two Idempotency-Keys", body: raw(`{}`), headers: map[string][]string{"Idempotency-Key": {"k1", "k2"}}},
		{name: "bad paging", query: "?limit=-1&cursor=%00%ff"},
		{name: "huge limit", query: "?limit=99999999999999999999"},
		{name: "garbage cursor", query: "?cursor=eyJub3QiOiJhIGN1cnNvciJ9"},
		{name: "an odd status filter", query: "?status=%F0%9F%99%82&from=2026-13-45&days=-3"},
	}
	if names := paramRE.FindAllStringSubmatch(op.path, -1); len(names) > 0 {
		last := names[len(names)-1][1]
		for _, id := range []string{"%00", strings.Repeat("x", 600), "..%2F..%2Fetc%2Fpasswd", "%F0%9F%99%82", "com_%27%20OR%201%3D1"} {
			hs = append(hs, hostile{name: "path id " + id[:min(len(id), 12)], path: fillWith(op.path, last, id, path), body: raw(`{}`)})
		}
	}
	wrong := []any{"1", 1.5, 9223372036854775807, -1, 0, true, nil, map[string]any{}, []any{1}, "Ω≈ç√∫˜µ≤≥÷🙂", strings.Repeat("é", 3000), "\u202e\u0000"}
	for field := range valid {
		for i, v := range wrong {
			body := map[string]any{}
			for k, x := range valid {
				body[k] = x
			}
			body[field] = v
			b, _ := json.Marshal(body)
			hs = append(hs, hostile{name: fmt.Sprintf("%s as wrong value %d", field, i), body: b})
		}
	}
	if op.method == "GET" || op.method == "DELETE" {
		for i := range hs {
			if hs[i].body != nil && hs[i].name != "over 64 KiB" {
				hs[i].body = nil
			}
		}
	}
	return hs
}

// Every route, every hostile request: never a 5xx, and every 4xx a
// complete application/problem+json document.
func TestFuzz_EveryRouteRefusesHostileInputWith4xxProblems(t *testing.T) {
	wd := theWorld(t)
	ops, doc := operations(t)
	if len(ops) < 90 {
		t.Fatalf("only %d operations in the OpenAPI document", len(ops))
	}
	type job struct {
		op operation
		h  hostile
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var failures []string
	sent := 0
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				path := j.h.path
				if path == "" {
					path = wd.fill(j.op.path)
				}
				r := send(t, j.op.method, path+j.h.query, wd.principal(j.op), j.h.body, j.h.headers)
				bad := ""
				switch {
				case r.status >= 500:
					bad = "answered " + fmt.Sprint(r.status)
				case r.status >= 400 && r.status != http.StatusMethodNotAllowed && !isProblem(r):
					bad = fmt.Sprintf("a %d that is not a problem+json", r.status)
				}
				mu.Lock()
				sent++
				statuses[r.status]++
				if bad != "" && len(failures) < 40 {
					failures = append(failures, fmt.Sprintf("%s %s [%s]: %s: %.200s", j.op.method, j.op.path, j.h.name, bad, r.body))
				}
				mu.Unlock()
			}
		}()
	}
	for _, op := range ops {
		var valid map[string]any
		if op.schema != nil {
			valid, _ = sample(doc, op.schema, 0).(map[string]any)
		}
		for _, h := range mutations(op, valid, wd.fill(op.path)) {
			jobs <- job{op, h}
		}
	}
	close(jobs)
	wg.Wait()
	t.Logf("%d hostile requests to %d operations; answers by status: %v", sent, len(ops), statuses)
	for _, f := range failures {
		t.Error(f)
	}
}

func isProblem(r reply) bool {
	if r.header.Get("Content-Type") != "application/problem+json" {
		return false
	}
	var p struct {
		Type, Title string
		Status      int
	}
	return json.Unmarshal(r.body, &p) == nil && p.Status == r.status && p.Title != "" && strings.HasPrefix(p.Type, "https://")
}
