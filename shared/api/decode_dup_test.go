package api

import "testing"

func TestDuplicateKey(t *testing.T) {
	for body, want := range map[string]string{
		`{"amount":1000,"currency":"USD","amount":1500}`:             "amount",
		`{"amount":1000,"currency":"USD"}`:                           "",
		`{"a":{"b":1,"b":2}}`:                                        "a.b",
		`{"a":{"b":1},"c":{"b":2}}`:                                  "",
		`{"list":[{"x":1},{"x":2}],"y":"x"}`:                         "",
		`{"list":[{"x":1,"x":2}]}`:                                   "list.x",
		`{"s":"amount","amount":1}`:                                  "",
		`{"a":[1,"a",{"k":"v"}],"b":{"c":[{"d":1}],"d":2},"e":null}`: "",
		`{"a":{},"a":{}}`:                                            "a",
	} {
		if got := duplicateKey([]byte(body)); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}
