// Package topology is the single source of truth for Souq's shape: tables
// (keys, indexes, TTL, streams), functions (with the tables each may use),
// HTTP routes (method, path, function, auth), event rules and schedules.
//
// It is plain data with no CDK or AWS import. The CDK app and the local
// platform both read it; neither may repeat a name, route or pattern that is
// declared here. A product's routes are declared only once their handlers
// exist (a test in infra/local proves every route has one).
package topology

import (
	"net/url"
	"sort"
	"strings"
)

// AuthKind says who may call a route.
type AuthKind string

// The auth kinds of DESIGN §2.
const (
	Public AuthKind = "public" // anyone; no authorizer
	User   AuthKind = "user"   // a person, with a JWT
	Client AuthKind = "client" // an advertiser's or community's server, with an API key
)

// AttrType is a DynamoDB key attribute type.
type AttrType string

// Key attribute types.
const (
	String AttrType = "S"
	Number AttrType = "N"
)

// Key is one key attribute.
type Key struct {
	Name string
	Type AttrType
}

// Index is a global or local secondary index. Projection is always ALL
// unless Keys lists the non-key attributes to project (INCLUDE).
type Index struct {
	Name         string
	PartitionKey Key
	SortKey      *Key
	Include      []string
}

// StreamView is a DynamoDB stream view type; empty means no stream.
type StreamView string

// Stream views.
const (
	NoStream StreamView = ""
	NewImage StreamView = "NEW_IMAGE"
)

// Table is one DynamoDB table, named by its logical name.
type Table struct {
	Name          string
	PartitionKey  Key
	SortKey       *Key
	GlobalIndexes []Index
	LocalIndexes  []Index
	TTLAttribute  string
	Stream        StreamView
	// Purpose says what lives here, for people and for the docs.
	Purpose string
}

// Access is how a function may use a table.
type Access string

// Table access levels; the CDK app grants exactly these.
const (
	Read      Access = "read"
	ReadWrite Access = "readwrite"
	WriteOnly Access = "write" // e.g. the outbox: services only put events
)

// Grant gives a function access to a table.
type Grant struct {
	Table  string
	Access Access
}

// Function is one Lambda function.
type Function struct {
	Name        string
	Description string
	Tables      []Grant
	MemoryMB    int
	TimeoutSec  int
	// PublishesEvents is true for the one function allowed to PutEvents.
	PublishesEvents bool
	// ConsumesOutboxStream is true for the relay: it reads the outbox stream.
	ConsumesOutboxStream bool
	// CreatesSchedules is true for functions that create one-time schedules.
	CreatesSchedules bool
	// UsesPaymentRail is true for functions that charge or pay through
	// Stripe: they may read the Stripe secret.
	UsesPaymentRail bool
	// SignsClicks is true for functions that key HMACs with a generated
	// secret of their own (SOUQ_CLICK_SECRET_ARN in AWS): serve signs click
	// tokens with it, referrals hashes visitors' IP addresses and agents.
	SignsClicks bool
	// HotPath is true for the function every ad view calls (serve): its
	// platform's per-invocation log lines (START, END, REPORT) are off,
	// since they would cost more than its own sampled logs; Lambda's
	// metrics still count every invocation and its duration.
	HotPath bool
	// SignsIn is true for the console: it is an OpenID Connect client of
	// the user pool (its app client, hosted sign-in and callback URLs).
	SignsIn bool
	// HostsCreatives is true for the function that uploads advertisers'
	// creatives: it may put objects in the creatives bucket
	// (EnvCreativesBucket) and names their URLs (EnvCreativesURL).
	HostsCreatives bool
}

// Route is one HTTP route of the API.
type Route struct {
	Method   string
	Path     string // API Gateway style: /v1/communities/{communityId}
	Function string
	Auth     []AuthKind // Public alone, or any of User and Client
	Summary  string
	// Page marks the console's HTML routes: public to the gateway (the
	// console signs people in itself), outside the API's contract.
	Page bool
	// Throttle, when set, is tighter than the stage's default for this
	// route (requests per second, and the burst above it).
	Throttle *Throttle
	// FunctionURL marks the public serving routes CloudFront sends
	// straight to the function's URL (DESIGN §20), not through API
	// Gateway: their events are a function URL's payload 2.0, with the
	// route key "$default" and no path parameters, so the function
	// finds the route from the raw path itself (api.Router does).
	FunctionURL bool
}

// BehindURL reports whether a function serves routes CloudFront sends to
// its URL (Route.FunctionURL): the stack gives it the public URL by a
// secret's name, since the distribution is its URL's origin.
func (t Topology) BehindURL(fn string) bool {
	for _, r := range t.Routes {
		if r.FunctionURL && r.Function == fn {
			return true
		}
	}
	return false
}

// Throttle is an API Gateway rate limit.
type Throttle struct {
	RatePerSecond float64
	Burst         float64
}

// DefaultThrottle is each caller's budget where a route has no throttle
// of its own: per principal and route on the local gateway, per source
// address (public routes) or Authorization header (the rest) at the edge
// in AWS (WAF rate-based rules, counted per minute).
var DefaultThrottle = Throttle{RatePerSecond: 100, Burst: 200}

// Key is the API Gateway route key: "GET /v1/communities/{communityId}".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Allows reports whether a principal of kind k may call the route.
func (r Route) Allows(k AuthKind) bool {
	for _, a := range r.Auth {
		if a == k {
			return true
		}
	}
	return false
}

// IsPublic reports whether the route needs no credentials.
func (r Route) IsPublic() bool { return r.Allows(Public) }

// Rule routes events from the bus to a function. Pattern is an EventBridge
// event pattern in JSON.
type Rule struct {
	Name    string
	Pattern string
	Target  string
}

// Schedule invokes a function on a recurring expression ("rate(5 minutes)").
// One-time schedules (auction close, review deadlines) are made at run time
// by the functions that own them.
type Schedule struct {
	Name       string
	Expression string
	Target     string
	// Input is the JSON payload the target receives; empty means {}.
	Input string
}

// Payload is the schedule's input, {} when none is set.
func (s Schedule) Payload() string {
	if s.Input == "" {
		return "{}"
	}
	return s.Input
}

// Topology is the whole of Souq.
type Topology struct {
	Bus string
	// Authorizer names the function that authenticates HTTP requests.
	Authorizer string
	// ScheduleGroup is the EventBridge Scheduler group for one-time schedules.
	ScheduleGroup string
	Tables        []Table
	Functions     []Function
	Routes        []Route
	Rules         []Rule
	Schedules     []Schedule
}

// Table returns the table with the logical name.
func (t Topology) Table(name string) (Table, bool) {
	for _, tb := range t.Tables {
		if tb.Name == name {
			return tb, true
		}
	}
	return Table{}, false
}

// Function returns the function with the name.
func (t Topology) Function(name string) (Function, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// RoutesOf returns the routes a function serves.
func (t Topology) RoutesOf(function string) []Route {
	var out []Route
	for _, r := range t.Routes {
		if r.Function == function {
			out = append(out, r)
		}
	}
	return out
}

// TableNames lists every table's logical name.
func (t Topology) TableNames() []string {
	var out []string
	for _, tb := range t.Tables {
		out = append(out, tb.Name)
	}
	return out
}

// TablesOf lists the logical names of the tables a function may use.
func (f Function) TablesOf() []string {
	var out []string
	for _, g := range f.Tables {
		out = append(out, g.Table)
	}
	sort.Strings(out)
	return out
}

// Match finds the route for a method and a request's raw path (as sent,
// still escaped), with its decoded path parameters. pathExists reports whether some route has the path with
// another method (so the caller can answer 405 rather than 404).
func (t Topology) Match(method, rawPath string) (r Route, params map[string]string, pathExists bool) {
	segs, ok := splitRawPath(rawPath)
	if !ok {
		return Route{}, nil, false
	}
	for _, cand := range t.Routes {
		p, ok := matchPath(splitPath(cand.Path), segs)
		if !ok {
			continue
		}
		if cand.Method == method {
			return cand, p, true
		}
		pathExists = true
	}
	return Route{}, nil, pathExists
}

// splitRawPath splits a request's raw (still escaped) path the way API
// Gateway matches it: one leading slash, no empty segment but a trailing
// one (so neither //v1/me nor /v1/me/ is /v1/me; only a greedy {proxy+}
// takes the empty last segment of /console/), and each segment as sent, so
// an encoded slash (%2F) never splits or joins segments.
func splitRawPath(raw string) ([]string, bool) {
	if !strings.HasPrefix(raw, "/") {
		return nil, false
	}
	if raw == "/" {
		return nil, true
	}
	segs := strings.Split(raw[1:], "/")
	for i, s := range segs {
		if s == "" && i != len(segs)-1 {
			return nil, false
		}
	}
	return segs, true
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func matchPath(pattern, segs []string) (map[string]string, bool) {
	if n := len(pattern); n > 0 && strings.HasSuffix(pattern[n-1], "+}") {
		// A greedy parameter ({proxy+}) takes one or more segments, raw.
		if len(segs) < n {
			return nil, false
		}
		params, ok := matchPath(pattern[:n-1], segs[:n-1])
		if !ok {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[strings.TrimSuffix(pattern[n-1][1:], "+}")] = strings.Join(segs[n-1:], "/")
		return params, true
	}
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, ps := range pattern {
		if strings.HasPrefix(ps, "{") && strings.HasSuffix(ps, "}") {
			// A parameter is one raw segment, decoded; one that decodes
			// to a slash (or is not valid escaping) matches nothing.
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" || strings.Contains(v, "/") {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[ps[1:len(ps)-1]] = v
			continue
		}
		if ps != segs[i] {
			return nil, false
		}
	}
	return params, true
}
