package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// How the platform runs the functions (Options.Runtime, SOUQ_RUNTIME).
const (
	// RuntimeInProcess calls each function's handlers in this process
	// (the default): fast, and what the suites measure.
	RuntimeInProcess = "inprocess"
	// RuntimeRIE runs each function's real Lambda bootstrap, built for
	// this machine with make build's flags, under AWS's Runtime Interface
	// Emulator: the gateway, the bus, the scheduler and the outbox
	// stream's poller send it the events AWS would, as JSON, and read its
	// answers and errors as Lambda does (rie.go).
	RuntimeRIE = "rie"
)

// RuntimeFromEnv reads SOUQ_RUNTIME: "" or "inprocess", or "rie".
func RuntimeFromEnv(getenv func(string) string) (string, error) {
	switch v := getenv("SOUQ_RUNTIME"); v {
	case "", RuntimeInProcess:
		return RuntimeInProcess, nil
	case RuntimeRIE:
		return RuntimeRIE, nil
	default:
		return "", fmt.Errorf("SOUQ_RUNTIME must be %q or %q, not %q", RuntimeInProcess, RuntimeRIE, v)
	}
}

// The secrets the stack generates, as the local Secrets Manager stand-in
// names them (their ARNs in the functions' environment).
const (
	rieOriginSecretARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:souq/local/origin"
	rieClickSecretARN  = "arn:aws:secretsmanager:us-east-1:000000000000:secret:souq/local/click-key"
	rieStripeSecret    = "souq/local/stripe"
	rieStripeWebhook   = "arn:aws:secretsmanager:us-east-1:000000000000:secret:souq/local/stripe-webhook"
	rieStripeKey       = "sk_test_souqlocalplatform"
	riePublicURLSecret = "souq/local/public-url"
)

// rieSettings are the products' settings the stack may set (topology.Env*):
// passed on from Options.Env as they are in-process.
var rieSettings = []string{
	topology.EnvAuctionFeeBps, topology.EnvSponsorshipFeeBps, topology.EnvPayoutMinimum, topology.EnvCampaignShareBps,
	topology.EnvMembershipShareBps, topology.EnvTargetingPremiumBps, topology.EnvMaxViewsPerSourceDay, topology.EnvMaxClicksPerSourceDay,
	topology.EnvMinDeposit, topology.EnvPassKeys,
}

// startRIE builds every function's bootstrap, serves the AWS APIs they
// call that the platform has no server for, and puts each function's
// handlers behind the emulator: p.Functions keep their shape (the
// gateway, bus, scheduler and poller call them as before), but each
// handler now marshals its event, invokes the function's real binary and
// reads its answer. Only the authorizer stays in-process: the platform's
// tokens are its own HMAC ones, which the binary's Cognito verifier
// (RS256, JWKS) rightly refuses.
func (p *Platform) startRIE(ctx context.Context, opts Options, top topology.Topology, dynamoEndpoint string, tables map[string]string, clickSecret string) error {
	emulator, err := FindEmulator()
	if err != nil {
		return err
	}
	built := opts.RIEBootstraps
	if built == nil {
		root, err := ModuleRoot()
		if err != nil {
			return err
		}
		dir := opts.RIEDir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "souq-rie-"); err != nil {
				return err
			}
			p.rieTemp = dir
		}
		if built, err = BuildBootstraps(ctx, root, dir, "./functions/..."); err != nil {
			return err
		}
	}
	// The binaries keep the platform's clock, which tests move: it tells
	// its state in a file they read (clock.Follow, SOUQ_CLOCK_FILE).
	clockDir, err := os.MkdirTemp("", "souq-clock-")
	if err != nil {
		return err
	}
	p.rieClockDir, p.rieClock = clockDir, filepath.Join(clockDir, "clock")
	if err := p.Clock.Publish(p.rieClock); err != nil {
		return err
	}
	origin := make([]byte, 32)
	_, _ = rand.Read(origin) // crypto/rand.Read never fails (Go 1.24+)
	p.originSecret = hex.EncodeToString(origin)
	p.aws = &awsStandIn{bus: p.Bus, sched: p.Scheduler, creatives: p.Creatives, log: opts.Log.With("component", "aws"),
		secrets: map[string]string{rieOriginSecretARN: p.originSecret, rieClickSecretARN: clickSecret,
			rieStripeSecret: rieStripeKey, rieStripeWebhook: strings.Join(p.webhookSecrets(), "\n"), riePublicURLSecret: p.BaseURL}}
	if err := p.aws.start(); err != nil {
		return err
	}
	var fns []RIEFunction
	for _, f := range top.Functions {
		bin, ok := built[f.Name]
		if !ok {
			return fmt.Errorf("rie: no functions/%s to build", f.Name)
		}
		fns = append(fns, RIEFunction{Name: f.Name, Bootstrap: bin, Env: p.rieEnv(opts, top, f, dynamoEndpoint, tables),
			Timeout: time.Duration(f.TimeoutSec) * time.Second, MaxInstances: 8})
	}
	p.RIE = NewRIE(emulator, opts.ChildLog, fns...)
	for _, f := range top.Functions {
		if f.Name != top.Authorizer {
			p.Functions[f.Name] = p.rieFunction(f.Name, p.Functions[f.Name])
		}
	}
	return nil
}

func (p *Platform) webhookSecrets() []string {
	if p.StripeWebhookSecret == "" {
		return nil
	}
	return []string{p.StripeWebhookSecret}
}

// rieEnv is the environment the stack gives f (infra/cdk's goFunction),
// with the local endpoints in place of AWS's: DynamoDB Local for
// DynamoDB, the stand-in for every other AWS API (AWS_ENDPOINT_URL), so
// that nothing reaches AWS, and the local Stripe for Stripe.
func (p *Platform) rieEnv(opts Options, top topology.Topology, f topology.Function, dynamoEndpoint string, tables map[string]string) []string {
	env := map[string]string{
		"PATH": os.Getenv("PATH"), "TZ": "UTC",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		// Lambda gives the role's credentials in the environment.
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": p.aws.URL, "AWS_ENDPOINT_URL_DYNAMODB": dynamoEndpoint,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		topology.EnvStage:                 "local", topology.EnvPublicURL: p.BaseURL,
		topology.EnvClockFile: p.rieClock,
	}
	if top.BehindURL(f.Name) {
		// As the stack: the public URL by a secret's name (infra/cdk).
		delete(env, topology.EnvPublicURL)
		env[topology.EnvPublicURLSecretName] = riePublicURLSecret
	}
	if opts.Env != nil {
		for _, k := range rieSettings {
			if v := opts.Env(k); v != "" {
				env[k] = v
			}
		}
	}
	for _, t := range f.TablesOf() {
		env[store.EnvName(t)] = tables[t]
	}
	if f.Name == top.Authorizer {
		env[topology.EnvJWTIssuer], env[topology.EnvJWTClientIDs] = p.BaseURL+oidcPath, ConsoleClientID
	}
	if f.SignsIn {
		env[topology.EnvJWTIssuer], env[topology.EnvConsoleClientID] = p.BaseURL+oidcPath, ConsoleClientID
	}
	if len(top.RoutesOf(f.Name)) > 0 {
		env[topology.EnvOriginSecretARN] = rieOriginSecretARN
	}
	if f.UsesPaymentRail && p.StripeURL != "" {
		env[topology.EnvStripeSecretName], env[topology.EnvStripeAPIURL] = rieStripeSecret, p.StripeURL
	}
	if f.Name == topology.FnAccounts && p.StripeWebhookSecret != "" {
		env[topology.EnvStripeWebhookSecretName] = rieStripeWebhook
	}
	if f.SignsClicks {
		env[topology.EnvClickSecretARN] = rieClickSecretARN
	}
	if f.HostsCreatives {
		env[topology.EnvCreativesBucket], env[topology.EnvCreativesURL] = "souq-local-creatives", p.Creatives.Base
	}
	if f.CreatesSchedules {
		env[topology.EnvScheduleGroup], env[topology.EnvSchedulerRoleARN] = top.ScheduleGroup, "arn:aws:iam::000000000000:role/souq-local-scheduler"
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// rieFunction is in's handlers, each now an invocation of the function's
// binary under the emulator with the event as JSON.
func (p *Platform) rieFunction(name string, in *Function) *Function {
	out := *in
	out.Counter = nil // the binary counts, and flushes, on its own
	invoke := func(ctx context.Context, ev any, answer any) error {
		payload, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		raw, err := p.RIE.Invoke(ctx, name, payload)
		if err != nil || answer == nil {
			return err
		}
		return json.Unmarshal(raw, answer)
	}
	if in.HTTP != nil {
		out.HTTP = func(ctx context.Context, ev lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
			// CloudFront sends every origin the origin secret, which the
			// binary's api.FromEdgeOnly checks.
			headers := make(map[string]string, len(ev.Headers)+1)
			for k, v := range ev.Headers {
				headers[k] = v
			}
			headers[strings.ToLower(api.OriginHeader)] = p.originSecret
			ev.Headers = headers
			var resp lambdaevents.APIGatewayV2HTTPResponse
			err := invoke(ctx, ev, &resp)
			var fe *FunctionError
			if errors.As(err, &fe) {
				return gatewayFunctionError(ev), nil
			}
			return resp, err
		}
	}
	if in.Event != nil {
		out.Event = func(ctx context.Context, ev lambdaevents.EventBridgeEvent) error {
			return invoke(ctx, ev, nil)
		}
	}
	if in.Scheduled != nil {
		out.Scheduled = func(ctx context.Context, payload json.RawMessage) error {
			return invoke(ctx, payload, nil)
		}
	}
	if in.Stream != nil {
		out.Stream = func(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
			var resp lambdaevents.DynamoDBEventResponse
			err := invoke(ctx, ev, &resp)
			return resp, err
		}
	}
	return &out
}

// gatewayFunctionError is what API Gateway's HTTP API answers when the
// function it invoked failed (an error, a panic, a timeout): 500 and this
// body, nothing of the function's.
func gatewayFunctionError(ev lambdaevents.APIGatewayV2HTTPRequest) lambdaevents.APIGatewayV2HTTPResponse {
	return lambdaevents.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError,
		Headers: map[string]string{"Content-Type": "application/json", "Apigw-Requestid": ev.RequestContext.RequestID},
		Body:    `{"message":"Internal Server Error"}`}
}

// closeRIE stops the emulators and the stand-in.
func (p *Platform) closeRIE() {
	if p.RIE != nil {
		p.RIE.Close()
	}
	if p.aws != nil {
		p.aws.close()
	}
	if p.rieClockDir != "" {
		_ = os.RemoveAll(filepath.Clean(p.rieClockDir))
	}
	if p.rieTemp != "" {
		_ = os.RemoveAll(filepath.Clean(p.rieTemp))
	}
}
