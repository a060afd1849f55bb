package cdk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/shared/topology"
)

// synth builds the stack for a topology with placeholder binaries (the
// template does not depend on their contents) and checks it with cdk-nag.
func synth(t *testing.T, top topology.Topology, stageName string) (*Souq, assertions.Template) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range top.Functions {
		_ = os.MkdirAll(filepath.Join(dir, f.Name), 0o755)
		_ = os.WriteFile(filepath.Join(dir, f.Name, "bootstrap"), []byte("placeholder "+f.Name), 0o755)
	}
	stage, err := StageNamed(stageName)
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()),
		Context: &map[string]interface{}{"aws:cdk:enable-path-metadata": true}})
	s := NewStack(app, StackProps{Topology: top, Stage: stage, CodeDir: func(fn string) string { return filepath.Join(dir, fn) }})
	Check(s)
	return s, assertions.Template_FromStack(s.Stack, nil)
}

func TestNag_NoUnsuppressedErrors(t *testing.T) {
	s, _ := synth(t, topology.Souq(), "dev")
	ann := assertions.Annotations_FromStack(s.Stack)
	for _, level := range []struct {
		name  string
		found *[]*cxapi.SynthesisMessage
	}{
		{"error", ann.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))},
		{"warning", ann.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))},
	} {
		for _, m := range *level.found {
			msg := ""
			if m.Entry != nil && m.Entry.Data != nil {
				msg = strings.SplitN(toString(m.Entry.Data), "\n", 2)[0]
			}
			t.Errorf("cdk-nag %s at %s: %s", level.name, *m.Id, msg)
		}
	}
}

func toString(v interface{}) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
