// Command console is the web application people sign in to (DESIGN §14).
// It only starts what infra/wire builds; the pages are in shared/console.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	f, _, err := wire.FromAWS(context.Background(), topology.FnConsole)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(f.HTTP)
}
