package cdk

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/topology"
)

// StackProps configure the stack.
type StackProps struct {
	Topology topology.Topology
	Stage    Stage
	// CodeDir returns the directory holding a function's bootstrap binary
	// (build/<name> for `make synth`).
	CodeDir func(function string) string
	// OriginSecretVersion, when set (context value originSecretVersion),
	// is the version of the origin secret CloudFront sends: naming the
	// version a rotation put changes the template, so CloudFormation
	// updates the distribution with it (docs/operations.md). Unset, the
	// distribution sends the version current when it was last updated.
	OriginSecretVersion string
}

// Souq is the built stack and the parts tests and suppressions refer to.
type Souq struct {
	Stack awscdk.Stack
	API   awsapigatewayv2.HttpApi
	// Edge is CloudFront in front of the API, with its firewall and logs;
	// PublicURL is its https URL: every link Souq makes starts with it.
	Edge     awscloudfront.Distribution
	WebACL   awswafv2.CfnWebACL
	EdgeLogs awss3.Bucket
	// Creatives is the bucket of advertisers' hosted images, served at
	// PublicURL/creatives/ through the edge (origin access control).
	Creatives  awss3.Bucket
	PublicURL  *string
	Functions  map[string]awslambda.Function
	Tables     map[string]awsdynamodb.Table
	Bus        awsevents.EventBus
	StreamDLQ  awssqs.Queue
	EventsDLQ  awssqs.Queue
	Scheduler  awsiam.Role
	UserPool   awscognito.UserPool
	AlarmTopic awssns.Topic
	// BeaconKeys is the edge's key value store of offer tokens' key, which
	// the edge's beacon check reads.
	BeaconKeys awscloudfront.KeyValueStore
	// PublicURLSecret holds the public URL for the function behind the
	// edge's function URL origin.
	PublicURLSecret awssecretsmanager.Secret
	tagCache        awscloudfront.ICachePolicy
	// ClickKeys are the generated click signing secrets, by function.
	ClickKeys map[string]awssecretsmanager.Secret
	// OriginSecret is the value CloudFront sends every origin in
	// api.OriginHeader; every function that serves HTTP may read it.
	OriginSecret awssecretsmanager.Secret
	// StripeWebhookSecret holds the signing secret of Stripe's webhook
	// endpoint, put there by the deployer; only the function that
	// receives Stripe's events may read it.
	StripeWebhookSecret awssecretsmanager.Secret
	// Routes by route key ("GET /healthz").
	Routes map[string]awsapigatewayv2.HttpRoute
	// console is the console's sign-in at Cognito.
	console consoleSignIn

	topology topology.Topology
}

// NewStack builds Souq from the topology, one constructor for all of it.
func NewStack(scope constructs.Construct, props StackProps) *Souq {
	top, stage := props.Topology, props.Stage
	stack := awscdk.NewStack(scope, jsii.String(stage.StackName), &awscdk.StackProps{
		Description: jsii.String("Souq marketplace (" + stage.Name + "), built from shared/topology"),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("souq"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(stage.Name), nil)
	s := &Souq{Stack: stack, Functions: map[string]awslambda.Function{}, Tables: map[string]awsdynamodb.Table{}, topology: top, Routes: map[string]awsapigatewayv2.HttpRoute{}, ClickKeys: map[string]awssecretsmanager.Secret{}}

	// ---- alarms go to one encrypted topic ----
	s.AlarmTopic = awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{
		MasterKey:  awskms.Alias_FromAliasName(stack, jsii.String("SnsKey"), jsii.String("alias/aws/sns")),
		EnforceSSL: jsii.Bool(true),
	})
	// ---- tables ----
	tables := constructs.NewConstruct(stack, jsii.String("Tables"))
	for _, t := range top.Tables {
		tp := &awsdynamodb.TableProps{
			PartitionKey: attribute(t.PartitionKey),
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			Encryption:   awsdynamodb.TableEncryption_AWS_MANAGED,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			DeletionProtection: jsii.Bool(stage.Retain),
			RemovalPolicy:      stage.removalPolicy(),
		}
		if t.SortKey != nil {
			tp.SortKey = attribute(*t.SortKey)
		}
		if t.TTLAttribute != "" {
			tp.TimeToLiveAttribute = jsii.String(t.TTLAttribute)
		}
		if t.Stream != topology.NoStream {
			tp.Stream = awsdynamodb.StreamViewType_NEW_IMAGE
		}
		tb := awsdynamodb.NewTable(tables, jsii.String(t.Name), tp)
		for _, ix := range t.GlobalIndexes {
			gp := &awsdynamodb.GlobalSecondaryIndexProps{IndexName: jsii.String(ix.Name), PartitionKey: attribute(ix.PartitionKey)}
			if ix.SortKey != nil {
				gp.SortKey = attribute(*ix.SortKey)
			}
			tb.AddGlobalSecondaryIndex(gp)
		}
		for _, ix := range t.LocalIndexes {
			tb.AddLocalSecondaryIndex(&awsdynamodb.LocalSecondaryIndexProps{IndexName: jsii.String(ix.Name), SortKey: attribute(*ix.SortKey)})
		}
		s.Tables[t.Name] = tb
	}

	// ---- the bus, its rules' dead letters, the stream's dead letters ----
	s.Bus = awsevents.NewEventBus(stack, jsii.String("Bus"), &awsevents.EventBusProps{EventBusName: jsii.String(top.Bus)})
	s.StreamDLQ = deadLetterQueue(stack, "OutboxStreamDeadLetters")
	s.EventsDLQ = deadLetterQueue(stack, "EventDeadLetters")
	s.alarm(s.StreamDLQ, "DepthAlarm", s.StreamDLQ.MetricApproximateNumberOfMessagesVisible(nil), 1,
		"outbox stream records the relay could not publish after its retries: events are waiting, not lost")
	s.alarm(s.EventsDLQ, "DepthAlarm", s.EventsDLQ.MetricApproximateNumberOfMessagesVisible(nil), 1,
		"events a rule's target refused after EventBridge's retries")

	// ---- Cognito: who users are ----
	s.UserPool = awscognito.NewUserPool(stack, jsii.String("Users"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(true),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireDigits: jsii.Bool(true), RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
		},
		Mfa:                          awscognito.Mfa_OPTIONAL,
		MfaSecondFactor:              &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery:              awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(stage.Retain),
		RemovalPolicy:                stage.removalPolicy(),
	})
	client := s.UserPool.AddClient(jsii.String("App"), &awscognito.UserPoolClientOptions{
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		GenerateSecret: jsii.Bool(false),
	})
	issuer := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://cognito-idp."), stack.Region(), jsii.String(".amazonaws.com/"), s.UserPool.UserPoolId(),
	})
	// The API exists before its functions: the console is served on its
	// domain and signs people in back to it.
	s.API = awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String(stage.StackName), CreateDefaultStage: jsii.Bool(false),
	})
	s.edge(stack, stage, props.OriginSecretVersion)
	s.console = s.consoleSignIn(stack, stage)
	clientIDs := awscdk.Fn_Join(jsii.String(","), &[]*string{client.UserPoolClientId(), s.console.ClientID})

	// ---- the Scheduler group and the role it assumes to invoke functions ----
	awsscheduler.NewCfnScheduleGroup(stack, jsii.String("ScheduleGroup"), &awsscheduler.CfnScheduleGroupProps{Name: jsii.String(top.ScheduleGroup)})
	s.Scheduler = awsiam.NewRole(stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()}},
		}),
		Description: jsii.String("assumed by EventBridge Scheduler to invoke Souq's functions"),
	})

	// ---- functions ----
	fnRoot := constructs.NewConstruct(stack, jsii.String("Functions"))
	for _, f := range top.Functions {
		s.Functions[f.Name] = s.goFunction(fnRoot, props, f, issuer, clientIDs)
	}

	// ---- rules and recurring schedules ----
	s.rulesAndSchedules(stack)

	// ---- the HTTP API ----
	s.httpAPI(stack, stage)

	// ---- the floor's path: CloudFront → the serve function's URL ----
	s.serving(stack, stage, props.OriginSecretVersion)

	s.alarm(stack, "LedgerViolationsAlarm", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(ledger.MetricNamespace), MetricName: jsii.String(ledger.MetricViolations),
		DimensionsMap: &map[string]*string{"Stage": jsii.String(stage.Name)},
		Statistic:     jsii.String("Maximum"), Period: awscdk.Duration_Hours(jsii.Number(1)),
	}), 1, "ledger verify found a violation of the money invariants: stop and look before anything else moves")

	s.dashboard(stack, stage)

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: s.PublicURL,
		Description: jsii.String("the API, the console and the tag (CloudFront, behind AWS WAF)")})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: s.UserPool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: client.UserPoolClientId()})
	awscdk.NewCfnOutput(stack, jsii.String("ConsoleUrl"), &awscdk.CfnOutputProps{Value: awscdk.Fn_Join(jsii.String(""), &[]*string{s.PublicURL, jsii.String("/console/")})})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{Value: s.AlarmTopic.TopicArn()})
	awscdk.NewCfnOutput(stack, jsii.String("OriginSecretArn"), &awscdk.CfnOutputProps{Value: s.OriginSecret.SecretArn(),
		Description: jsii.String("the secret CloudFront sends the API in " + api.OriginHeader + " (rotation: docs/operations.md)")})
	if s.StripeWebhookSecret != nil {
		awscdk.NewCfnOutput(stack, jsii.String("StripeWebhookSecretArn"), &awscdk.CfnOutputProps{Value: s.StripeWebhookSecret.SecretArn(),
			Description: jsii.String("where Stripe's webhook signing secret (whsec_…) goes (rotation: docs/operations.md)")})
	}
	return s
}

// dashboard is the operators' one page: the API's traffic and errors, each
// function's errors, throttles and duration, the request latency per route
// the routers publish in Embedded Metric Format, the dead-letter queues and
// the ledger's violations.
func (s *Souq) dashboard(stack awscdk.Stack, stage Stage) {
	d := awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String("souq-" + stage.Name),
	})
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}
	d.AddWidgets(
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("API requests and errors"), Width: jsii.Number(12),
			Left: &[]awscloudwatch.IMetric{s.API.MetricCount(sum), s.API.MetricClientError(sum), s.API.MetricServerError(sum)}}),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Dead letters"), Width: jsii.Number(12),
			Left: &[]awscloudwatch.IMetric{s.StreamDLQ.MetricApproximateNumberOfMessagesVisible(nil), s.EventsDLQ.MetricApproximateNumberOfMessagesVisible(nil)}}),
	)
	var errs, throttles, durations []awscloudwatch.IMetric
	for _, f := range s.topology.Functions {
		fn := s.Functions[f.Name]
		errs = append(errs, fn.MetricErrors(sum))
		throttles = append(throttles, fn.MetricThrottles(sum))
		durations = append(durations, fn.MetricDuration(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99")}))
	}
	d.AddWidgets(
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Function errors"), Width: jsii.Number(8), Left: &errs}),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Function throttles"), Width: jsii.Number(8), Left: &throttles}),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Function duration p99"), Width: jsii.Number(8), Left: &durations}),
	)
	d.AddWidgets(
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Request latency p99 by route (EMF)"), Width: jsii.Number(12),
			Left: &[]awscloudwatch.IMetric{awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String(`SEARCH('{` + api.MetricNamespace + `,function,route} MetricName="latencyMs"', 'p99', 300)`),
				Label:      jsii.String("latency"), UsingMetrics: &map[string]awscloudwatch.IMetric{},
			})}}),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String("Ledger violations"), Width: jsii.Number(12),
			Left: &[]awscloudwatch.IMetric{awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(ledger.MetricNamespace), MetricName: jsii.String(ledger.MetricViolations),
				DimensionsMap: &map[string]*string{"Stage": jsii.String(stage.Name)}, Statistic: jsii.String("Maximum"),
			})}}),
	)
}

// schedulerMayInvoke lets Scheduler invoke the function's unqualified ARN
// only (GrantInvoke would add every version and alias, "<arn>:*").
func schedulerMayInvoke(role awsiam.Role, fn awslambda.Function) {
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("lambda:InvokeFunction"), Resources: &[]*string{fn.FunctionArn()},
	}))
}

// stripeSecretName is where an operator puts the stage's Stripe secret key
// (docs/deploy.md); the stack never holds its value.
func stripeSecretName(stage Stage) string { return "souq/" + stage.Name + "/stripe-secret-key" }

// accessLogFormat is one JSON line per request; it must carry the request
// id so that access logs join the functions' logs.
var accessLogFormat = func() string {
	fields := map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
		"routeKey": "$context.routeKey", "status": "$context.status", "protocol": "$context.protocol",
		"responseLength": "$context.responseLength", "latencyMs": "$context.responseLatency",
		"integrationLatencyMs": "$context.integrationLatency", "authorizerError": "$context.authorizer.error",
		"integrationError": "$context.integrationErrorMessage",
	}
	b, _ := json.Marshal(fields)
	return string(b)
}()

func attribute(k topology.Key) *awsdynamodb.Attribute {
	typ := awsdynamodb.AttributeType_STRING
	if k.Type == topology.Number {
		typ = awsdynamodb.AttributeType_NUMBER
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: typ}
}

// deadLetterQueue is an encrypted, TLS-only queue kept 14 days.
func deadLetterQueue(scope constructs.Construct, id string) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
}

func streamTable(top topology.Topology) string {
	for _, t := range top.Tables {
		if t.Stream != topology.NoStream {
			return t.Name
		}
	}
	panic("cdk: a function consumes the outbox stream but no table has a stream")
}

// parsePattern reads a topology rule's EventBridge pattern. The topology's
// own test and the local bus (quamina) check patterns too; here a bad one
// stops the synth.
func parsePattern(raw string) map[string]interface{} {
	var p map[string]interface{}
	if err := json.Unmarshal([]byte(raw), &p); err != nil || len(p) == 0 {
		panic(fmt.Sprintf("cdk: bad event pattern %s: %v", raw, err))
	}
	return p
}

// FunctionNames lists the topology's function names in order.
func FunctionNames(top topology.Topology) []string {
	var out []string
	for _, f := range top.Functions {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}
