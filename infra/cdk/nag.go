package cdk

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check adds cdk-nag's AwsSolutions pack to the stack, with Souq's
// suppressions: each names the rule, the resource (and, for wildcards, the
// exact finding), and why it does not apply.
func Check(s *Souq) {
	suppress := func(c constructs.IConstruct, id, reason string, appliesTo ...string) {
		sup := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
		if len(appliesTo) > 0 {
			var at []interface{}
			for _, a := range appliesTo {
				at = append(at, a)
			}
			sup.AppliesTo = &at
		}
		cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{sup}, jsii.Bool(true))
	}

	for _, q := range []constructs.IConstruct{s.StreamDLQ, s.EventsDLQ} {
		suppress(q, "AwsSolutions-SQS3", "this queue is itself a dead-letter queue (of the outbox stream mapping or the bus rules); a dead-letter queue of a dead-letter queue would only hide failures, and its depth alarm pages instead")
	}
	suppress(s.UserPool, "AwsSolutions-COG2", "MFA is offered (TOTP, optional): advertisers, owners and influencers sign up themselves and requiring MFA at sign-up blocks them; threat protection (PLUS plan, full function) covers risky sign-ins, and money-moving actions are protected per request by idempotency and ownership checks")

	for _, r := range s.topology.Routes {
		if r.IsPublic() && !r.FunctionURL {
			suppress(s.Routes[r.Key()], "AwsSolutions-APIG4", "public by design ("+r.Summary+"): the topology declares "+r.Key()+" public; it reads no private data")
		}
	}
	for _, f := range s.topology.Functions {
		for _, g := range f.Tables {
			tb, _ := s.topology.Table(g.Table)
			if len(tb.GlobalIndexes)+len(tb.LocalIndexes) == 0 {
				continue
			}
			// The grant reaches the indexes of this one table only.
			sup := &cdknag.NagPackSuppression{
				Id: jsii.String("AwsSolutions-IAM5"),
				Reason: jsii.String("the topology grants " + f.Name + " the " + tb.Name + " table, whose access patterns use its own secondary indexes; " +
					"the wildcard is the index part of that one table's ARN (table/<name>/index/*), never another table"),
				AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<Tables` + tb.Name + `[0-9A-F]{8}\.Arn>\/index\/\*$/g`)}},
			}
			cdknag.NagSuppressions_AddResourceSuppressions(s.Functions[f.Name].Role(), &[]*cdknag.NagPackSuppression{sup}, jsii.Bool(true))
		}
		if f.HostsCreatives {
			cdknag.NagSuppressions_AddResourceSuppressions(s.Functions[f.Name].Role(), &[]*cdknag.NagPackSuppression{{
				Id:        jsii.String("AwsSolutions-IAM5"),
				Reason:    jsii.String(f.Name + " uploads creatives whose keys are the SHA-256 of their bytes, known only at upload; the wildcard is the key within creatives/ of the creatives bucket, with s3:PutObject alone"),
				AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<Creatives[0-9A-F]{8}\.Arn>\/creatives\/\*$/g`)}},
			}}, jsii.Bool(true))
		}
		if f.CreatesSchedules {
			suppress(s.Functions[f.Name].Role(), "AwsSolutions-IAM5",
				"one-time schedules are named at run time (close-<auctionId>); the wildcard is the name within Souq's own schedule group, never another group",
				"Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/"+s.topology.ScheduleGroup+"/*")
		}
		if f.ConsumesOutboxStream {
			suppress(s.Functions[f.Name].Role(), "AwsSolutions-IAM5",
				"dynamodb:ListStreams, added by the DynamoDB event source mapping, supports no resource-level permission (AWS service authorization reference); every other statement names the outbox stream",
				"Resource::*")
		}
	}
	for _, k := range s.ClickKeys {
		suppress(k, "AwsSolutions-SMG4", "the click signing key has no rotation Lambda: rotating it would void every click URL already served (valid 24 h); docs/deploy.md says how to replace it by hand. Only the serve function may read it.")
	}
	suppress(s.OriginSecret, "AwsSolutions-SMG4", "the origin secret is rotated by hand, in two steps a rotation Lambda cannot take: put a new value (functions accept it and the previous one), then deploy with its version so that CloudFormation gives CloudFront the new value (docs/operations.md); a Lambda changing the distribution behind CloudFormation would be reverted by the next deploy. Only the functions that serve HTTP may read it (GetSecretValue alone)")
	if s.StripeWebhookSecret != nil {
		suppress(s.StripeWebhookSecret, "AwsSolutions-SMG4", "Stripe makes this value, not Souq: the webhook signing secret is rolled in Stripe's dashboard with an overlap, and the deployer puts both values here until the old one expires (docs/operations.md); a rotation Lambda could only generate a value Stripe does not sign with. Only the function that receives Stripe's events may read it")
	}
	suppress(s.PublicURLSecret, "AwsSolutions-SMG4", "not a secret: the stack's public URL (the distribution's domain), which the serve function reads by name because the distribution is its URL's origin and the domain in its environment would be a cycle; it changes only with the distribution, and CloudFormation writes it")
	suppress(s.EdgeLogs, "AwsSolutions-S1", "this bucket holds CloudFront's access logs; access logs of the access-log bucket would log themselves. It is private (all public access blocked), TLS only, and expires its objects")
	suppress(s.Edge, "AwsSolutions-CFR4", "the distribution uses CloudFront's default *.cloudfront.net certificate until a stage names its own domain (docs/deploy.md), and with it CloudFront cannot enforce a minimum TLS version; the origin connection is TLS 1.2 only")
	suppress(s.Edge, "AwsSolutions-CFR1", "a marketplace for communities anywhere: no country is refused at the edge; AWS WAF refuses known bad addresses and floods, and serving sees each viewer's country (CloudFront-Viewer-Country)")
	awscdk.Aspects_Of(s.Stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}
