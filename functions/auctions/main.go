// Command auctions is the auctions Lambda: banner slots over HTTP, and the
// events it keeps its own view from. It only wires; the logic is in
// shared/auctions.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/invoke"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnAuctions)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	svc := auctions.NewService(auctions.NewRepository(db), clk)
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(invoke.Mux{HTTP: auctions.NewRouter(svc, idem, logger, clk.Now).Serve, Event: svc.HandleEvent})
}
