package local

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/topology"
)

// The gateway plays CloudFront: the viewer headers a client sends reach
// the function as sent (a test is as many viewers as it likes), and an
// origin header a client sends is dropped, as CloudFront overwrites it,
// so no handler ever sees one.
func TestGateway_PlaysCloudFront(t *testing.T) {
	top := topology.Topology{
		Functions: []topology.Function{{Name: "serve"}},
		Routes:    []topology.Route{{Method: "GET", Path: "/v1/serve/{slotId}", Function: "serve", Auth: []topology.AuthKind{topology.Public}}},
	}
	var seen map[string]string
	fn := &Function{HTTP: func(_ context.Context, ev lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
		seen = ev.Headers
		return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
	}}
	gw := &Gateway{top: top, functions: map[string]*Function{"serve": fn}, clock: clock.System{}}
	req := httptest.NewRequest("GET", "/v1/serve/slt_1", nil)
	req.Header.Set(api.ViewerAddressHeader, "198.51.100.7:50412")
	req.Header.Set("CloudFront-Viewer-Country", "AE")
	req.Header.Set(api.OriginHeader, "a guess")
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if seen["cloudfront-viewer-address"] != "198.51.100.7:50412" || seen["cloudfront-viewer-country"] != "AE" {
		t.Fatalf("viewer headers not as sent: %v", seen)
	}
	for k := range seen {
		if http.CanonicalHeaderKey(k) == http.CanonicalHeaderKey(api.OriginHeader) {
			t.Fatalf("the function saw the client's origin header: %v", seen)
		}
	}
}
