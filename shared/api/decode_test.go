package api

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/fault"
)

// An optional body may be left out, but one that is sent is held to
// Decode's rules.
func TestDecodeOptional_EmptyIsValidSentIsStrict(t *testing.T) {
	type body struct {
		Note string `json:"note" validate:"max=5"`
	}
	req := func(b string) *Request {
		return &Request{Raw: events.APIGatewayV2HTTPRequest{Body: b, Headers: map[string]string{"content-type": "application/json"}}}
	}
	for _, empty := range []string{"", "  \n"} {
		var v body
		if err := DecodeOptional(req(empty), &v); err != nil || v.Note != "" {
			t.Errorf("%q: %v %+v", empty, err, v)
		}
	}
	var v body
	if err := DecodeOptional(req(`{"note":"hi"}`), &v); err != nil || v.Note != "hi" {
		t.Fatalf("a sent body: %v %+v", err, v)
	}
	for _, bad := range []string{`{"note":"hi","x":1}`, `{"note":"too long"}`, `{"note":1}`, `[]`, `{} {}`} {
		var v body
		if err := DecodeOptional(req(bad), &v); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v, want invalid", bad, err)
		}
	}
}
