// Package cdk turns the topology into Souq's AWS stack: the HTTP API and
// its Lambda authorizer, one Go arm64 function per topology function,
// DynamoDB tables, the outbox stream → relay mapping, the souq bus and its
// rules, the Scheduler group and role, logs, alarms and throttles.
//
// It reads shared/topology and never repeats a name from it. It must never
// grant a function a table the topology does not give it, nor use a
// wildcard IAM action.
package cdk

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Stage is one deployment of Souq.
type Stage struct {
	Name string
	// StackName is the CloudFormation stack (and template file) name.
	StackName string
	// Retain keeps tables and the user pool when the stack is deleted, and
	// turns on deletion protection.
	Retain       bool
	LogRetention awslogs.RetentionDays
	// Throttle is the API's default rate limit per second, and its burst.
	Rate, Burst float64
	// LiveKeys makes the API issue and accept sk_live_ keys only.
	LiveKeys bool
}

// StageNamed returns the stage for the CDK context value "stage".
func StageNamed(name string) (Stage, error) {
	switch name {
	case "", "dev":
		return Stage{Name: "dev", StackName: "Souq", LogRetention: awslogs.RetentionDays_TWO_WEEKS, Rate: 100, Burst: 200}, nil
	case "prod":
		return Stage{Name: "prod", StackName: "SouqProd", Retain: true, LogRetention: awslogs.RetentionDays_ONE_YEAR,
			Rate: 2000, Burst: 5000, LiveKeys: true}, nil
	}
	return Stage{}, fmt.Errorf("unknown stage %q: use dev or prod", name)
}

// edgeLogDays is how long CloudFront's access logs are kept.
func (s Stage) edgeLogDays() int {
	if s.Retain {
		return 365
	}
	return 14
}

// priceClass is where CloudFront serves from: everywhere in prod, the
// cheapest edges (North America, Europe) in dev.
func (s Stage) priceClass() awscloudfront.PriceClass {
	if s.Retain {
		return awscloudfront.PriceClass_PRICE_CLASS_ALL
	}
	return awscloudfront.PriceClass_PRICE_CLASS_100
}

func (s Stage) removalPolicy() awscdk.RemovalPolicy {
	if s.Retain {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
