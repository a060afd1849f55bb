// Command referrals is the influencer Lambda: referral programs, deals,
// referral clicks, conversions and commissions over HTTP, the events it
// keeps its view of communities from, and the clearing schedules it makes
// for itself. It only wires; the logic is in shared/referrals.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/invoke"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/referrals"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnReferrals)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The visitor key is a secret the stack generates; read once per cold
	// start, never logged.
	secret, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(os.Getenv("SOUQ_CLICK_SECRET_ARN")),
	})
	if err != nil || len(aws.ToString(secret.SecretString)) < 32 {
		log.Fatalf("read the visitor key: %v", err)
	}
	sched := &schedule.EventBridge{Client: scheduler.NewFromConfig(awsCfg), Group: os.Getenv("SOUQ_SCHEDULE_GROUP"),
		RoleARN: os.Getenv("SOUQ_SCHEDULER_ROLE_ARN"), Self: fn.Name}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	svc := referrals.NewService(referrals.NewRepository(db), ledger.New(db), sched, clk, referrals.Config{
		Self: fn.Name, VisitorKey: []byte(aws.ToString(secret.SecretString)), PublicURL: os.Getenv("SOUQ_PUBLIC_URL"),
	})
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(invoke.Mux{HTTP: referrals.NewRouter(svc, idem, logger, clk.Now).Serve, Event: svc.HandleEvent, Scheduled: svc.HandleScheduled, Log: logger})
}
