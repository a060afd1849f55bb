// Command hello is the smallest Go Lambda: the baseline the RIE suite
// measures each real function's cold start against (same flags, same
// emulator).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
