// Command authorizer is the HTTP API's Lambda authorizer: Cognito access
// tokens and API keys. It only wires; the logic is in shared/auth.
package main

import (
	"context"
	"log"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnAuthorizer)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	issuer, clients := os.Getenv("SOUQ_JWT_ISSUER"), os.Getenv("SOUQ_JWT_CLIENT_IDS")
	if issuer == "" || clients == "" {
		log.Fatal("SOUQ_JWT_ISSUER and SOUQ_JWT_CLIENT_IDS must be set (the Cognito user pool and its app clients)")
	}
	a := &auth.Authorizer{
		Tokens:   &auth.CognitoVerifier{Issuer: issuer, ClientIDs: strings.Split(clients, ",")},
		Keys:     accounts.NewKeyLookup(db),
		Log:      slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("function", fn.Name),
		LiveKeys: os.Getenv("SOUQ_STAGE") == "prod",
	}
	lambda.Start(a.Handle)
}
