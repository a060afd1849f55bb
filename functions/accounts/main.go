// Command accounts is the accounts Lambda: communities, advertisers, API
// keys, deposits, balances, statements and health. It only wires; the
// logic is in shared/accounts and shared/ledger.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnAccounts)
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
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	rail := payments.NewStripe(payments.StripeConfig{SecretKey: aws.ToString(secret.SecretString), PaymentMethod: os.Getenv("SOUQ_STRIPE_PAYMENT_METHOD")})
	svc := accounts.NewService(accounts.NewRepository(db), clk, os.Getenv("SOUQ_STAGE") == "prod").WithMoney(ledger.New(db), rail)
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(accounts.NewRouter(svc, idem, logger, clk.Now).Serve)
}
