// Command accounts is the accounts Lambda: communities, advertisers, API
// keys and health. It only wires; the logic is in shared/accounts.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnAccounts)
	names, err := store.NamesFromEnv(fn.TablesOf())
	if err != nil {
		log.Fatal(err)
	}
	client, err := store.NewClient(ctx, store.ClientConfig{Region: os.Getenv("AWS_REGION")})
	if err != nil {
		log.Fatal(err)
	}
	db := store.NewDB(client, names)
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	svc := accounts.NewService(accounts.NewRepository(db), clk, os.Getenv("SOUQ_STAGE") == "prod")
	idem := idempotency.New(client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(accounts.NewRouter(svc, idem, logger, clk.Now).Serve)
}
