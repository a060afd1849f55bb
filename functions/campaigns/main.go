// Command campaigns is the campaigns Lambda: pay-as-you-go campaigns over HTTP, the events it keeps its own view of advertisers from, and the end schedules it makes for itself.
// It only starts what infra/wire builds; the logic is in shared/campaigns.
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
	f, logger, err := wire.FromAWS(context.Background(), topology.FnCampaigns)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(invoke.Mux{HTTP: f.HTTP, Event: f.Event, Scheduled: f.Scheduled, Log: logger})
}
