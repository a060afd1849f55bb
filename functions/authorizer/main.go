// Command authorizer is the API's Lambda authorizer: people's JWTs
// (Cognito) and API keys (hashed, in the accounts table). It only starts
// what infra/wire builds; the logic is in shared/auth.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/wire"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	f, _, err := wire.FromAWS(context.Background(), topology.FnAuthorizer)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(f.Authorizer)
}
