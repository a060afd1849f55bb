// Command ops is the operators' function: a daily schedule (and any
// operator, with `aws lambda invoke`) runs the ledger verification, whose
// violation count is a CloudWatch metric with an alarm. It only wires.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/souqhq/souq/infra/topology"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/store"
)

func main() {
	ctx := context.Background()
	fn, _ := topology.Souq().Function(topology.FnOps)
	db, err := store.ForFunction(ctx, fn)
	if err != nil {
		log.Fatal(err)
	}
	job := &ledger.VerifyJob{Ledger: ledger.NewReader(db), Stage: os.Getenv("SOUQ_STAGE"), Out: os.Stdout, Now: time.Now}
	lambda.Start(job.Handle)
}
