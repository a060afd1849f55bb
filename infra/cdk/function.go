package cdk

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/topology"
)

// alarm notifies the alarm topic when metric reaches threshold.
func (s *Souq) alarm(c constructs.Construct, id string, metric awscloudwatch.IMetric, threshold float64, what string) {
	a := awscloudwatch.NewAlarm(c, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric: metric, Threshold: jsii.Number(threshold), EvaluationPeriods: jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(what),
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(s.AlarmTopic))
}

// consoleSignIn is the console's part of the user pool.
type consoleSignIn struct {
	ClientID, LogoutURL *string
}

// consoleSignIn gives the user pool a hosted sign-in domain and the
// console an app client of its own: the authorization code flow with PKCE
// (a public client, no secret), calling back to the console on the API's
// domain and signing out to its signed-out page.
func (s *Souq) consoleSignIn(stack awscdk.Stack, stage Stage) consoleSignIn {
	domain := s.UserPool.AddDomain(jsii.String("SignIn"), &awscognito.UserPoolDomainOptions{
		// Unique per stack: the last part of the stack's id (a UUID).
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String("souq-" + stage.Name + "-" + *awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), stack.StackId(), nil)))},
	})
	base := s.PublicURL
	join := func(parts ...*string) *string { return awscdk.Fn_Join(jsii.String(""), &parts) }
	client := s.UserPool.AddClient(jsii.String("Console"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		AuthFlows:      &awscognito.AuthFlow{},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &[]*string{join(base, jsii.String("/console/callback"))},
			LogoutUrls:   &[]*string{join(base, jsii.String("/console/signed-out"))},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(1)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(1)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(30)),
	})
	return consoleSignIn{ClientID: client.UserPoolClientId(), LogoutURL: join(domain.BaseUrl(nil), jsii.String("/logout"))}
}

// stripeWebhookSecret is where the deployer puts the signing secret of
// Stripe's webhook endpoint (whsec_…, made by Stripe when the endpoint is
// added in its dashboard; two, one a line, while it is rolled:
// docs/operations.md). The stack makes it empty: a value generated here
// would be one Stripe does not know, and a value in the template would be
// put back by a later deploy. Until it is filled, the function refuses
// Stripe's events and Stripe retries them.
func stripeWebhookSecret(scope constructs.Construct, stage Stage) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(scope, jsii.String("StripeWebhookSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Stripe's webhook signing secret for souq " + stage.Name + ": the deployer puts the endpoint's whsec_ value here " +
			"(two, one a line, while rolling it; docs/operations.md). Created empty by the stack."),
		RemovalPolicy: stage.removalPolicy(),
	})
	// The L2 construct asks Secrets Manager to generate a value when given
	// none; the secret is created without any instead.
	secret.Node().DefaultChild().(awssecretsmanager.CfnSecret).AddPropertyDeletionOverride(jsii.String("GenerateSecretString"))
	return secret
}

// goFunction is one topology function as a Lambda: a Go binary (arm64,
// provided.al2023) with its own log group and role, the environment the
// topology says it reads, the grants it is given (its tables, the bus,
// its secrets, the origin secret if it serves HTTP, its schedules, the
// outbox stream) and its alarms.
func (s *Souq) goFunction(parent constructs.Construct, props StackProps, f topology.Function, issuer, clientID *string) awslambda.Function {
	top, stage, stack := props.Topology, props.Stage, s.Stack
	c := constructs.NewConstruct(parent, jsii.String(f.Name))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: stage.LogRetention, RemovalPolicy: stage.removalPolicy(),
	})
	// Every link a function makes (clicks, views, referral links, the
	// console's) is on the public domain, behind the edge's firewall.
	env := map[string]*string{topology.EnvStage: jsii.String(stage.Name), topology.EnvPublicURL: s.PublicURL}
	behindURL := s.behindURL(f.Name)
	if behindURL {
		// CloudFront's origin: the distribution's domain would be a cycle
		// (edge.go's serving); the function reads it from a secret by name.
		delete(env, topology.EnvPublicURL)
		env[topology.EnvPublicURLSecretName] = jsii.String(publicURLSecretName(stage))
	}
	for _, g := range f.Tables {
		env[store.EnvName(g.Table)] = s.Tables[g.Table].TableName()
	}
	if f.Name == top.Authorizer {
		env[topology.EnvJWTIssuer] = issuer
		env[topology.EnvJWTClientIDs] = clientID
	}
	if f.SignsIn {
		// The console: served on the public domain, signing people in at
		// the user pool's hosted sign-in with its own app client.
		env[topology.EnvJWTIssuer] = issuer
		env[topology.EnvConsoleClientID] = s.console.ClientID
		env[topology.EnvConsoleLogoutURL] = s.console.LogoutURL
	}
	// A function that serves HTTP refuses what did not come through the
	// edge: it reads the secret CloudFront sends (api.FromEdgeOnly).
	servesHTTP := len(top.RoutesOf(f.Name)) > 0
	if servesHTTP {
		env[topology.EnvOriginSecretARN] = s.OriginSecret.SecretArn()
	}
	if f.UsesPaymentRail {
		env[topology.EnvStripeSecretName] = jsii.String(stripeSecretName(stage))
	}
	// The function that receives Stripe's events (POST /v1/stripe/events)
	// verifies them with the endpoint's signing secret.
	receivesStripeEvents := f.Name == topology.FnAccounts
	if receivesStripeEvents {
		s.StripeWebhookSecret = stripeWebhookSecret(c, stage)
		env[topology.EnvStripeWebhookSecretName] = s.StripeWebhookSecret.SecretArn()
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
	if f.HostsCreatives {
		env[topology.EnvCreativesBucket] = s.Creatives.BucketName()
		env[topology.EnvCreativesURL] = awscdk.Fn_Join(jsii.String(""), &[]*string{s.PublicURL, jsii.String("/" + creativesPrefix)})
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
	fp := &awslambda.FunctionProps{
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
	}
	if f.HotPath {
		fp.SystemLogLevelV2 = awslambda.SystemLogLevel_WARN
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), fp)
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
	if f.HostsCreatives {
		// PutObject alone, under creatives/ (GrantPut adds s3:Abort* and
		// the retention and tagging actions): never read, list or delete.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("s3:PutObject"), Resources: &[]*string{s.Creatives.ArnForObjects(jsii.String(creativesPrefix + "*"))},
		}))
	}
	if clickKey != nil {
		clickKey.GrantRead(fn, nil)
	}
	if servesHTTP {
		// GetSecretValue alone (GrantRead adds DescribeSecret): the
		// function reads the current and previous stages, nothing else.
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: &[]*string{s.OriginSecret.SecretArn()},
		}))
	}
	if receivesStripeEvents {
		s.StripeWebhookSecret.GrantRead(fn, nil)
	}
	if f.UsesPaymentRail {
		awssecretsmanager.Secret_FromSecretNameV2(c, jsii.String("StripeSecret"), jsii.String(stripeSecretName(stage))).GrantRead(fn, nil)
	}
	if behindURL {
		awssecretsmanager.Secret_FromSecretNameV2(c, jsii.String("PublicURL"), jsii.String(publicURLSecretName(stage))).GrantRead(fn, nil)
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
	s.alarm(c, "ErrorsAlarm", fn.MetricErrors(nil), 1, f.Name+" failed an invocation")
	s.alarm(c, "ThrottlesAlarm", fn.MetricThrottles(nil), 1, f.Name+" was throttled")
	return fn
}

// rulesAndSchedules routes the bus's events to their consumers, and runs
// the recurring schedules, both from the topology.
func (s *Souq) rulesAndSchedules(stack awscdk.Stack) {
	top := s.topology
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

}

// httpAPI is the HTTP API: the topology's routes, each to its function,
// behind the authorizer unless public, with the stage's and each route's
// throttles, access logs and the 5xx alarm.
func (s *Souq) httpAPI(stack awscdk.Stack, stage Stage) {
	top := s.topology
	authorizer := awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String("Authorizer"), s.Functions[top.Authorizer],
		&awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
			ResponseTypes:  &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
			IdentitySource: jsii.Strings("$request.header.Authorization"),
			// Short, so a revoked API key stops working within 30 s.
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(30)),
		})
	integrations := map[string]awsapigatewayv2integrations.HttpLambdaIntegration{}
	for _, r := range top.Routes {
		if r.FunctionURL {
			continue // CloudFront → the function's URL (edge.go's serving): no API Gateway on the floor's path
		}
		integ, ok := integrations[r.Function]
		if !ok {
			// One invoke permission per function for the whole API, not one
			// per route: each function's router answers only its own routes
			// (404 otherwise), and per-route permissions took 160 of the
			// stack's 500 resources.
			integ = awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Integration-"+r.Function), s.Functions[r.Function],
				&awsapigatewayv2integrations.HttpLambdaIntegrationProps{ScopePermissionToRoute: jsii.Bool(false)})
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
		if r.Throttle != nil && !r.FunctionURL {
			routeSettings[r.Key()] = map[string]interface{}{
				"ThrottlingRateLimit": r.Throttle.RatePerSecond, "ThrottlingBurstLimit": r.Throttle.Burst,
			}
		}
	}
	if len(routeSettings) > 0 {
		cfnStage.AddPropertyOverride(jsii.String("RouteSettings"), routeSettings)
	}
	s.alarm(s.API, "ServerErrorsAlarm", s.API.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum")}), 5,
		"the API answered 5xx: no input may cause one")

}
