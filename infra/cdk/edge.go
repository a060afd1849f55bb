package cdk

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/topology"
)

// EdgeRegion is where the stack must be deployed: a CloudFront
// distribution's web ACL (AWS WAF, scope CLOUDFRONT) can only be made in
// us-east-1, and the stack makes it with everything else.
const EdgeRegion = "us-east-1"

// TagCacheSeconds is how long the edge keeps /tag.js: the tag's own
// Cache-Control (serving.TagMaxAge) says the same to browsers, so a new
// release reaches every page within minutes.
const TagCacheSeconds = 300

// EdgeRequestsPerMinute is the WAF's rate limit per caller: the local
// gateway's default per-caller rate (topology.DefaultThrottle), over WAF's
// one-minute window.
func EdgeRequestsPerMinute() float64 { return topology.DefaultThrottle.RatePerSecond * 60 }

// edge puts CloudFront in front of the HTTP API, so that everything is
// on one domain: the API, the console, the tag and its beacons. Nothing
// is cached but /tag.js. Every viewer header but Host goes to the API
// (API Gateway answers only to its own Host), with CloudFront's, among
// them CloudFront-Viewer-Country, which serving reads. AWS WAF limits
// each source address on public routes and each Authorization header on
// the rest to what the local gateway allows; the per-route throttles
// (creation, deposits) stay on the API's stage. Every origin gets the
// origin secret in api.OriginHeader, without which every function
// refuses a request: the execute-api URL answers nothing around the
// edge, so nobody skips WAF or writes CloudFront's viewer headers.
func (s *Souq) edge(stack awscdk.Stack, stage Stage, originSecretVersion string) {
	awscdk.NewCfnRule(stack, jsii.String("DeployedInUsEast1"), &awscdk.CfnRuleProps{
		Assertions: &[]*awscdk.CfnRuleAssertion{{
			Assert:            awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(EdgeRegion)),
			AssertDescription: jsii.String("Souq's stack makes CloudFront's web ACL, which AWS WAF allows only in " + EdgeRegion + ": deploy the stack there"),
		}},
	})
	s.WebACL = s.webACL(stack, stage)

	s.EdgeLogs = awss3.NewBucket(stack, jsii.String("EdgeLogs"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		// CloudFront's standard logs are written with an ACL.
		ObjectOwnership: awss3.ObjectOwnership_OBJECT_WRITER,
		Versioned:       jsii.Bool(false),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(float64(stage.edgeLogDays()))),
		}},
		// Logs outlive a deleted stack; deleting a bucket with objects fails.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	s.OriginSecret = awssecretsmanager.NewSecret(stack, jsii.String("OriginSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("what CloudFront sends Souq's origins in " + api.OriginHeader + "; a function refuses any request without it (docs/operations.md: rotation)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: stage.removalPolicy(),
	})

	// https://<id>.execute-api.<region>.amazonaws.com → its host name.
	apiHost := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), s.API.ApiEndpoint(), nil))
	origin := awscloudfrontorigins.NewHttpOrigin(apiHost, &awscloudfrontorigins.HttpOriginProps{
		ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
		OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
		CustomHeaders:      s.originHeaders(originSecretVersion),
	})
	tagCache := awscloudfront.NewCachePolicy(stack, jsii.String("TagCache"), &awscloudfront.CachePolicyProps{
		Comment:    jsii.String("/tag.js: one copy per edge for " + fmt.Sprint(TagCacheSeconds) + " s, whatever the page asking"),
		DefaultTtl: awscdk.Duration_Seconds(jsii.Number(TagCacheSeconds)),
		MinTtl:     awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:     awscdk.Duration_Seconds(jsii.Number(TagCacheSeconds)),
		// Nothing in the key: the script is the same for every page.
		HeaderBehavior:             awscloudfront.CacheHeaderBehavior_None(),
		QueryStringBehavior:        awscloudfront.CacheQueryStringBehavior_None(),
		CookieBehavior:             awscloudfront.CacheCookieBehavior_None(),
		EnableAcceptEncodingGzip:   jsii.Bool(true),
		EnableAcceptEncodingBrotli: jsii.Bool(true),
	})
	creatives := s.creatives(stack, stage)
	behaviors := map[string]*awscloudfront.BehaviorOptions{"/" + creativesPrefix + "*": creatives}
	s.tagCache = tagCache
	s.Edge = awscloudfront.NewDistribution(stack, jsii.String("Edge"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Souq " + stage.Name + ": the API, the console and the ad tag on one domain"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               origin,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			Compress:             jsii.Bool(true),
		},
		AdditionalBehaviors: &behaviors,
		WebAclId:            s.WebACL.AttrArn(),
		HttpVersion:         awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:          stage.priceClass(),
		EnableLogging:       jsii.Bool(true),
		LogBucket:           s.EdgeLogs,
		LogFilePrefix:       jsii.String("cloudfront/"),
	})
	s.PublicURL = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), s.Edge.DistributionDomainName()})
	s.PublicURLSecret = awssecretsmanager.NewSecret(stack, jsii.String("PublicURL"), &awssecretsmanager.SecretProps{
		SecretName:        jsii.String(publicURLSecretName(stage)),
		Description:       jsii.String("the public URL (not a secret): the serve function reads it by name, since its URL is the distribution's origin"),
		SecretStringValue: awscdk.SecretValue_UnsafePlainText(s.PublicURL),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
}

// publicURLSecretName is where the stack keeps its public URL for the
// function behind CloudFront's function URL origin (EnvPublicURLSecretName).
func publicURLSecretName(stage Stage) string { return "souq/" + stage.Name + "/public-url" }

// behindURL reports whether a function serves routes CloudFront sends to
// its URL (route.FunctionURL).
func (s *Souq) behindURL(fn string) bool { return s.topology.BehindURL(fn) }

// servingPatterns are the edge's path patterns of the topology's routes
// behind the serve function's URL (route.FunctionURL): each route's path
// up to its first parameter, then "*" ("/v/{token}" → "/v/*").
func servingPatterns(top topology.Topology) []string {
	var out []string
	for _, r := range top.Routes {
		if !r.FunctionURL {
			continue
		}
		p := r.Path
		if i := strings.Index(p, "{"); i >= 0 {
			p = p[:i] + "*"
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// The edge's own metric: view beacons the beacon check refused as forged.
const (
	EdgeMetricNamespace = "Souq/Edge"
	MetricForgedBeacons = "ForgedBeacons"
	// ForgedBeaconsAlarmAt is how many forged beacons in five minutes page.
	ForgedBeaconsAlarmAt = 1000
)

// BeaconKVSKey is the key, in the edge's key value store, of offer
// tokens' key (serving.OfferKey), which beacon.js checks view beacons
// with (docs/deploy.md puts it).
const BeaconKVSKey = "beacon-key"

//go:embed beacon.js
var beaconJS string

// serving is the floor's path (DESIGN §20): the public serving routes
// (decisions, view beacons, clicks, the tag) go from CloudFront to the
// serve function's URL, whose auth type is AWS_IAM and which CloudFront
// signs for with origin access control: no API Gateway on that path, so
// a seen ad costs two CloudFront requests and two invocations. The origin
// secret goes too (the function checks it as on every route). View
// beacons pass a CloudFront Function first (beacon.js), which answers any
// token serving did not sign before a Lambda runs. Nothing is cached but
// the tag.
func (s *Souq) serving(stack awscdk.Stack, stage Stage, originSecretVersion string) {
	url := s.Functions[topology.FnServe].AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_AWS_IAM})
	origin := awscloudfrontorigins.FunctionUrlOrigin_WithOriginAccessControl(url, &awscloudfrontorigins.FunctionUrlOriginWithOACProps{
		CustomHeaders: s.originHeaders(originSecretVersion),
	})
	// FunctionUrlOrigin grants lambda:InvokeFunctionUrl to this
	// distribution; Lambda asks function URLs made since October 2025 for
	// lambda:InvokeFunction too, for the same principal and source.
	s.Functions[topology.FnServe].AddPermission(jsii.String("EdgeInvokes"), &awslambda.Permission{
		Principal: awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil),
		Action:    jsii.String("lambda:InvokeFunction"),
		// Only through the URL: CloudFront may not invoke it any other way.
		InvokedViaFunctionUrl: jsii.Bool(true),
		SourceArn: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), stack.Partition(), jsii.String(":cloudfront::"), stack.Account(),
			jsii.String(":distribution/"), s.Edge.DistributionId()}),
	})
	s.BeaconKeys = awscloudfront.NewKeyValueStore(stack, jsii.String("BeaconKeys"), &awscloudfront.KeyValueStoreProps{
		Comment: jsii.String("the key of offer tokens (" + BeaconKVSKey + "), which the edge checks view beacons with"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("BeaconKeyStoreArn"), &awscdk.CfnOutputProps{Value: s.BeaconKeys.KeyValueStoreArn(),
		Description: jsii.String("the edge's key value store: put serving.OfferKey of ServeSecretArn's value under " + BeaconKVSKey + " (docs/deploy.md)")})
	awscdk.NewCfnOutput(stack, jsii.String("ServeSecretArn"), &awscdk.CfnOutputProps{Value: s.ClickKeys[topology.FnServe].SecretArn(),
		Description: jsii.String("the serve function's generated secret, which the edge's offer key is derived from")})
	code := strings.Split(beaconJS, "__SOUQ_KVS_ID__")
	if len(code) != 2 {
		panic("cdk: beacon.js must name its key value store once")
	}
	beacon := awscloudfront.NewFunction(stack, jsii.String("BeaconCheck"), &awscloudfront.FunctionProps{
		Comment:       jsii.String("a view beacon's token, checked before any Lambda runs"),
		Runtime:       awscloudfront.FunctionRuntime_JS_2_0(),
		KeyValueStore: s.BeaconKeys,
		Code: awscloudfront.FunctionCode_FromInline(awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String(code[0]), s.BeaconKeys.KeyValueStoreId(), jsii.String(code[1])})),
	})
	// The beacon check logs each beacon whose signature does not hold
	// (CloudFront writes a function's logs to this group, in us-east-1):
	// many at once is an attack, or a wrong key in the store refusing every
	// beacon (docs/deploy.md), and impressions stop. Either pages.
	logs := awslogs.NewLogGroup(stack, jsii.String("BeaconCheckLogs"), &awslogs.LogGroupProps{
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/aws/cloudfront/function/"), beacon.FunctionName()}),
		Retention:     stage.LogRetention,
		RemovalPolicy: stage.removalPolicy(),
	})
	forged := awslogs.NewMetricFilter(stack, jsii.String("ForgedBeacons"), &awslogs.MetricFilterProps{
		LogGroup: logs, FilterPattern: awslogs.FilterPattern_AllTerms(jsii.String("souq-beacon"), jsii.String("forged")),
		MetricNamespace: jsii.String(EdgeMetricNamespace), MetricName: jsii.String(MetricForgedBeacons), MetricValue: jsii.String("1"),
	})
	s.alarm(stack, "ForgedBeaconsAlarm", forged.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}),
		ForgedBeaconsAlarmAt, "the edge refused many view beacons whose signature does not hold: an attack, or the edge's offer key is wrong and every beacon is refused (docs/deploy.md, step 5): look before impressions stop")
	for _, pattern := range servingPatterns(s.topology) {
		b := &awscloudfront.AddBehaviorOptions{
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			Compress:             jsii.Bool(true),
		}
		switch pattern {
		case "/tag.js":
			b.ViewerProtocolPolicy, b.CachePolicy, b.OriginRequestPolicy = awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS, s.tagCache, nil
		case "/v/*":
			// An older tag's sendBeacon is a POST: allowed, with no body
			// (beacon.js).
			b.AllowedMethods = awscloudfront.AllowedMethods_ALLOW_ALL()
			b.FunctionAssociations = &[]*awscloudfront.FunctionAssociation{{
				Function: beacon, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}}
		}
		s.Edge.AddBehavior(jsii.String(pattern), origin, b)
	}
}

// servingPaths matches the paths of the serving routes (servingPatterns).
func (s *Souq) servingPaths(none *[]*awswafv2.CfnWebACL_TextTransformationProperty) *awswafv2.CfnWebACL_StatementProperty {
	var any []interface{}
	for _, p := range servingPatterns(s.topology) {
		constraint, prefix := "EXACTLY", p
		if strings.HasSuffix(p, "*") {
			constraint, prefix = "STARTS_WITH", strings.TrimSuffix(p, "*")
		}
		any = append(any, &awswafv2.CfnWebACL_StatementProperty{ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
			FieldToMatch:         &awswafv2.CfnWebACL_FieldToMatchProperty{UriPath: map[string]interface{}{}},
			PositionalConstraint: jsii.String(constraint), SearchString: jsii.String(prefix), TextTransformations: none,
		}})
	}
	if len(any) == 1 {
		return any[0].(*awswafv2.CfnWebACL_StatementProperty)
	}
	return &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &any}}
}

// creativesPrefix is the path of hosted creatives on the public domain,
// and the folder of their keys in the bucket (shared/creatives.Prefix).
const creativesPrefix = creatives.Prefix

// creatives makes the bucket of hosted creatives (DESIGN §16) and the
// edge's behavior that serves it: private, reached only by this
// distribution through origin access control (its bucket policy names the
// distribution), cached at the edge for good, with the headers the local
// platform sends too. Versioning is off: a key is the SHA-256 of its
// bytes, so an object is never replaced by other bytes, and the campaigns
// function may only put objects, never delete them.
func (s *Souq) creatives(stack awscdk.Stack, stage Stage) *awscloudfront.BehaviorOptions {
	s.Creatives = awss3.NewBucket(stack, jsii.String("Creatives"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		Versioned:              jsii.Bool(false),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: s.EdgeLogs,
		ServerAccessLogsPrefix: jsii.String("s3/creatives/"),
		RemovalPolicy:          stage.removalPolicy(),
	})
	headers := awscloudfront.NewResponseHeadersPolicy(stack, jsii.String("CreativeHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("hosted creatives: immutable, never sniffed"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{{
			Header: jsii.String("Cache-Control"), Value: jsii.String(creatives.CacheControl), Override: jsii.Bool(true),
		}}},
	})
	return &awscloudfront.BehaviorOptions{
		Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(s.Creatives, nil),
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: headers,
		// Images are compressed already.
		Compress: jsii.Bool(false),
	}
}

// originVersionID is the shape of a Secrets Manager version id: 32 to 64
// characters, a UUID when the CLI or an SDK made it; nothing that could
// end the dynamic reference (":" or "}").
var originVersionID = regexp.MustCompile(`^[0-9A-Za-z-]{32,64}$`)

// originHeaders are the custom headers of every CloudFront origin: the
// origin secret, as a CloudFormation dynamic reference, so that its value
// is resolved at deploy time and never written in the template. A dynamic
// reference is resolved again only when it changes, so a rotation names
// the new version (docs/operations.md); unnamed, it is the current one.
func (s *Souq) originHeaders(version string) *map[string]*string {
	opts := &awscdk.SecretsManagerSecretOptions{}
	if version != "" {
		if !originVersionID.MatchString(version) {
			panic(fmt.Sprintf("cdk: originSecretVersion %q is not a Secrets Manager version id", version))
		}
		opts.VersionId = jsii.String(version)
	}
	return &map[string]*string{
		api.OriginHeader: awscdk.SecretValue_SecretsManager(s.OriginSecret.SecretArn(), opts).UnsafeUnwrap(),
	}
}

// webACL is the edge's AWS WAF: AWS's list of addresses known for bots
// and attacks, then a rate limit per source address on requests without
// credentials (public routes: serving, the tag, beacons, clicks,
// referral links, the console's pages) and per Authorization header on
// the rest. A limited caller gets 429 with Retry-After and a problem
// body, as from the local gateway.
func (s *Souq) webACL(stack awscdk.Stack, stage Stage) awswafv2.CfnWebACL {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true),
			MetricName: jsii.String("souq-" + stage.Name + "-" + name),
		}
	}
	tooMany := &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
		CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
			ResponseCode: jsii.Number(429), CustomResponseBodyKey: jsii.String("throttled"),
			ResponseHeaders: &[]*awswafv2.CfnWebACL_CustomHTTPHeaderProperty{{Name: jsii.String("Retry-After"), Value: jsii.String("60")}},
		},
	}}
	authorization := &awswafv2.CfnWebACL_FieldToMatchProperty{
		SingleHeader: map[string]interface{}{"Name": "authorization"},
	}
	none := &[]*awswafv2.CfnWebACL_TextTransformationProperty{{Priority: jsii.Number(0), Type: jsii.String("NONE")}}
	limit := jsii.Number(EdgeRequestsPerMinute())
	return awswafv2.NewCfnWebACL(stack, jsii.String("EdgeFirewall"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String("Souq " + stage.Name + " - known bad addresses and a rate limit per caller"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility("edge"),
		CustomResponseBodies: map[string]*awswafv2.CfnWebACL_CustomResponseBodyProperty{
			"throttled": {ContentType: jsii.String("APPLICATION_JSON"),
				Content: jsii.String(`{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"slow down: retry after a minute"}`)},
		},
		Rules: &[]interface{}{
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("known-bad-addresses"), Priority: jsii.Number(0),
				Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
					VendorName: jsii.String("AWS"), Name: jsii.String("AWSManagedRulesAmazonIpReputationList"),
				}},
				OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]interface{}{}},
				VisibilityConfig: visibility("known-bad-addresses"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("public-per-address"), Priority: jsii.Number(1),
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType: jsii.String("IP"), Limit: limit, EvaluationWindowSec: jsii.Number(60),
					// Requests without credentials: the public routes.
					ScopeDownStatement: &awswafv2.CfnWebACL_StatementProperty{NotStatement: &awswafv2.CfnWebACL_NotStatementProperty{
						Statement: &awswafv2.CfnWebACL_StatementProperty{SizeConstraintStatement: &awswafv2.CfnWebACL_SizeConstraintStatementProperty{
							FieldToMatch: authorization, ComparisonOperator: jsii.String("GT"), Size: jsii.Number(0), TextTransformations: none,
						}},
					}},
				}},
				Action:           tooMany,
				VisibilityConfig: visibility("public-per-address"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				// The serving routes, whatever the request carries: an
				// Authorization header (which origin access control replaces)
				// must not take a flood out of public-per-address and into
				// api-per-credential, keyed on a value it makes up. Nothing
				// else throttles that path: it has no API Gateway stage.
				Name: jsii.String("serving-per-address"), Priority: jsii.Number(2),
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType: jsii.String("IP"), Limit: limit, EvaluationWindowSec: jsii.Number(60),
					ScopeDownStatement: s.servingPaths(none),
				}},
				Action:           tooMany,
				VisibilityConfig: visibility("serving-per-address"),
			},
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("api-per-credential"), Priority: jsii.Number(3),
				// Requests without the header are not counted here.
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType: jsii.String("CUSTOM_KEYS"), Limit: limit, EvaluationWindowSec: jsii.Number(60),
					CustomKeys: &[]*awswafv2.CfnWebACL_RateBasedStatementCustomKeyProperty{{
						Header: &awswafv2.CfnWebACL_RateLimitHeaderProperty{Name: jsii.String("authorization"), TextTransformations: none},
					}},
				}},
				Action:           tooMany,
				VisibilityConfig: visibility("api-per-credential"),
			},
		},
	})
}
