package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

// The events the local platform builds are held to AWS's own samples
// (aws-lambda-go's events/testdata, the module's copy in go.mod): each is
// captured where the platform hands it to a function (the gateway, the
// stream poller, the bus, the scheduler), marshalled as the Lambda
// runtime would, and walked against the sample as generic JSON. A field
// the sample has that ours lacks, a field of another JSON type, or a field
// AWS never sends fails; values may differ, but where AWS fixes a format
// (times, ids, ARNs, header names) ours is checked against it.

// awsSamples is aws-lambda-go's events/testdata directory.
func awsSamples(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Fatalf("go list aws-lambda-go: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

func awsSample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(awsSamples(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// generic is v as the JSON a function receives, decoded without a type.
func generic(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// shapeRules say where a sample is not the whole story: paths (dotted,
// [] for an array's elements) AWS sends only sometimes, paths ours may
// have that the sample lacks (each with why), and maps whose keys are
// data (headers, images, a detail), whose values are held to the
// sample's JSON type only.
type shapeRules struct {
	sometimes map[string]string // path → when AWS sends it (absent or null otherwise)
	beyond    map[string]string // path → why ours may have it
	data      map[string]bool
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// shapeDiff lists how ours differs in shape from AWS's sample.
func shapeDiff(path string, sample, ours any, rules shapeRules) []string {
	if st, ot := jsonType(sample), jsonType(ours); st != ot {
		return []string{fmt.Sprintf("%s: AWS sends %s, ours is %s", path, st, ot)}
	}
	var diffs []string
	switch s := sample.(type) {
	case map[string]any:
		o := ours.(map[string]any)
		if rules.data[path] {
			// Where all of AWS's values have one type (headers are
			// strings), ours must have it too.
			kinds := map[string]bool{}
			for _, sv := range s {
				kinds[jsonType(sv)] = true
			}
			if len(kinds) != 1 {
				return nil
			}
			for _, k := range sortedKeys(o) {
				if !kinds[jsonType(o[k])] {
					diffs = append(diffs, fmt.Sprintf("%s.%s: AWS's values are %v, ours is %s", path, k, kinds, jsonType(o[k])))
				}
			}
			return diffs
		}
		for _, k := range sortedKeys(s) {
			p := join(path, k)
			ov, ok := o[k]
			if _, sometimes := rules.sometimes[p]; sometimes && ov == nil {
				continue // absent, or null where the Go type cannot omit it
			}
			if !ok {
				if _, sometimes := rules.sometimes[p]; !sometimes {
					diffs = append(diffs, p+": AWS sends it, ours lacks it")
				}
				continue
			}
			diffs = append(diffs, shapeDiff(p, s[k], ov, rules)...)
		}
		for _, k := range sortedKeys(o) {
			if _, ok := s[k]; !ok {
				if _, known := rules.beyond[join(path, k)]; !known {
					diffs = append(diffs, join(path, k)+": ours has it, AWS never sends it")
				}
			}
		}
	case []any:
		o := ours.([]any)
		if len(s) > 0 {
			for _, ov := range o {
				diffs = append(diffs, shapeDiff(path+"[]", s[0], ov, rules)...)
			}
		}
	}
	return diffs
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func requireShape(t *testing.T, sampleName string, sample, ours map[string]any, rules shapeRules) {
	t.Helper()
	for _, d := range shapeDiff("", sample, ours, rules) {
		t.Errorf("against %s: %s", sampleName, d)
	}
	if t.Failed() {
		b, _ := json.MarshalIndent(ours, "", "  ")
		t.Logf("ours:\n%s", b)
	}
}

// dubai is a clock away from UTC: the events must be in UTC whatever the
// platform's clock says.
type dubai struct{ at time.Time }

func (d dubai) Now() time.Time { return d.at.In(time.FixedZone("GST", 4*3600)) }

// gatewayCapture is a Gateway over the real topology whose functions
// record the event they get (and whose authorizer lets every caller in).
func gatewayCapture(t *testing.T) (*Gateway, func() lambdaevents.APIGatewayV2HTTPRequest, func() lambdaevents.APIGatewayV2CustomAuthorizerV2Request) {
	var mu sync.Mutex
	var last lambdaevents.APIGatewayV2HTTPRequest
	var lastAuth lambdaevents.APIGatewayV2CustomAuthorizerV2Request
	top := topology.Souq()
	fns := map[string]*Function{}
	for _, f := range top.Functions {
		fns[f.Name] = &Function{HTTP: func(_ context.Context, ev lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
			mu.Lock()
			last = ev
			mu.Unlock()
			return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
		}}
	}
	fns[top.Authorizer].Authorizer = func(_ context.Context, ev lambdaevents.APIGatewayV2CustomAuthorizerV2Request) (lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		mu.Lock()
		lastAuth = ev
		mu.Unlock()
		return lambdaevents.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{"principalId": "usr_1", "kind": "user"}}, nil
	}
	gw := &Gateway{top: top, functions: fns, clock: dubai{time.Date(2026, 12, 7, 16, 5, 9, 123_000_000, time.UTC)}}
	return gw, func() lambdaevents.APIGatewayV2HTTPRequest {
			mu.Lock()
			defer mu.Unlock()
			return last
		}, func() lambdaevents.APIGatewayV2CustomAuthorizerV2Request {
			mu.Lock()
			defer mu.Unlock()
			return lastAuth
		}
}

func serveGateway(t *testing.T, gw *Gateway, r *http.Request) {
	t.Helper()
	r.RemoteAddr = "203.0.113.9:51234"
	w := httptest.NewRecorder()
	gw.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("%s %s: status %d: %s", r.Method, r.URL, w.Code, w.Body)
	}
}

var (
	traceIDFormat = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	uuidFormat    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	accountFormat = regexp.MustCompile(`^[0-9]{12}$`)
)

// requirePayload20 checks the formats AWS fixes in a payload-2.0 event.
func requirePayload20(t *testing.T, ev lambdaevents.APIGatewayV2HTTPRequest, r *http.Request, routeKey string, cookies []string) {
	t.Helper()
	rc := ev.RequestContext
	if ev.Version != "2.0" || ev.RouteKey != routeKey || rc.RouteKey != routeKey || rc.Stage != "$default" {
		t.Errorf("version %q, routeKey %q, requestContext.routeKey %q, stage %q; want 2.0, %q, %q, $default", ev.Version, ev.RouteKey, rc.RouteKey, rc.Stage, routeKey, routeKey)
	}
	at, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time)
	if err != nil || !strings.HasSuffix(rc.Time, " +0000") {
		t.Errorf("requestContext.time %q: want dd/Mon/yyyy:HH:MM:SS +0000 (%v)", rc.Time, err)
	}
	if rc.TimeEpoch/1000 != at.Unix() || rc.TimeEpoch < 1e12 {
		t.Errorf("requestContext.timeEpoch %d is not %s in milliseconds", rc.TimeEpoch, rc.Time)
	}
	if !accountFormat.MatchString(rc.AccountID) || rc.RequestID == "" || rc.APIID == "" {
		t.Errorf("accountId %q, requestId %q, apiId %q", rc.AccountID, rc.RequestID, rc.APIID)
	}
	if prefix, _, _ := strings.Cut(rc.DomainName, "."); rc.DomainPrefix != prefix || strings.Contains(rc.DomainName, ":") {
		t.Errorf("domainName %q, domainPrefix %q: the prefix is the name's first label, and the name has no port", rc.DomainName, rc.DomainPrefix)
	}
	if ev.RawPath != r.URL.EscapedPath() || rc.HTTP.Path != r.URL.Path || rc.HTTP.Method != r.Method || rc.HTTP.Protocol != "HTTP/1.1" {
		t.Errorf("rawPath %q, http.path %q, method %q, protocol %q", ev.RawPath, rc.HTTP.Path, rc.HTTP.Method, rc.HTTP.Protocol)
	}
	if net.ParseIP(rc.HTTP.SourceIP) == nil || rc.HTTP.UserAgent != ev.Headers["user-agent"] {
		t.Errorf("sourceIp %q, userAgent %q (header %q)", rc.HTTP.SourceIP, rc.HTTP.UserAgent, ev.Headers["user-agent"])
	}
	if ev.RawQueryString != r.URL.RawQuery {
		t.Errorf("rawQueryString %q, sent %q", ev.RawQueryString, r.URL.RawQuery)
	}
	q, _ := url.ParseQuery(ev.RawQueryString)
	want := map[string]string{}
	for k, vs := range q {
		want[k] = strings.Join(vs, ",")
	}
	if len(want) == 0 {
		want = nil
	}
	if fmt.Sprint(ev.QueryStringParameters) != fmt.Sprint(want) {
		t.Errorf("queryStringParameters %v, want %v (rawQueryString's, repeats joined by commas)", ev.QueryStringParameters, want)
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) || k == "cookie" {
			t.Errorf("header %q: payload 2.0 names headers in lower case, and cookies apart", k)
		}
	}
	for _, h := range []string{"host", "content-length", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"} {
		if ev.Headers[h] == "" {
			t.Errorf("header %s missing: AWS adds it to every request", h)
		}
	}
	if !traceIDFormat.MatchString(ev.Headers["x-amzn-trace-id"]) {
		t.Errorf("x-amzn-trace-id %q", ev.Headers["x-amzn-trace-id"])
	}
	if xff := ev.Headers["x-forwarded-for"]; !strings.HasSuffix(xff, rc.HTTP.SourceIP) {
		t.Errorf("x-forwarded-for %q does not end with the caller %q", xff, rc.HTTP.SourceIP)
	}
	if ev.Headers["host"] != r.Host {
		t.Errorf("host %q, sent %q", ev.Headers["host"], r.Host)
	}
	if fmt.Sprint(ev.Cookies) != fmt.Sprint(cookies) {
		t.Errorf("cookies %q, want %q (the Cookie header's, as sent)", ev.Cookies, cookies)
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		body, _ = base64.StdEncoding.DecodeString(ev.Body)
	}
	if ev.Headers["content-length"] != strconv.Itoa(len(body)) {
		t.Errorf("content-length %q for a body of %d bytes", ev.Headers["content-length"], len(body))
	}
}

// A public route's event is API Gateway's for a request without an
// authorizer, an authorized route's is its event with a Lambda
// authorizer's context, field for field.
func TestShapes_GatewaySendsAPIGatewaysPayload20(t *testing.T) {
	t.Parallel()
	gw, last, lastAuth := gatewayCapture(t)
	dir := awsSample(t, "apigw-v2-request-no-authorizer.json")

	r := httptest.NewRequest("GET", "http://souq.example/v1/directory/com_1", nil)
	r.Header.Set("Accept", "*/*")
	r.Header.Set("User-Agent", "curl/7.58.0")
	serveGateway(t, gw, r)
	ev := last()
	requireShape(t, "apigw-v2-request-no-authorizer.json", dir, generic(t, ev), shapeRules{
		beyond: map[string]string{"pathParameters": "the route has a parameter; the sample's $default has none"},
		data:   map[string]bool{"headers": true},
	})
	requirePayload20(t, ev, r, "GET /v1/directory/{communityId}", nil)
	if ev.PathParameters["communityId"] != "com_1" {
		t.Errorf("pathParameters %v", ev.PathParameters)
	}

	// The lambda-authorizer sample: cookies, a repeated query parameter,
	// a body, path parameters and the authorizer's context.
	authz := awsSample(t, "apigw-v2-request-lambda-authorizer.json")
	r = httptest.NewRequest("POST", "http://souq.example/v1/communities/com_1/programs?parameter1=value1&parameter1=value2&parameter2=value",
		strings.NewReader(`{"a": 1}`))
	r.Header.Set("Authorization", "Bearer x")
	r.Header.Set("User-Agent", "agent")
	r.Header.Add("X-Forwarded-For", "198.51.100.1")
	r.Header.Add("Cookie", "cookie1=a; cookie2")
	serveGateway(t, gw, r)
	ev = last()
	requireShape(t, "apigw-v2-request-lambda-authorizer.json", authz, generic(t, ev), shapeRules{
		sometimes: map[string]string{"stageVariables": "only for a stage with variables; Souq's stage has none"},
		data:      map[string]bool{"headers": true, "queryStringParameters": true, "pathParameters": true, "requestContext.authorizer.lambda": true},
	})
	requirePayload20(t, ev, r, "POST /v1/communities/{communityId}/programs", []string{"cookie1=a", "cookie2"})
	if ev.Headers["x-forwarded-for"] != "198.51.100.1, 203.0.113.9" {
		t.Errorf("x-forwarded-for %q: API Gateway appends the caller to what the client sent", ev.Headers["x-forwarded-for"])
	}
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.Lambda["principalId"] != "usr_1" {
		t.Errorf("authorizer %+v: want the Lambda authorizer's context", ev.RequestContext.Authorizer)
	}

	// What the authorizer got is API Gateway's REQUEST authorizer event
	// (payload 2.0) for the same request.
	au := lastAuth()
	requireShape(t, "apigw-v2-custom-authorizer-v2-request.json", awsSample(t, "apigw-v2-custom-authorizer-v2-request.json"), generic(t, au), shapeRules{
		sometimes: map[string]string{"stageVariables": "only for a stage with variables; Souq's stage has none"},
		data:      map[string]bool{"headers": true, "queryStringParameters": true, "pathParameters": true},
	})
	routeArn := regexp.MustCompile(`^arn:aws:execute-api:[a-z0-9-]+:([0-9]{12}):([^/]+)/([^/]+)/([A-Z]+)(/.*)$`).FindStringSubmatch(au.RouteArn)
	if au.Version != "2.0" || au.Type != "REQUEST" || au.RouteKey != ev.RouteKey || au.RawPath != ev.RawPath || au.RawQueryString != ev.RawQueryString ||
		routeArn == nil || routeArn[1] != ev.RequestContext.AccountID || routeArn[2] != ev.RequestContext.APIID || routeArn[3] != ev.RequestContext.Stage ||
		routeArn[4] != "POST" || fmt.Sprint(au.IdentitySource) != "[Bearer x]" {
		t.Errorf("authorizer event: version %q, type %q, routeKey %q, routeArn %q (want arn:aws:execute-api:<region>:<account>:<the event's apiId>/<stage>/<method>/<path>), identitySource %q",
			au.Version, au.Type, au.RouteKey, au.RouteArn, au.IdentitySource)
	}

	// A body that is not text comes base64-encoded.
	r = httptest.NewRequest("POST", "http://souq.example/v1/communities/com_1/programs", bytes.NewReader([]byte{0xff, 0x00, 0xfe}))
	r.Header.Set("Authorization", "Bearer x")
	serveGateway(t, gw, r)
	if ev = last(); !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0xfe}) {
		t.Errorf("binary body: isBase64Encoded %v, body %q", ev.IsBase64Encoded, ev.Body)
	}
	requirePayload20(t, ev, r, "POST /v1/communities/{communityId}/programs", nil)
}

// A public serving route sits behind the serve function's URL (DESIGN
// §20): its event is a function URL's, which names no route and has no
// path parameters, and carries the IAM identity that signed the request
// (CloudFront's origin access control).
func TestShapes_ServingRoutesSendAFunctionURLsPayload20(t *testing.T) {
	t.Parallel()
	gw, last, _ := gatewayCapture(t)
	sample := awsSample(t, "lambda-urls-request.json")
	for _, rt := range topology.Souq().Routes {
		if !rt.FunctionURL {
			continue
		}
		if rt.Function != topology.FnServe || !rt.IsPublic() {
			t.Errorf("route %s is behind a function URL: only the serve function's public routes are", rt.Key())
		}
	}
	r := httptest.NewRequest("GET", "http://souq.example/v1/serve/slot_1?keywords=a&keywords=b&f=x", nil)
	r.Header.Set("User-Agent", "agent")
	r.Header.Set("Cookie", "cookie1; cookie2")
	serveGateway(t, gw, r)
	ev := last()
	requireShape(t, "lambda-urls-request.json", sample, generic(t, ev), shapeRules{
		sometimes: map[string]string{"body": "only with a body; a GET has none"},
		beyond: map[string]string{
			// AWS's documented URL payload (Lambda developer guide,
			// "Invoking Lambda function URLs") has these; the sample is
			// abridged.
			"routeKey": "always $default", "requestContext.routeKey": "always $default", "requestContext.stage": "always $default",
			// The Go type cannot leave these out; AWS sends them as null.
			"requestContext.authentication":                 "null in AWS's documented payload",
			"requestContext.authorizer.iam.cognitoIdentity": "null in AWS's documented payload",
			"requestContext.authorizer.iam.principalOrgId":  "null in AWS's documented payload",
		},
		data: map[string]bool{"headers": true, "queryStringParameters": true},
	})
	requirePayload20(t, ev, r, "$default", []string{"cookie1", "cookie2"})
	if ev.PathParameters != nil {
		t.Errorf("pathParameters %v: a function URL sends none", ev.PathParameters)
	}
	if a := ev.RequestContext.Authorizer; a == nil || a.IAM == nil || a.Lambda != nil || !accountFormat.MatchString(a.IAM.AccountID) {
		t.Errorf("authorizer %+v: want the IAM identity of an AWS_IAM function URL", a)
	}
	if ev.QueryStringParameters["keywords"] != "a,b" {
		t.Errorf("queryStringParameters %v", ev.QueryStringParameters)
	}

	// The serve function's routes not behind the URL (the directory)
	// still come through the HTTP API, with their route keys.
	r = httptest.NewRequest("GET", "http://souq.example/v1/directory?q=x", nil)
	serveGateway(t, gw, r)
	requirePayload20(t, last(), r, "GET /v1/directory", nil)
}

// A stream record the poller hands the relay is DynamoDB's, read from
// DynamoDB Local's stream of a table made as the outbox is.
func TestShapes_StreamRecordsAreDynamoDBs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := storetest.Client(t)
	top := topology.Souq()
	outbox, _ := top.Table(topology.TableOutbox)
	outbox.TTLAttribute = ""
	names := store.PrefixedNames(storetest.Prefix(), []string{outbox.Name})
	if err := store.CreateTables(ctx, client, []topology.Table{outbox}, names); err != nil {
		t.Fatal(err)
	}
	table := names[outbox.Name]
	streams := dynamodbstreams.New(dynamodbstreams.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(storetest.Endpoint(t)),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	var mu sync.Mutex
	var got []lambdaevents.DynamoDBEventRecord
	poller, err := NewStreamPoller(ctx, client, streams, table, func(_ context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
		mu.Lock()
		got = append(got, ev.Records...)
		mu.Unlock()
		return lambdaevents.DynamoDBEventResponse{}, nil
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]dtypes.AttributeValue{
		outbox.PartitionKey.Name: &dtypes.AttributeValueMemberS{Value: "evt_1"},
		"detailType":             &dtypes.AttributeValueMemberS{Value: "CommunityCreated"},
		"n":                      &dtypes.AttributeValueMemberN{Value: "123.45"},
		"b":                      &dtypes.AttributeValueMemberB{Value: []byte{0, 1, 42}},
		"ok":                     &dtypes.AttributeValueMemberBOOL{Value: true},
		"l":                      &dtypes.AttributeValueMemberL{Value: []dtypes.AttributeValue{&dtypes.AttributeValueMemberS{Value: "x"}}},
		"m":                      &dtypes.AttributeValueMemberM{Value: map[string]dtypes.AttributeValue{"k": &dtypes.AttributeValueMemberN{Value: "1"}}},
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	for polls := 0; ; polls++ {
		if _, err := poller.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if polls == 200 {
			t.Fatal("no stream record in 200 polls")
		}
		time.Sleep(20 * time.Millisecond) // polling DynamoDB Local's stream, as the poller's own loop does
	}
	rec := got[0]
	sample := awsSample(t, "dynamodb-event.json")["Records"].([]any)[0].(map[string]any)
	ours := generic(t, rec)
	requireShape(t, "dynamodb-event.json", sample, ours, shapeRules{
		sometimes: map[string]string{"userIdentity": "only on a deletion by TTL"},
		data:      map[string]bool{"dynamodb.Keys": true, "dynamodb.NewImage": true},
	})
	if rec.EventName != "INSERT" || rec.EventVersion != "1.1" || rec.EventSource != "aws:dynamodb" || rec.EventID == "" {
		t.Errorf("eventName %q, eventVersion %q, eventSource %q, eventID %q", rec.EventName, rec.EventVersion, rec.EventSource, rec.EventID)
	}
	arn := regexp.MustCompile(`^arn:aws:dynamodb:([a-z0-9-]+):[0-9]{12}:table/([A-Za-z0-9_.-]{3,255})/stream/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$`).FindStringSubmatch(rec.EventSourceArn)
	if arn == nil || arn[1] != rec.AWSRegion || arn[2] != table {
		t.Errorf("eventSourceARN %q (awsRegion %q, table %q): want arn:aws:dynamodb:<its region>:<account>:table/<table>/stream/<yyyy-mm-ddThh:mm:ss.mmm>", rec.EventSourceArn, rec.AWSRegion, table)
	}
	d := ours["dynamodb"].(map[string]any)
	// Whole seconds since the epoch (DynamoDB's own stamp, not the
	// platform's clock): not milliseconds, not a fraction.
	if at, ok := d["ApproximateCreationDateTime"].(float64); !ok || at != float64(int64(at)) || at < 1e9 || at >= 1e10 {
		t.Errorf("ApproximateCreationDateTime %v: want whole seconds since the epoch", d["ApproximateCreationDateTime"])
	}
	if !regexp.MustCompile(`^[0-9]{1,40}$`).MatchString(rec.Change.SequenceNumber) || rec.Change.SizeBytes <= 0 {
		t.Errorf("SequenceNumber %q, SizeBytes %d", rec.Change.SequenceNumber, rec.Change.SizeBytes)
	}
	if rec.Change.StreamViewType != string(outbox.Stream) {
		t.Errorf("StreamViewType %q, the table's is %q", rec.Change.StreamViewType, outbox.Stream)
	}
	// Every attribute value is one of DynamoDB's typed values.
	types := map[string]bool{"S": true, "N": true, "B": true, "BOOL": true, "NULL": true, "SS": true, "NS": true, "BS": true, "L": true, "M": true}
	var check func(path string, v any)
	check = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			t.Errorf("%s: %v is not a typed attribute value", path, v)
			return
		}
		for k, inner := range m {
			if !types[k] {
				t.Errorf("%s: type %q", path, k)
			}
			switch k {
			case "L":
				for i, e := range inner.([]any) {
					check(fmt.Sprintf("%s[%d]", path, i), e)
				}
			case "M":
				for kk, e := range inner.(map[string]any) {
					check(path+"."+kk, e)
				}
			}
		}
	}
	for _, img := range []string{"Keys", "NewImage"} {
		for k, v := range d[img].(map[string]any) {
			check(img+"."+k, v)
		}
	}
	if len(rec.Change.NewImage) != len(item) || rec.Change.NewImage["b"].Binary()[2] != 42 || rec.Change.NewImage["n"].Number() != "123.45" {
		t.Errorf("NewImage %v: not the item written", rec.Change.NewImage)
	}
}

// An event a rule delivers is EventBridge's envelope, as every
// EventBridge sample in aws-lambda-go has it.
func TestShapes_BusDeliversEventBridgesEnvelope(t *testing.T) {
	t.Parallel()
	top := topology.Souq()
	bus, err := NewBus(top.Rules, clock.System{}, slog.New(slog.DiscardHandler), 1, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan lambdaevents.EventBridgeEvent, 100)
	bus.SetTargets(func(string) func(context.Context, lambdaevents.EventBridgeEvent) error {
		return func(_ context.Context, ev lambdaevents.EventBridgeEvent) error {
			got <- ev
			return nil
		}
	})
	at := time.Date(2026, 12, 7, 20, 5, 9, 123_456_789, time.FixedZone("GST", 4*3600))
	env := events.Envelope{ID: "evt_1", Source: events.SourceAccounts, DetailType: "CommunityCreated", Time: at,
		Detail: json.RawMessage(`{"eventId":"evt_1","communityId":"com_1","ownerId":"usr_1","currency":"AED"}`)}
	if errs, err := bus.Publish(context.Background(), []events.Envelope{env}); err != nil || errs[0] != nil {
		t.Fatalf("publish: %v %v", err, errs)
	}
	bus.WaitIdle()
	if len(got) == 0 {
		t.Fatal("no rule delivered CommunityCreated")
	}
	ev := <-got
	ours := generic(t, ev)

	dir := awsSamples(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	compared := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var sample map[string]any
		if json.Unmarshal(b, &sample) != nil || sample["detail-type"] == nil {
			continue
		}
		compared++
		requireShape(t, filepath.Base(f), sample, ours, shapeRules{data: map[string]bool{"detail": true}})
	}
	if compared < 5 {
		t.Fatalf("only %d EventBridge samples in %s", compared, dir)
	}
	if ev.Version != "0" || !uuidFormat.MatchString(ev.ID) || !accountFormat.MatchString(ev.AccountID) || ev.Region == "" || ev.Resources == nil {
		t.Errorf("version %q, id %q, account %q, region %q, resources %v", ev.Version, ev.ID, ev.AccountID, ev.Region, ev.Resources)
	}
	if s, _ := ours["time"].(string); s != "2026-12-07T16:05:09Z" {
		t.Errorf("time %q: EventBridge's is RFC 3339 in UTC, to the second (2026-12-07T16:05:09Z)", ours["time"])
	}
	if ev.Source != env.Source || ev.DetailType != env.DetailType || string(ev.Detail) != string(env.Detail) {
		t.Errorf("source %q, detail-type %q, detail %s: not the envelope's", ev.Source, ev.DetailType, ev.Detail)
	}
}

// Scheduler invokes a Lambda target with the schedule's Input as it is,
// no envelope around it (aws-lambda-go has no sample: there is none to
// have): the topology's recurring schedules with the Input the stack
// gives them (Schedule.Payload), one-time ones with the payload Once got.
func TestShapes_SchedulerSendsTheInputAsIs(t *testing.T) {
	t.Parallel()
	top := topology.Souq()
	c := clock.NewFake(time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC))
	s, err := NewScheduler(c, time.Time{}, top.Schedules, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	s.invoke = func(_ context.Context, target string, payload json.RawMessage) error {
		got[target] = append(got[target], string(payload))
		return nil
	}
	once := `{"job":"close","auctionId":"auc_1"}`
	if err := s.Once(context.Background(), "close-auc_1", c.Now().Add(time.Minute), topology.FnAuctions, json.RawMessage(once)); err != nil {
		t.Fatal(err)
	}
	c.Advance(48 * time.Hour) // past every rate's first run
	s.Fire(context.Background())
	if !contains(got[topology.FnAuctions], once) {
		t.Errorf("one-time schedule: %s got %q, want %q as it was scheduled", topology.FnAuctions, got[topology.FnAuctions], once)
	}
	for _, sc := range top.Schedules {
		if !contains(got[sc.Target], sc.Payload()) {
			t.Errorf("schedule %s: %s got %q, want its Input %q", sc.Name, sc.Target, got[sc.Target], sc.Payload())
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(sc.Payload()), &obj); err != nil {
			t.Errorf("schedule %s: Input %q is not a JSON object (Scheduler's Lambda input, and schedule.Decode's)", sc.Name, sc.Payload())
		}
	}
}
