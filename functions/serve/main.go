// Command serve is the ad serving Lambda: GET /v1/serve/{slotId} and the
// click redirects. It only wires; the logic is in shared/auctions.
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
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnServe)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The click signing key is a secret the stack generates; read once per
	// cold start, never logged.
	secret, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(os.Getenv("SOUQ_CLICK_SECRET_ARN")),
	})
	if err != nil || len(aws.ToString(secret.SecretString)) < 32 {
		log.Fatalf("read the click signing key: %v", err)
	}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	srv := auctions.NewServer(auctions.NewServingRepository(db), clk, auctions.ClickSigner{Key: []byte(aws.ToString(secret.SecretString))}, os.Getenv("SOUQ_PUBLIC_URL"), logger)

	// Counts are flushed every few seconds while the instance runs, by the
	// request path when they are older than that (a frozen instance's
	// ticker does not run), and at shutdown: WithEnableSIGTERM registers
	// an internal extension so that Lambda sends SIGTERM before it reaps
	// the instance, and Run's last flush writes what is left.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.Counts.Run(runCtx, logger); close(done) }()
	lambda.StartWithOptions(auctions.NewServeRouter(srv, logger, clk.Now).Serve, lambda.WithEnableSIGTERM(func() {
		stop()
		<-done
	}))
}
