// Command serve is the hot ad-serving Lambda: what a slot shows, its
// views and clicks, the tag, flights' stats, and the events its own
// projection of slots and flights is kept from. It only starts what
// infra/wire builds; the logic is in shared/serving.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/invoke"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	ctx := context.Background()
	f, logger, err := wire.FromAWS(ctx, topology.FnServe)
	if err != nil {
		log.Fatal(err)
	}
	// Counts are flushed every few seconds while the instance runs, by the
	// request path when they are older than that (a frozen instance's
	// ticker does not run), and at shutdown: WithEnableSIGTERM registers
	// an internal extension so that Lambda sends SIGTERM before it reaps
	// the instance, and Run's last flush writes what is left.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.Counter.Run(runCtx, logger); close(done) }()
	lambda.StartWithOptions(invoke.Mux{HTTP: f.HTTP, Event: f.Event, Scheduled: f.Scheduled, Log: logger}, lambda.WithEnableSIGTERM(func() {
		stop()
		<-done
	}))
}
