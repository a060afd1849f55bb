package cdk

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// template is a synthesized template as plain JSON.
type template struct {
	Resources map[string]resource `json:"Resources"`
}

type resource struct {
	Type           string                 `json:"Type"`
	Properties     map[string]interface{} `json:"Properties"`
	DeletionPolicy string                 `json:"DeletionPolicy"`
	Metadata       map[string]interface{} `json:"Metadata"`
}

func plain(t *testing.T, tpl assertions.Template) template {
	t.Helper()
	b, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var out template
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func (tp template) ofType(typ string) map[string]resource {
	out := map[string]resource{}
	for id, r := range tp.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// path is the construct path CDK records in each resource's metadata.
func (r resource) path() string { p, _ := r.Metadata["aws:cdk:path"].(string); return p }

// byPath finds the logical id of the resource whose construct path is
// <stack>/<prefix>.
func (tp template) byPath(t *testing.T, suffix string) string {
	t.Helper()
	for id, r := range tp.Resources {
		if strings.HasSuffix(r.path(), "/"+suffix) {
			return id
		}
	}
	t.Fatalf("no resource at …/%s", suffix)
	return ""
}

func js(v interface{}) string { b, _ := json.Marshal(v); return string(b) }

// One synthesis of each stage serves every test below (each costs seconds).
var dev, prod struct {
	s   *Souq
	tpl assertions.Template
	raw template
}

func stacks(t *testing.T) {
	t.Helper()
	if dev.s == nil {
		dev.s, dev.tpl = synth(t, topology.Souq(), "dev")
		dev.raw = plain(t, dev.tpl)
		prod.s, prod.tpl = synth(t, topology.Souq(), "prod")
		prod.raw = plain(t, prod.tpl)
	}
}

func TestTemplate_EveryRouteWithItsAuth(t *testing.T) {
	stacks(t)
	routes := dev.raw.ofType("AWS::ApiGatewayV2::Route")
	got := map[string]string{}
	for _, r := range routes {
		got[r.Properties["RouteKey"].(string)] = r.Properties["AuthorizationType"].(string)
	}
	top := topology.Souq()
	for _, r := range top.Routes {
		if r.FunctionURL {
			// CloudFront → the serve function's URL: no API Gateway on the
			// floor's path (TestTemplate_ServingGoesToTheFunctionURL).
			if _, onAPI := got[r.Key()]; onAPI {
				t.Errorf("route %s is on API Gateway; it is behind the function's URL", r.Key())
			}
			continue
		}
		want := "CUSTOM"
		if r.IsPublic() {
			want = "NONE"
		}
		if got[r.Key()] != want {
			t.Errorf("route %s: authorization %q, want %q", r.Key(), got[r.Key()], want)
		}
		delete(got, r.Key())
	}
	if len(got) != 0 {
		t.Errorf("routes not in the topology: %v", got)
	}
	if n := len(dev.raw.ofType("AWS::ApiGatewayV2::Api")); n != 1 {
		t.Fatalf("%d HTTP APIs, want 1", n)
	}
	auths := dev.raw.ofType("AWS::ApiGatewayV2::Authorizer")
	if len(auths) != 1 {
		t.Fatalf("%d authorizers, want 1", len(auths))
	}
	for _, a := range auths {
		p := a.Properties
		if p["AuthorizerType"] != "REQUEST" || p["EnableSimpleResponses"] != true || p["AuthorizerPayloadFormatVersion"] != "2.0" ||
			js(p["IdentitySource"]) != `["$request.header.Authorization"]` || p["AuthorizerResultTtlInSeconds"] != float64(30) {
			t.Fatalf("authorizer = %s", js(p))
		}
		if !strings.Contains(js(p["AuthorizerUri"]), dev.raw.byPath(t, "Functions/"+top.Authorizer+"/Function/Resource")) {
			t.Fatalf("the authorizer is not the %s function: %s", top.Authorizer, js(p["AuthorizerUri"]))
		}
	}
}

func TestTemplate_FunctionsAreGoArm64WithTheirEnvironment(t *testing.T) {
	stacks(t)
	top := topology.Souq()
	fns := dev.raw.ofType("AWS::Lambda::Function")
	if len(fns) != len(top.Functions) {
		t.Fatalf("%d functions in the template, %d in the topology", len(fns), len(top.Functions))
	}
	for _, f := range top.Functions {
		r := dev.raw.Resources[dev.raw.byPath(t, "Functions/"+f.Name+"/Function/Resource")]
		p := r.Properties
		if p["Runtime"] != "provided.al2023" || js(p["Architectures"]) != `["arm64"]` || p["Handler"] != "bootstrap" ||
			p["MemorySize"] != float64(f.MemoryMB) || p["Timeout"] != float64(f.TimeoutSec) {
			t.Errorf("%s: %s", f.Name, js(p))
		}
		env := p["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		var tables []string
		for k := range env {
			if strings.HasPrefix(k, "SOUQ_TABLE_") {
				tables = append(tables, k)
			}
		}
		var want []string
		for _, tb := range f.TablesOf() {
			want = append(want, store.EnvName(tb))
		}
		sort.Strings(tables)
		sort.Strings(want)
		if strings.Join(tables, ",") != strings.Join(want, ",") || env["SOUQ_STAGE"] != "dev" {
			t.Errorf("%s environment %v, want tables %v", f.Name, env, want)
		}
		if level := js(p["LoggingConfig"]); f.HotPath != strings.Contains(level, `"SystemLogLevel":"WARN"`) || !strings.Contains(level, `"LogFormat":"JSON"`) {
			t.Errorf("%s logging %s (hot path: %v)", f.Name, level, f.HotPath)
		}
		if f.Name == top.Authorizer && (env["SOUQ_JWT_ISSUER"] == nil || env["SOUQ_JWT_CLIENT_IDS"] == nil) {
			t.Errorf("the authorizer has no Cognito settings: %v", env)
		}
	}
}

// Each function may touch exactly the tables the topology grants it, with
// exactly the access it grants, and no IAM action anywhere is a wildcard.
func TestTemplate_GrantsEqualTheTopology(t *testing.T) {
	stacks(t)
	top := topology.Souq()
	tableID := map[string]string{}
	for _, tb := range top.Tables {
		tableID[tb.Name] = dev.raw.byPath(t, "Tables/"+tb.Name+"/Resource")
	}
	for _, f := range top.Functions {
		roleID := dev.raw.byPath(t, "Functions/"+f.Name+"/Role/Resource")
		reads, writes := map[string]bool{}, map[string]bool{}
		for _, pol := range dev.raw.ofType("AWS::IAM::Policy") {
			if !strings.Contains(js(pol.Properties["Roles"]), `"`+roleID+`"`) {
				continue
			}
			stmts := pol.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
			for _, st := range stmts {
				stm := st.(map[string]interface{})
				actions := js(stm["Action"])
				res := js(stm["Resource"])
				for name, id := range tableID {
					if !strings.Contains(res, `"`+id+`"`) {
						continue
					}
					if strings.Contains(actions, "dynamodb:GetItem") || strings.Contains(actions, "dynamodb:Query") {
						reads[name] = true
					}
					if strings.Contains(actions, "dynamodb:PutItem") || strings.Contains(actions, "dynamodb:UpdateItem") {
						writes[name] = true
					}
					// The relay's stream access is not table access.
					if strings.Contains(actions, "dynamodb:GetRecords") && !strings.Contains(actions, "dynamodb:GetItem") {
						delete(reads, name)
					}
				}
			}
		}
		wantR, wantW := map[string]bool{}, map[string]bool{}
		for _, g := range f.Tables {
			if g.Access == topology.Read || g.Access == topology.ReadWrite {
				wantR[g.Table] = true
			}
			if g.Access == topology.WriteOnly || g.Access == topology.ReadWrite {
				wantW[g.Table] = true
			}
		}
		if js(reads) != js(wantR) || js(writes) != js(wantW) {
			t.Errorf("%s: reads %v writes %v; the topology grants reads %v writes %v", f.Name, reads, writes, wantR, wantW)
		}
	}
	for id, pol := range dev.raw.ofType("AWS::IAM::Policy") {
		for _, st := range pol.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
			for _, a := range asList(st.(map[string]interface{})["Action"]) {
				if strings.Contains(a, "*") {
					t.Errorf("policy %s has the wildcard action %s", id, a)
				}
			}
		}
	}
}

func asList(v interface{}) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []interface{}:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func TestTemplate_TablesCarryKeysStreamsTTLAndProtection(t *testing.T) {
	stacks(t)
	for _, st := range []struct {
		name   string
		raw    template
		retain bool
	}{{"dev", dev.raw, false}, {"prod", prod.raw, true}} {
		for _, tb := range topology.Souq().Tables {
			r := st.raw.Resources[st.raw.byPath(t, "Tables/"+tb.Name+"/Resource")]
			p := r.Properties
			ks := js(p["KeySchema"])
			if !strings.Contains(ks, `"AttributeName":"`+tb.PartitionKey.Name+`","KeyType":"HASH"`) ||
				(tb.SortKey != nil && !strings.Contains(ks, `"AttributeName":"`+tb.SortKey.Name+`","KeyType":"RANGE"`)) {
				t.Errorf("%s %s keys %s", st.name, tb.Name, ks)
			}
			if p["BillingMode"] != "PAY_PER_REQUEST" || js(p["PointInTimeRecoverySpecification"]) != `{"PointInTimeRecoveryEnabled":true}` ||
				js(p["SSESpecification"]) != `{"SSEEnabled":true}` {
				t.Errorf("%s %s: billing, PITR or encryption: %s", st.name, tb.Name, js(p))
			}
			if tb.TTLAttribute != "" && js(p["TimeToLiveSpecification"]) != `{"AttributeName":"`+tb.TTLAttribute+`","Enabled":true}` {
				t.Errorf("%s %s TTL %s", st.name, tb.Name, js(p["TimeToLiveSpecification"]))
			}
			if (tb.Stream != topology.NoStream) != (p["StreamSpecification"] != nil) {
				t.Errorf("%s %s stream %s", st.name, tb.Name, js(p["StreamSpecification"]))
			}
			if st.retain != (p["DeletionProtectionEnabled"] == true) || st.retain != (r.DeletionPolicy == "Retain") {
				t.Errorf("%s %s: deletion protection %v, policy %q", st.name, tb.Name, p["DeletionProtectionEnabled"], r.DeletionPolicy)
			}
			var gsis []string
			for _, ix := range tb.GlobalIndexes {
				gsis = append(gsis, ix.Name)
			}
			for _, n := range gsis {
				if !strings.Contains(js(p["GlobalSecondaryIndexes"]), `"IndexName":"`+n+`"`) {
					t.Errorf("%s %s lacks index %s", st.name, tb.Name, n)
				}
			}
		}
	}
}

func TestTemplate_OutboxStreamFeedsTheRelayWithBisectAndDeadLetters(t *testing.T) {
	stacks(t)
	maps := dev.raw.ofType("AWS::Lambda::EventSourceMapping")
	if len(maps) != 1 {
		t.Fatalf("%d event source mappings, want 1", len(maps))
	}
	for _, m := range maps {
		p := m.Properties
		if p["BisectBatchOnFunctionError"] != true || p["MaximumRetryAttempts"] != float64(10) || p["StartingPosition"] != "TRIM_HORIZON" ||
			js(p["FunctionResponseTypes"]) != `["ReportBatchItemFailures"]` ||
			!strings.Contains(js(p["DestinationConfig"]), dev.raw.byPath(t, "OutboxStreamDeadLetters/Resource")) ||
			!strings.Contains(js(p["EventSourceArn"]), dev.raw.byPath(t, "Tables/"+topology.TableOutbox+"/Resource")) ||
			!strings.Contains(js(p["FunctionName"]), dev.raw.byPath(t, "Functions/"+topology.FnRelay+"/Function/Resource")) {
			t.Fatalf("mapping = %s", js(p))
		}
	}
}

func TestTemplate_BusSchedulerLogsAlarmsAndThrottles(t *testing.T) {
	stacks(t)
	top := topology.Souq()
	bus := dev.raw.Resources[dev.raw.byPath(t, "Bus/Resource")]
	if bus.Type != "AWS::Events::EventBus" || bus.Properties["Name"] != top.Bus {
		t.Fatalf("bus = %s", js(bus))
	}
	group := dev.raw.Resources[dev.raw.byPath(t, "ScheduleGroup")]
	if group.Properties["Name"] != top.ScheduleGroup {
		t.Fatalf("schedule group = %s", js(group))
	}
	role := dev.raw.Resources[dev.raw.byPath(t, "SchedulerRole/Resource")]
	if !strings.Contains(js(role.Properties["AssumeRolePolicyDocument"]), "scheduler.amazonaws.com") {
		t.Fatalf("scheduler role = %s", js(role))
	}
	stages := dev.raw.ofType("AWS::ApiGatewayV2::Stage")
	for _, st := range stages {
		p := st.Properties
		if p["AccessLogSettings"] == nil || !strings.Contains(js(p["AccessLogSettings"]), "$context.requestId") {
			t.Errorf("stage without access logs: %s", js(p))
		}
		d := js(p["DefaultRouteSettings"])
		if !strings.Contains(d, `"ThrottlingRateLimit":100`) || !strings.Contains(d, `"ThrottlingBurstLimit":200`) {
			t.Errorf("stage throttle %s", d)
		}
		rs := p["RouteSettings"].(map[string]interface{})
		for _, r := range top.Routes {
			if r.Throttle != nil && js(rs[r.Key()]) != fmt.Sprintf(`{"ThrottlingBurstLimit":%g,"ThrottlingRateLimit":%g}`, r.Throttle.Burst, r.Throttle.RatePerSecond) {
				t.Errorf("route %s throttle %s", r.Key(), js(rs[r.Key()]))
			}
		}
	}
	for _, lg := range dev.raw.ofType("AWS::Logs::LogGroup") {
		if lg.Properties["RetentionInDays"] != float64(14) {
			t.Errorf("dev log group retention %v", lg.Properties["RetentionInDays"])
		}
	}
	for _, lg := range prod.raw.ofType("AWS::Logs::LogGroup") {
		if lg.Properties["RetentionInDays"] != float64(365) || lg.DeletionPolicy != "Retain" {
			t.Errorf("prod log group %v %s", lg.Properties["RetentionInDays"], lg.DeletionPolicy)
		}
	}
	alarms := dev.raw.ofType("AWS::CloudWatch::Alarm")
	want := 2*len(top.Functions) + 1 + 2 + 1 + 1 // errors and throttles per function, API 5xx, two DLQ depths, ledger violations, forged beacons
	if len(alarms) != want {
		t.Fatalf("%d alarms, want %d", len(alarms), want)
	}
	metrics := map[string]int{}
	for _, a := range alarms {
		metrics[fmt.Sprint(a.Properties["MetricName"])]++
		if !strings.Contains(js(a.Properties["AlarmActions"]), dev.raw.byPath(t, "Alarms/Resource")) {
			t.Errorf("alarm without an action: %s", js(a.Properties))
		}
	}
	if metrics["Errors"] != len(top.Functions) || metrics["Throttles"] != len(top.Functions) || metrics["5xx"] != 1 || metrics["ApproximateNumberOfMessagesVisible"] != 2 || metrics["LedgerViolations"] != 1 {
		t.Fatalf("alarm metrics %v", metrics)
	}
}

// A topology with a rule, a recurring schedule and a function that makes
// one-time schedules: the stack wires each, with least privilege.
func TestTemplate_RulesAndSchedulesFromTheTopology(t *testing.T) {
	top := topology.Souq()
	top.Functions = append(top.Functions, topology.Function{Name: "closer", Description: "test", MemoryMB: 128, TimeoutSec: 5, CreatesSchedules: true})
	top.Rules = append(top.Rules, topology.Rule{Name: "closed", Pattern: `{"source":[{"prefix":"souq."}],"detail-type":["AuctionClosed"]}`, Target: "closer"})
	top.Schedules = append(top.Schedules, topology.Schedule{Name: "sweep", Expression: "rate(5 minutes)", Target: "closer"})
	_, tpl := synth(t, top, "dev")
	raw := plain(t, tpl)
	rules := raw.ofType("AWS::Events::Rule")
	if len(rules) != len(top.Rules) {
		t.Fatalf("%d rules, the topology has %d", len(rules), len(top.Rules))
	}
	for _, r := range rules {
		if !strings.Contains(r.path(), "Rule-closed") {
			continue
		}
		if js(r.Properties["EventPattern"]) != `{"detail-type":["AuctionClosed"],"source":[{"prefix":"souq."}]}` {
			t.Errorf("pattern %s", js(r.Properties["EventPattern"]))
		}
		tg := js(r.Properties["Targets"])
		if !strings.Contains(tg, raw.byPath(t, "EventDeadLetters/Resource")) || !strings.Contains(tg, `"MaximumRetryAttempts":185`) {
			t.Errorf("target %s", tg)
		}
	}
	sch := raw.ofType("AWS::Scheduler::Schedule")
	if len(sch) != len(top.Schedules) {
		t.Fatalf("%d schedules, the topology has %d", len(sch), len(top.Schedules))
	}
	found := false
	for _, s := range sch {
		found = found || s.Properties["ScheduleExpression"] == "rate(5 minutes)" && strings.Contains(js(s.Properties["Target"]), raw.byPath(t, "Functions/closer/Function/Resource"))
		if !strings.Contains(js(s.Properties["Target"]), raw.byPath(t, "SchedulerRole/Resource")) {
			t.Errorf("schedule %s", js(s.Properties))
		}
	}
	if !found {
		t.Error("the closer's schedule is missing")
	}
	closerRole := raw.byPath(t, "Functions/closer/Role/Resource")
	var closerPolicy, schedulerPolicy string
	for _, p := range raw.ofType("AWS::IAM::Policy") {
		if strings.Contains(js(p.Properties["Roles"]), closerRole) {
			closerPolicy += js(p.Properties)
		}
		if strings.Contains(js(p.Properties["Roles"]), raw.byPath(t, "SchedulerRole/Resource")) {
			schedulerPolicy += js(p.Properties)
		}
	}
	for _, want := range []string{"scheduler:CreateSchedule", "iam:PassRole", ":schedule/souq/*"} {
		if !strings.Contains(closerPolicy, want) {
			t.Errorf("the scheduling function lacks %s: %s", want, closerPolicy)
		}
	}
	if !strings.Contains(schedulerPolicy, "lambda:InvokeFunction") || !strings.Contains(schedulerPolicy, raw.byPath(t, "Functions/closer/Function/Resource")) {
		t.Errorf("the scheduler may not invoke its target: %s", schedulerPolicy)
	}
}

// cfn-lint (on this machine's image) finds no error in either stage.
// The daily ledger verification is scheduled and may only read the ledger.
func TestTemplate_DailyLedgerVerify(t *testing.T) {
	stacks(t)
	ops := dev.raw.byPath(t, "Functions/"+topology.FnOps+"/Function/Resource")
	found := false
	for _, s := range dev.raw.ofType("AWS::Scheduler::Schedule") {
		found = found || s.Properties["ScheduleExpression"] == "rate(1 day)" && strings.Contains(js(s.Properties["Target"]), ops)
	}
	if !found {
		t.Fatal("no daily schedule invokes the ops function")
	}
}

func TestTemplate_CfnLintClean(t *testing.T) {
	stacks(t)
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is not installed; it is part of this machine image (see README)")
	}
	for name, tpl := range map[string]assertions.Template{"dev": dev.tpl, "prod": prod.tpl} {
		path := filepath.Join(t.TempDir(), name+".template.json")
		b, _ := json.MarshalIndent(tpl.ToJSON(), "", " ")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("cfn-lint", "--format", "parseable", "--", path).CombinedOutput()
		// cfn-lint exits 0 when clean, 2 for errors, 4 for warnings, 8 for
		// informational findings; only errors fail the build.
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode()&2 != 0 || err != nil && !ok {
			t.Errorf("cfn-lint %s: %v\n%s", name, err, out)
		} else if len(out) > 0 {
			t.Logf("cfn-lint %s (non-errors):\n%s", name, out)
		}
	}
}

// The operators' dashboard: API traffic and errors, dead letters, every
// function's errors, throttles and duration, the routers' EMF latency,
// the ledger's violations.
func TestTemplate_DashboardShowsEveryFunctionAndTheMoneyInvariants(t *testing.T) {
	stacks(t)
	boards := dev.raw.ofType("AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("dashboards: %s", js(boards))
	}
	var board resource
	for _, b := range boards {
		board = b
	}
	if board.Properties["DashboardName"] != "souq-dev" {
		t.Fatalf("dashboard: %s", js(board))
	}
	body := js(board.Properties["DashboardBody"])
	for _, want := range []string{"API requests and errors", "Dead letters", "Function errors", "Function throttles", "Function duration p99",
		"latencyMs", "Ledger violations"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	for _, f := range topology.Souq().Functions {
		if !strings.Contains(body, f.Name) {
			t.Errorf("the dashboard lacks function %s", f.Name)
		}
	}
}

// The console signs people in at the user pool's hosted sign-in with an
// app client of its own (authorization code, no secret), called back on
// the API's domain; the authorizer takes that client's tokens too.
func TestTemplate_ConsoleSignsInWithCognito(t *testing.T) {
	stacks(t)
	tpl := dev.raw
	clients := tpl.ofType("AWS::Cognito::UserPoolClient")
	var console map[string]interface{}
	for _, c := range clients {
		p := c.Properties
		if flows, ok := p["AllowedOAuthFlows"].([]interface{}); ok && len(flows) == 1 && flows[0] == "code" {
			console = p
		}
	}
	if console == nil {
		t.Fatalf("no app client with the authorization code flow: %s", js(clients))
	}
	if console["GenerateSecret"] == true || !strings.Contains(js(console["CallbackURLs"]), "/console/callback") || !strings.Contains(js(console["LogoutURLs"]), "/console/signed-out") {
		t.Errorf("console client: %s", js(console))
	}
	if len(tpl.ofType("AWS::Cognito::UserPoolDomain")) != 1 {
		t.Error("the user pool has no hosted sign-in domain")
	}
	fn := tpl.byPath(t, "Functions/console/Function/Resource")
	env := tpl.Resources[fn].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	for _, k := range []string{"SOUQ_PUBLIC_URL", "SOUQ_JWT_ISSUER", "SOUQ_CONSOLE_CLIENT_ID", "SOUQ_CONSOLE_LOGOUT_URL", "SOUQ_TABLE_SESSIONS"} {
		if env[k] == nil {
			t.Errorf("the console function lacks %s: %s", k, js(env))
		}
	}
	auth := tpl.Resources[tpl.byPath(t, "Functions/authorizer/Function/Resource")].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	if !strings.Contains(js(auth["SOUQ_JWT_CLIENT_IDS"]), "Fn::Join") {
		t.Errorf("the authorizer takes one client only: %s", js(auth["SOUQ_JWT_CLIENT_IDS"]))
	}
}

// The edge: CloudFront in front of the API on one domain, caching /tag.js
// only (for TagCacheSeconds, the same for every page), every other path
// uncached with every viewer header but Host (and CloudFront's, among them
// the viewer's country) sent on; AWS WAF limiting each source address on
// requests without credentials and each Authorization header on the rest
// to the local gateway's rate, answering 429; logs kept; every link the
// functions make on the public domain; and the stack refusing any region
// but us-east-1 (where CloudFront's web ACLs live).
func TestTemplate_EdgeCachesOnlyTheTagAndLimitsEachCaller(t *testing.T) {
	stacks(t)
	tpl := dev.raw
	dists := tpl.ofType("AWS::CloudFront::Distribution")
	if len(dists) != 1 {
		t.Fatalf("%d distributions", len(dists))
	}
	var cfg map[string]interface{}
	for _, d := range dists {
		cfg = d.Properties["DistributionConfig"].(map[string]interface{})
	}
	const cachingDisabled, allViewerExceptHost = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	def := cfg["DefaultCacheBehavior"].(map[string]interface{})
	if def["CachePolicyId"] != cachingDisabled || def["OriginRequestPolicyId"] != allViewerExceptHost || def["ViewerProtocolPolicy"] != "https-only" ||
		!strings.Contains(js(def["AllowedMethods"]), "PATCH") || !strings.Contains(js(def["AllowedMethods"]), "DELETE") {
		t.Errorf("default behavior: %s", js(def))
	}
	behaviors, _ := cfg["CacheBehaviors"].([]interface{})
	byPattern := map[string]map[string]interface{}{}
	for _, b := range behaviors {
		b := b.(map[string]interface{})
		byPattern[b["PathPattern"].(string)] = b
	}
	// The serving routes behind the function's URL (the tag among them;
	// TestTemplate_ServingGoesToTheFunctionURL), and the hosted creatives
	// (TestTemplate_CreativesAreServedFromAPrivateBucket).
	patterns := servingPatterns(topology.Souq())
	if want := []string{"/c/*", "/tag.js", "/v/*", "/v1/serve/*"}; js(patterns) != js(want) {
		t.Fatalf("serving patterns %v, want %v", patterns, want)
	}
	if len(behaviors) != len(patterns)+1 || byPattern["/creatives/*"] == nil {
		t.Fatalf("cache behaviors: %s", js(behaviors))
	}
	tag := byPattern["/tag.js"]
	if tag == nil || js(tag["AllowedMethods"]) != `["GET","HEAD"]` {
		t.Errorf("tag behavior: %s", js(tag))
	}
	for _, p := range patterns {
		if p != "/tag.js" && (byPattern[p] == nil || byPattern[p]["CachePolicyId"] != cachingDisabled) {
			t.Errorf("%s is cached: %s", p, js(byPattern[p]))
		}
	}
	policy := tpl.Resources[tpl.byPath(t, "TagCache/Resource")].Properties["CachePolicyConfig"].(map[string]interface{})
	key := policy["ParametersInCacheKeyAndForwardedToOrigin"].(map[string]interface{})
	if policy["DefaultTTL"] != float64(TagCacheSeconds) || policy["MaxTTL"] != float64(TagCacheSeconds) ||
		!strings.Contains(js(key), `"HeaderBehavior":"none"`) || !strings.Contains(js(key), `"QueryStringBehavior":"none"`) || !strings.Contains(js(key), `"CookieBehavior":"none"`) {
		t.Errorf("the tag's cache policy: %s", js(policy))
	}
	if !strings.Contains(js(tag["CachePolicyId"]), tpl.byPath(t, "TagCache/Resource")) {
		t.Errorf("the tag behavior does not use its cache policy: %s", js(tag))
	}
	var origins []interface{}
	for _, o := range cfg["Origins"].([]interface{}) {
		if o.(map[string]interface{})["S3OriginConfig"] == nil {
			origins = append(origins, o) // the creatives bucket's is tested on its own
		}
	}
	// The HTTP API, and the serve function's URL.
	var apiOrigins, urlOrigins int
	for _, o := range origins {
		o := o.(map[string]interface{})
		if !strings.Contains(js(o["CustomOriginConfig"]), `"OriginProtocolPolicy":"https-only"`) || !strings.Contains(js(o["CustomOriginConfig"]), "TLSv1.2") {
			t.Errorf("origin: %s", js(o))
		}
		switch d := js(o["DomainName"]); {
		case strings.Contains(d, "ApiEndpoint"):
			apiOrigins++
		case strings.Contains(d, "FunctionUrl"):
			urlOrigins++
		}
	}
	if len(origins) != 2 || apiOrigins != 1 || urlOrigins != 1 {
		t.Errorf("origins: %s", js(origins))
	}
	if !strings.Contains(js(cfg["Logging"]), tpl.byPath(t, "EdgeLogs/Resource")) {
		t.Errorf("no access logs: %s", js(cfg["Logging"]))
	}
	acl := tpl.byPath(t, "EdgeFirewall")
	if js(cfg["WebACLId"]) != fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, acl) {
		t.Errorf("web ACL %s, want %s", js(cfg["WebACLId"]), acl)
	}
	w := tpl.Resources[acl].Properties
	if w["Scope"] != "CLOUDFRONT" || js(w["DefaultAction"]) != `{"Allow":{}}` {
		t.Errorf("web ACL: %s", js(w))
	}
	rules := map[string]map[string]interface{}{}
	for _, r := range w["Rules"].([]interface{}) {
		r := r.(map[string]interface{})
		rules[r["Name"].(string)] = r
	}
	limit := fmt.Sprintf(`"Limit":%d`, int(topology.DefaultThrottle.RatePerSecond*60))
	public, api := js(rules["public-per-address"]), js(rules["api-per-credential"])
	if !strings.Contains(public, `"AggregateKeyType":"IP"`) || !strings.Contains(public, limit) || !strings.Contains(public, `"NotStatement"`) ||
		!strings.Contains(public, `"authorization"`) || !strings.Contains(public, `"ResponseCode":429`) {
		t.Errorf("public rule: %s", public)
	}
	if !strings.Contains(api, `"AggregateKeyType":"CUSTOM_KEYS"`) || !strings.Contains(api, `"Header":{"Name":"authorization"`) ||
		!strings.Contains(api, limit) || !strings.Contains(api, `"ResponseCode":429`) {
		t.Errorf("credential rule: %s", api)
	}
	// The serving routes per address whatever they carry (an Authorization
	// header must not move a flood to the per-credential rule).
	serving := js(rules["serving-per-address"])
	if !strings.Contains(serving, `"AggregateKeyType":"IP"`) || !strings.Contains(serving, limit) || !strings.Contains(serving, `"ResponseCode":429`) ||
		strings.Contains(serving, "authorization") || len(rules) != 4 {
		t.Errorf("serving rule: %s (%d rules)", serving, len(rules))
	}
	for _, p := range servingPatterns(topology.Souq()) {
		want := `"PositionalConstraint":"STARTS_WITH","SearchString":"` + strings.TrimSuffix(p, "*") + `"`
		if !strings.HasSuffix(p, "*") {
			want = `"PositionalConstraint":"EXACTLY","SearchString":"` + p + `"`
		}
		if !strings.Contains(serving, want) {
			t.Errorf("the serving rule does not cover %s: %s", p, serving)
		}
	}
	if !strings.Contains(js(rules["known-bad-addresses"]), "AWSManagedRulesAmazonIpReputationList") {
		t.Errorf("no reputation list: %s", js(w["Rules"]))
	}
	public2 := fmt.Sprintf(`{"Fn::Join":["",["https://",{"Fn::GetAtt":["%s","DomainName"]}]]}`, tpl.byPath(t, "Edge/Resource"))
	for _, f := range topology.Souq().Functions {
		env := tpl.Resources[tpl.byPath(t, "Functions/"+f.Name+"/Function/Resource")].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		if dev.s.behindURL(f.Name) {
			// The distribution is its URL's origin: it reads the public
			// URL from the secret the stack writes it in, by name.
			secret := tpl.Resources[tpl.byPath(t, "PublicURL/Resource")].Properties
			if env["SOUQ_PUBLIC_URL"] != nil || env[topology.EnvPublicURLSecretName] != "souq/dev/public-url" ||
				secret["Name"] != "souq/dev/public-url" || js(secret["SecretString"]) != public2 {
				t.Errorf("%s: public URL %s by %s; the secret %s", f.Name, js(env["SOUQ_PUBLIC_URL"]), js(env[topology.EnvPublicURLSecretName]), js(secret))
			}
			continue
		}
		if js(env["SOUQ_PUBLIC_URL"]) != public2 {
			t.Errorf("%s: SOUQ_PUBLIC_URL %s, want the edge's %s", f.Name, js(env["SOUQ_PUBLIC_URL"]), public2)
		}
	}
	region := js((*dev.tpl.ToJSON())["Rules"].(map[string]interface{})["DeployedInUsEast1"])
	if !strings.Contains(region, `{"Fn::Equals":[{"Ref":"AWS::Region"},"us-east-1"]}`) {
		t.Errorf("the stack does not assert its region: %s", region)
	}
}

// The way around the edge is closed: the stack generates the origin
// secret, and every CloudFront origin sends it in api.OriginHeader as a
// dynamic reference (resolved at deploy time, never written in the
// template).
func TestTemplate_EveryOriginSendsTheOriginSecret(t *testing.T) {
	stacks(t)
	for _, st := range []struct {
		name string
		raw  template
	}{{"dev", dev.raw}, {"prod", prod.raw}} {
		secret := st.raw.byPath(t, "OriginSecret/Resource")
		r := st.raw.Resources[secret]
		gen := js(r.Properties["GenerateSecretString"])
		if r.Type != "AWS::SecretsManager::Secret" || !strings.Contains(gen, `"PasswordLength":64`) || !strings.Contains(gen, `"ExcludePunctuation":true`) {
			t.Fatalf("%s: origin secret %s", st.name, js(r))
		}
		dists := st.raw.ofType("AWS::CloudFront::Distribution")
		if len(dists) == 0 {
			t.Fatalf("%s: no distribution", st.name)
		}
		want := fmt.Sprintf(`{"Fn::Join":["",["{{resolve:secretsmanager:",{"Ref":"%s"},":SecretString:::}}"]]}`, secret)
		for id, d := range dists {
			origins := d.Properties["DistributionConfig"].(map[string]interface{})["Origins"].([]interface{})
			if len(origins) == 0 {
				t.Fatalf("%s: distribution %s has no origin", st.name, id)
			}
			for _, o := range origins {
				o := o.(map[string]interface{})
				if o["S3OriginConfig"] != nil {
					continue // the creatives bucket: S3, reached through origin access control, serves no function
				}
				var found []string
				for _, h := range asMaps(o["OriginCustomHeaders"]) {
					if h["HeaderName"] == api.OriginHeader {
						found = append(found, js(h["HeaderValue"]))
					}
				}
				if len(found) != 1 || found[0] != want {
					t.Errorf("%s: origin %s sends %s %v, want once %s", st.name, o["Id"], api.OriginHeader, found, want)
				}
			}
		}
	}
	if out := js((*dev.tpl.ToJSON())["Outputs"].(map[string]interface{})["OriginSecretArn"]); !strings.Contains(out, dev.raw.byPath(t, "OriginSecret/Resource")) {
		t.Errorf("no OriginSecretArn output for the rotation steps: %s", out)
	}
}

// Each function that serves HTTP learns the origin secret's ARN from its
// environment and may read it with secretsmanager:GetSecretValue alone;
// no other function (the authorizer, the relay, ops) may touch it, and
// no other action on it is granted to anyone.
func TestTemplate_HTTPFunctionsMayOnlyGetTheOriginSecret(t *testing.T) {
	stacks(t)
	top := topology.Souq()
	tpl := dev.raw
	secret := tpl.byPath(t, "OriginSecret/Resource")
	roleOf := map[string]string{} // role logical id → function
	for _, f := range top.Functions {
		roleOf[tpl.byPath(t, "Functions/"+f.Name+"/Role/Resource")] = f.Name
	}
	reads := map[string]int{}
	for id, pol := range tpl.ofType("AWS::IAM::Policy") {
		for _, st := range pol.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
			stm := st.(map[string]interface{})
			if !strings.Contains(js(stm["Resource"]), `"`+secret+`"`) {
				continue
			}
			roles := asMaps(pol.Properties["Roles"])
			if js(stm["Action"]) != `"secretsmanager:GetSecretValue"` || js(stm["Resource"]) != fmt.Sprintf(`{"Ref":"%s"}`, secret) ||
				stm["Effect"] != "Allow" || len(roles) != 1 {
				t.Errorf("policy %s grants on the origin secret: %s to %s", id, js(stm), js(pol.Properties["Roles"]))
				continue
			}
			fn, ok := roleOf[fmt.Sprint(roles[0]["Ref"])]
			if !ok {
				t.Errorf("policy %s lets a role that is no function's read the origin secret: %s", id, js(pol.Properties["Roles"]))
			}
			reads[fn]++
		}
	}
	httpFns := 0
	for _, f := range top.Functions {
		serves := len(top.RoutesOf(f.Name)) > 0
		env := tpl.Resources[tpl.byPath(t, "Functions/"+f.Name+"/Function/Resource")].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		arn, has := env[topology.EnvOriginSecretARN]
		switch {
		case serves && (js(arn) != fmt.Sprintf(`{"Ref":"%s"}`, secret) || reads[f.Name] != 1):
			t.Errorf("%s serves HTTP: %s = %s, %d grants to read the origin secret", f.Name, topology.EnvOriginSecretARN, js(arn), reads[f.Name])
		case !serves && (has || reads[f.Name] != 0):
			t.Errorf("%s serves no HTTP but has %s = %s and %d grants", f.Name, topology.EnvOriginSecretARN, js(arn), reads[f.Name])
		}
		if serves {
			httpFns++
		}
	}
	if httpFns < 2 || reads[top.Authorizer] != 0 {
		t.Fatalf("%d functions serve HTTP; the authorizer reads the secret %d times", httpFns, reads[top.Authorizer])
	}
}

func asMaps(v interface{}) []map[string]interface{} {
	var out []map[string]interface{}
	list, _ := v.([]interface{})
	for _, e := range list {
		if m, ok := e.(map[string]interface{}); ok {
			out = append(out, m)
		}
	}
	return out
}

// A rotation names the version it put, and that version is what the
// origin's header resolves to: a changed reference, which CloudFormation
// resolves again (an unchanged one it would not).
func TestOriginHeaders_SendTheVersionARotationNames(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Rotation"), nil)
	s := &Souq{OriginSecret: awssecretsmanager.NewSecret(stack, jsii.String("OriginSecret"), nil)}
	ref := stack.GetLogicalId(s.OriginSecret.Node().DefaultChild().(awscdk.CfnElement))
	for version, want := range map[string]string{
		"":                                     ":SecretString:::}}",
		"0a1b2c3d-90ab-cdef-fedc-ba9876543210": ":SecretString:::0a1b2c3d-90ab-cdef-fedc-ba9876543210}}",
	} {
		got := js(stack.Resolve((*s.originHeaders(version))[api.OriginHeader]))
		if got != fmt.Sprintf(`{"Fn::Join":["",["{{resolve:secretsmanager:",{"Ref":"%s"},"%s"]]}`, *ref, want) {
			t.Errorf("version %q: %s", version, got)
		}
	}
}

// A rotation that names anything but a version id stops the synth rather
// than send CloudFront a reference that cannot resolve.
func TestOriginHeaders_RefuseAVersionThatIsNoVersionID(t *testing.T) {
	for _, v := range []string{"AWSCURRENT", "latest", "0a1b2c3d-90ab-cdef-fedc-ba9876543210}}", "0a1b2c3d-90ab-cdef-fedc-ba9876543210:SecretString"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q was taken as a version id", v)
				}
			}()
			(&Souq{}).originHeaders(v)
		}()
	}
}

// Hosted creatives (DESIGN §16): a private, encrypted, TLS-only bucket,
// served at /creatives/* through origin access control with caching
// optimized and the immutable, nosniff headers; only the function that
// uploads them may put objects, under creatives/ alone, and it learns
// the bucket and the public base from its environment.
func TestTemplate_CreativesAreServedFromAPrivateBucket(t *testing.T) {
	stacks(t)
	tpl := dev.raw
	bucket := tpl.byPath(t, "Creatives/Resource")
	b := tpl.Resources[bucket].Properties
	if !strings.Contains(js(b["PublicAccessBlockConfiguration"]), `"BlockPublicAcls":true`) || !strings.Contains(js(b["PublicAccessBlockConfiguration"]), `"RestrictPublicBuckets":true`) ||
		!strings.Contains(js(b["BucketEncryption"]), "AES256") || !strings.Contains(js(b["LoggingConfiguration"]), "s3/creatives/") {
		t.Errorf("creatives bucket: %s", js(b))
	}
	var policy string
	for _, p := range tpl.ofType("AWS::S3::BucketPolicy") {
		if strings.Contains(js(p.Properties["Bucket"]), bucket) {
			policy = js(p.Properties["PolicyDocument"])
		}
	}
	if !strings.Contains(policy, `"aws:SecureTransport":"false"`) || !strings.Contains(policy, "cloudfront.amazonaws.com") || !strings.Contains(policy, "AWS:SourceArn") {
		t.Errorf("creatives bucket policy (TLS only, CloudFront by OAC): %s", policy)
	}
	var s3OAC int
	for _, oac := range tpl.ofType("AWS::CloudFront::OriginAccessControl") {
		if strings.Contains(js(oac.Properties), `"OriginAccessControlOriginType":"s3"`) {
			s3OAC++
		}
	}
	if s3OAC != 1 {
		t.Errorf("%d origin access controls for S3, want 1", s3OAC)
	}
	var cfg map[string]interface{}
	for _, d := range tpl.ofType("AWS::CloudFront::Distribution") {
		cfg = d.Properties["DistributionConfig"].(map[string]interface{})
	}
	var beh map[string]interface{}
	for _, x := range cfg["CacheBehaviors"].([]interface{}) {
		if x := x.(map[string]interface{}); x["PathPattern"] == "/creatives/*" {
			beh = x
		}
	}
	const cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	if beh == nil || beh["CachePolicyId"] != cachingOptimized || js(beh["AllowedMethods"]) != `["GET","HEAD"]` || beh["ViewerProtocolPolicy"] != "redirect-to-https" {
		t.Fatalf("creatives behavior: %s", js(beh))
	}
	headers := js(tpl.Resources[tpl.byPath(t, "CreativeHeaders/Resource")].Properties)
	if !strings.Contains(headers, `"ContentTypeOptions":{"Override":true}`) || !strings.Contains(headers, `"Value":"public, max-age=31536000, immutable"`) {
		t.Errorf("creatives headers: %s", headers)
	}
	if !strings.Contains(js(beh["ResponseHeadersPolicyId"]), tpl.byPath(t, "CreativeHeaders/Resource")) {
		t.Errorf("the creatives behavior does not use its headers: %s", js(beh))
	}
	for _, f := range topology.Souq().Functions {
		roleID := tpl.byPath(t, "Functions/"+f.Name+"/Role/Resource")
		var s3 []string
		for _, pol := range tpl.ofType("AWS::IAM::Policy") {
			if !strings.Contains(js(pol.Properties["Roles"]), `"`+roleID+`"`) {
				continue
			}
			for _, st := range pol.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
				if st := js(st); strings.Contains(st, bucket) {
					s3 = append(s3, st)
				}
			}
		}
		env := js(tpl.Resources[tpl.byPath(t, "Functions/"+f.Name+"/Function/Resource")].Properties["Environment"])
		if !f.HostsCreatives {
			if len(s3) > 0 || strings.Contains(env, "SOUQ_CREATIVES_BUCKET") {
				t.Errorf("%s may touch the creatives bucket: %v", f.Name, s3)
			}
			continue
		}
		if len(s3) != 1 || !strings.Contains(s3[0], `"Action":"s3:PutObject"`) || !strings.Contains(s3[0], `/creatives/*`) {
			t.Errorf("%s: creatives grants %v, want s3:PutObject on creatives/* alone", f.Name, s3)
		}
		if !strings.Contains(env, `"SOUQ_CREATIVES_BUCKET":{"Ref":"`+bucket+`"}`) || !strings.Contains(env, `"/creatives/"`) {
			t.Errorf("%s: environment %s", f.Name, env)
		}
	}
}

// The floor's path (DESIGN §20): the public serving routes go from
// CloudFront to the serve function's URL, which only CloudFront can call
// (AWS_IAM, origin access control, both invoke permissions scoped to this
// distribution), with no API Gateway on the way; view beacons pass the
// beacon check (beacon.js, a CloudFront Function reading its key value
// store) before any Lambda runs.
func TestTemplate_ServingGoesToTheFunctionURL(t *testing.T) {
	stacks(t)
	for _, st := range []struct {
		name string
		raw  template
	}{{"dev", dev.raw}, {"prod", prod.raw}} {
		tpl := st.raw
		serveFn := tpl.byPath(t, "Functions/"+topology.FnServe+"/Function/Resource")
		urls := tpl.ofType("AWS::Lambda::Url")
		var urlID string
		for id, u := range urls {
			urlID = id
			if u.Properties["AuthType"] != "AWS_IAM" || !strings.Contains(js(u.Properties["TargetFunctionArn"]), serveFn) {
				t.Errorf("%s: function URL %s", st.name, js(u.Properties))
			}
		}
		if len(urls) != 1 {
			t.Fatalf("%s: %d function URLs, want the serve function's alone", st.name, len(urls))
		}
		var lambdaOAC string
		for id, oac := range tpl.ofType("AWS::CloudFront::OriginAccessControl") {
			if c := js(oac.Properties); strings.Contains(c, `"OriginAccessControlOriginType":"lambda"`) {
				if !strings.Contains(c, `"SigningBehavior":"always"`) || !strings.Contains(c, `"SigningProtocol":"sigv4"`) {
					t.Errorf("%s: lambda OAC %s", st.name, c)
				}
				lambdaOAC = id
			}
		}
		edge := tpl.byPath(t, "Edge/Resource")
		actions := map[string]bool{}
		for _, p := range tpl.ofType("AWS::Lambda::Permission") {
			if p.Properties["Principal"] != "cloudfront.amazonaws.com" {
				continue
			}
			if !strings.Contains(js(p.Properties["SourceArn"]), `":distribution/",{"Ref":"`+edge+`"}`) {
				t.Errorf("%s: CloudFront may invoke on behalf of any distribution: %s", st.name, js(p.Properties))
			}
			if fn := js(p.Properties["FunctionName"]); !strings.Contains(fn, serveFn) && !strings.Contains(fn, urlID) {
				t.Errorf("%s: CloudFront may invoke another function: %s", st.name, js(p.Properties))
			}
			if p.Properties["Action"] == "lambda:InvokeFunction" && p.Properties["InvokedViaFunctionUrl"] != true {
				t.Errorf("%s: CloudFront may invoke serve other than through its URL: %s", st.name, js(p.Properties))
			}
			actions[p.Properties["Action"].(string)] = true
		}
		if !actions["lambda:InvokeFunctionUrl"] || !actions["lambda:InvokeFunction"] || len(actions) != 2 {
			t.Errorf("%s: CloudFront's invoke permissions %v", st.name, actions)
		}
		cfg := tpl.Resources[edge].Properties["DistributionConfig"].(map[string]interface{})
		var urlOrigin string
		for _, o := range cfg["Origins"].([]interface{}) {
			o := o.(map[string]interface{})
			if strings.Contains(js(o["DomainName"]), urlID) {
				urlOrigin = o["Id"].(string)
				if lambdaOAC == "" || !strings.Contains(js(o["OriginAccessControlId"]), lambdaOAC) {
					t.Errorf("%s: the URL's origin is not signed by origin access control: %s", st.name, js(o))
				}
			}
		}
		byPattern := map[string]map[string]interface{}{}
		for _, b := range cfg["CacheBehaviors"].([]interface{}) {
			b := b.(map[string]interface{})
			byPattern[b["PathPattern"].(string)] = b
		}
		check := tpl.byPath(t, "BeaconCheck/Resource")
		for _, p := range servingPatterns(topology.Souq()) {
			b := byPattern[p]
			if b == nil || b["TargetOriginId"] != urlOrigin {
				t.Errorf("%s: %s does not go to the function's URL: %s", st.name, p, js(b))
				continue
			}
			assoc := js(b["FunctionAssociations"])
			if p == "/v/*" {
				if !strings.Contains(assoc, `"EventType":"viewer-request"`) || !strings.Contains(assoc, check) {
					t.Errorf("%s: view beacons are not checked at the edge: %s", st.name, js(b))
				}
			} else if b["FunctionAssociations"] != nil {
				t.Errorf("%s: %s runs an edge function (each costs): %s", st.name, p, assoc)
			}
		}
		fn := tpl.Resources[check].Properties
		kvs := tpl.byPath(t, "BeaconKeys/Resource")
		if js(fn["FunctionConfig"].(map[string]interface{})["Runtime"]) != `"cloudfront-js-2.0"` ||
			!strings.Contains(js(fn["FunctionConfig"].(map[string]interface{})["KeyValueStoreAssociations"]), kvs) {
			t.Errorf("%s: beacon check %s", st.name, js(fn["FunctionConfig"]))
		}
		// Its logs, the forged beacons counted from them, and the alarm.
		lg := tpl.Resources[tpl.byPath(t, "BeaconCheckLogs/Resource")].Properties
		// The group is named after the function: its Name join's parts, within the group's.
		fnName := js(tpl.Resources[check].Properties["Name"])
		fnName = strings.TrimPrefix(strings.TrimPrefix(fnName, `{"Fn::Join":["",[`), `"`)
		if !strings.Contains(js(lg["LogGroupName"]), `"/aws/cloudfront/function/",`) || !strings.Contains(js(lg["LogGroupName"]), strings.TrimSuffix(strings.TrimSuffix(fnName, `]]}`), `"`)) {
			t.Errorf("%s: the beacon check's log group %s", st.name, js(lg["LogGroupName"]))
		}
		mf := tpl.Resources[tpl.byPath(t, "ForgedBeacons/Resource")].Properties
		if !strings.Contains(js(mf["FilterPattern"]), "souq-beacon") || !strings.Contains(js(mf["FilterPattern"]), "forged") ||
			!strings.Contains(js(mf["MetricTransformations"]), `"MetricName":"`+MetricForgedBeacons+`"`) {
			t.Errorf("%s: forged beacons' metric filter %s", st.name, js(mf))
		}
		var alarmed bool
		for _, a := range tpl.ofType("AWS::CloudWatch::Alarm") {
			if a.Properties["MetricName"] == MetricForgedBeacons && a.Properties["Namespace"] == EdgeMetricNamespace &&
				a.Properties["Threshold"] == float64(ForgedBeaconsAlarmAt) && a.Properties["Period"] == float64(300) && a.Properties["AlarmActions"] != nil {
				alarmed = true
			}
		}
		if !alarmed {
			t.Errorf("%s: no alarm on forged beacons", st.name)
		}
		// The code is beacon.js (TestBeacon_…), with the store's id.
		parts := fn["FunctionCode"].(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{})
		src, _ := os.ReadFile("beacon.js")
		if len(parts) != 3 || parts[0].(string)+"__SOUQ_KVS_ID__"+parts[2].(string) != string(src) || !strings.Contains(js(parts[1]), kvs) {
			t.Errorf("%s: the beacon check's code is not beacon.js with its store's id", st.name)
		}
		if len(src) > 10*1024 {
			t.Errorf("beacon.js is %d bytes: a CloudFront Function's code is at most 10 KB", len(src))
		}
		// docs/deploy.md puts the offer key with these two outputs.
		tplJSON := dev.tpl
		if st.name == "prod" {
			tplJSON = prod.tpl
		}
		outs := (*tplJSON.ToJSON())["Outputs"].(map[string]interface{})
		if o := js(outs["BeaconKeyStoreArn"]); !strings.Contains(o, kvs) {
			t.Errorf("%s: no BeaconKeyStoreArn output: %s", st.name, o)
		}
		if o := js(outs["ServeSecretArn"]); !strings.Contains(o, tpl.byPath(t, "Functions/"+topology.FnServe+"/ClickKey/Resource")) {
			t.Errorf("%s: no ServeSecretArn output naming serve's secret: %s", st.name, o)
		}
		whole, _ := json.Marshal(map[string]any{"Resources": tpl.Resources})
		t.Logf("%s: %d resources (CloudFormation allows 500), template about %d KB", st.name, len(tpl.Resources), len(whole)/1024)
	}
}
