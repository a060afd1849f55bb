package api

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/fault"
)

// An upload route reads a body past MaxBody, base64 decoded as API
// Gateway sends binary bodies, and refuses one over its own limit.
func TestUpload_ReadsPastMaxBodyUpToItsOwnLimit(t *testing.T) {
	body := strings.Repeat("x", MaxBody+1000)
	r := &Request{Raw: events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte(body)), IsBase64Encoded: true}}
	got, err := r.Upload(1 << 20)
	if err != nil || string(got) != body {
		t.Fatalf("upload of %d bytes: %v", len(body), err)
	}
	if _, err := r.Upload(MaxBody); fault.KindOf(err) != fault.TooLarge {
		t.Fatalf("over its limit: %v", err)
	}
	bad := &Request{Raw: events.APIGatewayV2HTTPRequest{Body: "!!!", IsBase64Encoded: true}}
	if _, err := bad.Upload(100); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("bad base64: %v", err)
	}
}
