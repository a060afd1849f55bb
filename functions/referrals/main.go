// Command referrals is the referrals Lambda: programs, deals, clicks, conversions and commissions, over HTTP, events and its clearing schedules.
// It only starts what infra/wire builds; the logic is in shared/referrals.
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
	f, logger, err := wire.FromAWS(context.Background(), topology.FnReferrals)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(invoke.Mux{HTTP: f.HTTP, Event: f.Event, Scheduled: f.Scheduled, Log: logger})
}
