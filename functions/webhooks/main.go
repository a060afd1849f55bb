// Command webhooks is the webhooks Lambda: endpoints over HTTP, every
// product event from the bus delivered to the endpoints that may hear it,
// and the retries it schedules for itself. It only wires; the logic is in
// shared/webhooks.
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
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/webhooks"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnWebhooks)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Endpoint secrets are sealed under a key the stack generates; it is
	// read once per cold start and never logged.
	secret, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(os.Getenv("SOUQ_CLICK_SECRET_ARN")),
	})
	if err != nil || len(aws.ToString(secret.SecretString)) < 32 {
		log.Fatalf("read the sealing key: %v", err)
	}
	vault, err := webhooks.NewVault([]byte(aws.ToString(secret.SecretString)))
	if err != nil {
		log.Fatal(err)
	}
	sched := &schedule.EventBridge{Client: scheduler.NewFromConfig(awsCfg), Group: os.Getenv("SOUQ_SCHEDULE_GROUP"),
		RoleARN: os.Getenv("SOUQ_SCHEDULER_ROLE_ARN"), Self: fn.Name}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	// In AWS: https to public addresses only.
	svc := webhooks.NewService(webhooks.NewRepository(db), vault, sched, clk, webhooks.Policy{AllowInsecure: false}, webhooks.Config{Self: fn.Name, Jitter: 0.1})
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(invoke.Mux{HTTP: webhooks.NewRouter(svc, idem, logger, clk.Now).Serve, Event: svc.HandleEvent, Scheduled: svc.HandleScheduled, Log: logger})
}
