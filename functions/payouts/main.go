// Command payouts is the payouts Lambda: destinations and claims over HTTP, and the worker that pays them on PayoutRequested and its sweep.
// It only starts what infra/wire builds; the logic is in shared/payouts.
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
	f, logger, err := wire.FromAWS(context.Background(), topology.FnPayouts)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(invoke.Mux{HTTP: f.HTTP, Event: f.Event, Scheduled: f.Scheduled, Log: logger})
}
