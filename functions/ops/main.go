// Command ops is the operators' Lambda: the daily ledger verification,
// whose violation count is alarmed. It only starts what infra/wire builds;
// the logic is in shared/ledger.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	f, _, err := wire.FromAWS(context.Background(), topology.FnOps)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(f.Verify.Handle)
}
