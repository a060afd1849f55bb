// Command payouts is the payouts Lambda: destinations and claims over
// HTTP, the worker that pays each PayoutRequested through Stripe, the
// periodic sweep, and the events it keeps its own view from. It only
// wires; the logic is in shared/payouts.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/invoke"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/payouts"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnPayouts)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The Stripe key lives in Secrets Manager under the name the stack
	// passes in; it is read once per cold start and never logged.
	secret, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(os.Getenv("SOUQ_STRIPE_SECRET_NAME")),
	})
	if err != nil {
		log.Fatalf("read the Stripe secret %s: %v", os.Getenv("SOUQ_STRIPE_SECRET_NAME"), err)
	}
	minimum := int64(payouts.DefaultMinimumPayout)
	if v := os.Getenv("SOUQ_PAYOUT_MINIMUM"); v != "" {
		if minimum, err = strconv.ParseInt(v, 10, 64); err != nil || minimum < 1 {
			log.Fatalf("SOUQ_PAYOUT_MINIMUM must be a positive number of minor units, not %q", v)
		}
	}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	rail := payments.NewStripe(payments.StripeConfig{SecretKey: aws.ToString(secret.SecretString)})
	svc := payouts.NewService(payouts.NewRepository(db), ledger.New(db), rail, clk, payouts.Config{MinimumPayout: minimum})
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(invoke.Mux{HTTP: payouts.NewRouter(svc, idem, logger, clk.Now).Serve, Event: svc.HandleEvent, Scheduled: svc.HandleScheduled, Log: logger})
}
