package cdk

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
)

// StackProps configure the stack.
type StackProps struct {
	Topology topology.Topology
	Stage    Stage
	// CodeDir returns the directory holding a function's bootstrap binary
	// (build/<name> for `make synth`).
	CodeDir func(function string) string
}

// Souq is the built stack and the parts tests and suppressions refer to.
type Souq struct {
	Stack      awscdk.Stack
	API        awsapigatewayv2.HttpApi
	Functions  map[string]awslambda.Function
	Tables     map[string]awsdynamodb.Table
	Bus        awsevents.EventBus
	StreamDLQ  awssqs.Queue
	EventsDLQ  awssqs.Queue
	Scheduler  awsiam.Role
	UserPool   awscognito.UserPool
	AlarmTopic awssns.Topic
	// ClickKeys are the generated click signing secrets, by function.
	ClickKeys map[string]awssecretsmanager.Secret
	// Routes by route key ("GET /healthz").
	Routes map[string]awsapigatewayv2.HttpRoute

	topology topology.Topology
}

// NewStack builds Souq from the topology, one constructor for all of it.
func NewStack(scope constructs.Construct, props StackProps) *Souq {
	top, stage := props.Topology, props.Stage
	stack := awscdk.NewStack(scope, jsii.String(stage.StackName), &awscdk.StackProps{
		Description: jsii.String("Souq marketplace (" + stage.Name + "), built from infra/topology"),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("app"), jsii.String("souq"), nil)
	awscdk.Tags_Of(stack).Add(jsii.String("stage"), jsii.String(stage.Name), nil)
	s := &Souq{Stack: stack, Functions: map[string]awslambda.Function{}, Tables: map[string]awsdynamodb.Table{}, topology: top, Routes: map[string]awsapigatewayv2.HttpRoute{}, ClickKeys: map[string]awssecretsmanager.Secret{}}

	// ---- alarms go to one encrypted topic ----
	s.AlarmTopic = awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{
		MasterKey:  awskms.Alias_FromAliasName(stack, jsii.String("SnsKey"), jsii.String("alias/aws/sns")),
		EnforceSSL: jsii.Bool(true),
	})
	alarm := func(c constructs.Construct, id string, metric awscloudwatch.IMetric, threshold float64, what string) {
		a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
			Metric: metric, Threshold: jsii.Number(threshold), EvaluationPeriods: jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(what),
		})
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(s.AlarmTopic))
	}

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
	alarm(s.StreamDLQ, "DepthAlarm", s.StreamDLQ.MetricApproximateNumberOfMessagesVisible(nil), 1,
		"outbox stream records the relay could not publish after its retries: events are waiting, not lost")
	alarm(s.EventsDLQ, "DepthAlarm", s.EventsDLQ.MetricApproximateNumberOfMessagesVisible(nil), 1,
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
		c := constructs.NewConstruct(fnRoot, jsii.String(f.Name))
		logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention: stage.LogRetention, RemovalPolicy: stage.removalPolicy(),
		})
		env := map[string]*string{topology.EnvStage: jsii.String(stage.Name)}
		for _, g := range f.Tables {
			env[store.EnvName(g.Table)] = s.Tables[g.Table].TableName()
		}
		if f.Name == top.Authorizer {
			env[topology.EnvJWTIssuer] = issuer
			env[topology.EnvJWTClientIDs] = client.UserPoolClientId()
		}
		if f.UsesPaymentRail {
			env[topology.EnvStripeSecretName] = jsii.String(stripeSecretName(stage))
		}
		var clickKey awssecretsmanager.Secret
		if f.SignsClicks {
			// Generated by the stack, never seen by a person: it only keys
			// the function's HMACs (click tokens, visitor hashes).
			clickKey = awssecretsmanager.NewSecret(c, jsii.String("ClickKey"), &awssecretsmanager.SecretProps{
				Description: jsii.String("the key of " + f.Name + "'s HMAC-SHA256 (click tokens, visitor hashes)"),
				GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
					PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true),
				},
				RemovalPolicy: stage.removalPolicy(),
			})
			env[topology.EnvClickSecretARN] = clickKey.SecretArn()
			s.ClickKeys[f.Name] = clickKey
		}
		if f.CreatesSchedules {
			env[topology.EnvScheduleGroup] = jsii.String(top.ScheduleGroup)
			env[topology.EnvSchedulerRoleARN] = s.Scheduler.RoleArn()
		}
		// A role of its own per function, writing only to its own log group,
		// instead of the AWS-managed basic execution policy (logs anywhere).
		role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("the " + f.Name + " function: only what the topology grants it"),
		})
		logs.GrantWrite(role)
		fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
			Role:          role,
			Description:   jsii.String(f.Description),
			Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:  awslambda.Architecture_ARM_64(),
			Handler:       jsii.String("bootstrap"),
			Code:          awslambda.Code_FromAsset(jsii.String(props.CodeDir(f.Name)), nil),
			MemorySize:    jsii.Number(float64(f.MemoryMB)),
			Timeout:       awscdk.Duration_Seconds(jsii.Number(float64(f.TimeoutSec))),
			Environment:   &env,
			LogGroup:      logs,
			LoggingFormat: awslambda.LoggingFormat_JSON,
		})
		for _, g := range f.Tables {
			tb := s.Tables[g.Table]
			switch g.Access {
			case topology.Read:
				tb.GrantReadData(fn)
			case topology.ReadWrite:
				tb.GrantReadWriteData(fn)
			case topology.WriteOnly:
				tb.GrantWriteData(fn)
			}
		}
		if f.PublishesEvents {
			s.Bus.GrantPutEventsTo(fn, nil)
		}
		if clickKey != nil {
			clickKey.GrantRead(fn, nil)
		}
		if f.UsesPaymentRail {
			awssecretsmanager.Secret_FromSecretNameV2(c, jsii.String("StripeSecret"), jsii.String(stripeSecretName(stage))).GrantRead(fn, nil)
		}
		if f.CreatesSchedules {
			s.Scheduler.GrantPassRole(fn.GrantPrincipal())
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"),
				Resources: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{
					jsii.String("arn:"), stack.Partition(), jsii.String(":scheduler:"), stack.Region(), jsii.String(":"),
					stack.Account(), jsii.String(":schedule/" + top.ScheduleGroup + "/*"),
				})},
			}))
			schedulerMayInvoke(s.Scheduler, fn)
		}
		if f.ConsumesOutboxStream {
			fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(s.Tables[streamTable(top)], &awslambdaeventsources.DynamoEventSourceProps{
				StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
				BatchSize:               jsii.Number(100),
				MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(1)),
				BisectBatchOnError:      jsii.Bool(true),
				ReportBatchItemFailures: jsii.Bool(true),
				RetryAttempts:           jsii.Number(10),
				MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(24)),
				OnFailure:               awslambdaeventsources.NewSqsDlq(s.StreamDLQ),
			}))
		}
		alarm(c, "ErrorsAlarm", fn.MetricErrors(nil), 1, f.Name+" failed an invocation")
		alarm(c, "ThrottlesAlarm", fn.MetricThrottles(nil), 1, f.Name+" was throttled")
		s.Functions[f.Name] = fn
	}

	// ---- rules and recurring schedules ----
	for _, r := range top.Rules {
		rule := awsevents.NewRule(stack, jsii.String("Rule-"+r.Name), &awsevents.RuleProps{
			EventBus: s.Bus,
			// Replaced below by the topology's pattern verbatim, so that every
			// EventBridge operator (prefix, anything-but, numeric…) is kept.
			EventPattern: &awsevents.EventPattern{Source: jsii.Strings("souq.placeholder")},
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(s.Functions[r.Target], &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: s.EventsDLQ, RetryAttempts: jsii.Number(185), MaxEventAge: awscdk.Duration_Hours(jsii.Number(24)),
			})},
		})
		rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("EventPattern"), parsePattern(r.Pattern))
	}
	for _, sc := range top.Schedules {
		fn := s.Functions[sc.Target]
		schedulerMayInvoke(s.Scheduler, fn)
		awsscheduler.NewCfnSchedule(stack, jsii.String("Schedule-"+sc.Name), &awsscheduler.CfnScheduleProps{
			ScheduleExpression: jsii.String(sc.Expression),
			FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn: fn.FunctionArn(), RoleArn: s.Scheduler.RoleArn(), Input: jsii.String(sc.Payload()),
				RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{MaximumRetryAttempts: jsii.Number(10)},
			},
		})
	}

	// ---- the HTTP API ----
	authorizer := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("Authorizer"), s.Functions[top.Authorizer],
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			ResponseTypes:  &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			IdentitySource: jsii.Strings("$request.header.Authorization"),
			// Short, so a revoked API key stops working within 30 s.
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(30)),
		})
	s.API = awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String(stage.StackName), CreateDefaultStage: jsii.Bool(false),
	})
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range top.Routes {
		integ, ok := integrations[r.Function]
		if !ok {
			integ = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Integration-"+r.Function), s.Functions[r.Function], nil)
			integrations[r.Function] = integ
		}
		opts := &awsapigatewayv2.AddRoutesOptions{
			Path: jsii.String(r.Path), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(r.Method)}, Integration: integ,
		}
		if !r.IsPublic() {
			opts.Authorizer = authorizer
		}
		routes := s.API.AddRoutes(opts)
		s.Routes[r.Key()] = (*routes)[0]
	}
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: stage.LogRetention, RemovalPolicy: stage.removalPolicy(),
	})
	apiStage := awsapigatewayv2.NewHttpStage(stack, jsii.String("Stage"), &awsapigatewayv2.HttpStageProps{
		HttpApi: s.API, StageName: jsii.String("$default"), AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(stage.Rate), BurstLimit: jsii.Number(stage.Burst)},
	})
	cfnStage := apiStage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	routeSettings := map[string]interface{}{}
	for _, r := range top.Routes {
		if r.Throttle != nil {
			routeSettings[r.Key()] = map[string]interface{}{
				"ThrottlingRateLimit": r.Throttle.RatePerSecond, "ThrottlingBurstLimit": r.Throttle.Burst,
			}
		}
	}
	if len(routeSettings) > 0 {
		cfnStage.AddPropertyOverride(jsii.String("RouteSettings"), routeSettings)
	}
	alarm(s.API, "ServerErrorsAlarm", s.API.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}), 5,
		"the API answered 5xx: no input may cause one")

	alarm(stack, "LedgerViolationsAlarm", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String(ledger.MetricNamespace), MetricName: jsii.String(ledger.MetricViolations),
		DimensionsMap: &map[string]*string{"Stage": jsii.String(stage.Name)},
		Statistic:     jsii.String("Maximum"), Period: awscdk.Duration_Hours(jsii.Number(1)),
	}), 1, "ledger verify found a violation of the money invariants: stop and look before anything else moves")

	s.dashboard(stack, stage)

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: s.API.ApiEndpoint()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: s.UserPool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: client.UserPoolClientId()})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{Value: s.AlarmTopic.TopicArn()})
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
