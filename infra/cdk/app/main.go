// Command app is the CDK app (cdk.json runs it): it builds Souq's stack for
// the stage named by the context value "stage" (dev by default) from
// shared/topology, with cdk-nag's AwsSolutions checks, and synthesizes it.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/souqhq/souq/infra/cdk"
	"github.com/souqhq/souq/shared/topology"
)

func main() {
	app := awscdk.NewApp(nil)
	name, _ := app.Node().TryGetContext(strPtr("stage")).(string)
	stage, err := cdk.StageNamed(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	build := os.Getenv("SOUQ_BUILD_DIR")
	if build == "" {
		build = "build"
	}
	top := topology.Souq()
	for _, f := range top.Functions {
		if _, err := os.Stat(filepath.Join(build, f.Name, "bootstrap")); err != nil {
			fmt.Fprintf(os.Stderr, "%s/%s/bootstrap is missing: run `make build` first (make synth does)\n", build, f.Name)
			os.Exit(2)
		}
	}
	// A rotation of the origin secret names its new version (docs/operations.md).
	originVersion, _ := app.Node().TryGetContext(strPtr("originSecretVersion")).(string)
	s := cdk.NewStack(app, cdk.StackProps{
		Topology: top, Stage: stage,
		CodeDir:             func(fn string) string { return filepath.Join(build, fn) },
		OriginSecretVersion: originVersion,
	})
	cdk.Check(s)
	app.Synth(nil)
}

func strPtr(s string) *string { return &s }
