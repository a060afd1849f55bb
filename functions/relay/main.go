// Command relay publishes committed outbox events to the bus: the outbox
// table's stream in, PutEvents out. It only starts what infra/wire builds;
// the logic is in shared/relay.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	f, _, err := wire.FromAWS(context.Background(), topology.FnRelay)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(f.Stream)
}
