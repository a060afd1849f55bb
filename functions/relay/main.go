// Command relay publishes the outbox table's stream to the souq bus. It
// only wires; the logic is in shared/relay.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/relay"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &relay.Handler{
		Bus: &relay.EventBridge{Client: eventbridge.NewFromConfig(cfg), BusName: topology.Souq().Bus},
		Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", topology.FnRelay),
	}
	lambda.Start(h.Handle)
}
