// Command accounts is the accounts Lambda: communities, advertisers, API keys, deposits, balances and statements.
// It only starts what infra/wire builds; the logic is in shared/accounts.
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
	f, logger, err := wire.FromAWS(context.Background(), topology.FnAccounts)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(invoke.Mux{HTTP: f.HTTP, Event: f.Event, Scheduled: f.Scheduled, Log: logger})
}
