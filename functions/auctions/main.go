// Command auctions is the auctions Lambda: slots, auctions and bids over
// HTTP, the events it keeps its own view from, and the close schedules it
// makes for itself. It only wires; the logic is in shared/auctions.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/auctions"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/idempotency"
	"github.com/souqhq/souq/shared/invoke"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnAuctions)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	feeBps := int64(auctions.DefaultFeeBps)
	if v := os.Getenv("SOUQ_AUCTION_FEE_BPS"); v != "" {
		if feeBps, err = strconv.ParseInt(v, 10, 64); err != nil || feeBps < 0 || feeBps > 10_000 {
			log.Fatalf("SOUQ_AUCTION_FEE_BPS must be 0 to 10000 basis points, not %q", v)
		}
	}
	sched := &schedule.EventBridge{Client: scheduler.NewFromConfig(awsCfg), Group: os.Getenv("SOUQ_SCHEDULE_GROUP"),
		RoleARN: os.Getenv("SOUQ_SCHEDULER_ROLE_ARN"), Self: fn.Name}
	clk := clock.System{}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name)
	svc := auctions.NewService(auctions.NewRepository(db), ledger.New(db), sched, clk, auctions.Config{FeeBps: feeBps, Self: fn.Name})
	idem := idempotency.New(db.Client, db.Table(topology.TableIdempotency), clk)
	lambda.Start(invoke.Mux{HTTP: auctions.NewRouter(svc, idem, logger, clk.Now).Serve, Event: svc.HandleEvent, Scheduled: svc.HandleScheduled, Log: logger})
}
