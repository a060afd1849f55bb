// Command offerkey prints the offer key (serving.OfferKey) of the serve
// function's secret, read from standard input, with no newline: the
// value docs/deploy.md puts in the edge's key value store, made without
// the secret on a command line.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/souqhq/souq/shared/serving"
)

func main() {
	secret, err := io.ReadAll(io.LimitReader(os.Stdin, 4096))
	if err != nil {
		fmt.Fprintln(os.Stderr, "offerkey:", err)
		os.Exit(1)
	}
	secret = bytes.TrimRight(secret, "\r\n")
	if len(secret) < 32 {
		fmt.Fprintln(os.Stderr, "offerkey: the serve function's secret on standard input, please (at least 32 characters)")
		os.Exit(2)
	}
	os.Stdout.Write(serving.OfferKey(secret))
}
