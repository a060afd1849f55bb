package patterns

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/souqhq/souq/infra/cdk"
	"github.com/souqhq/souq/shared/topology"
)

// The patterns the engines are given are every EventPattern the
// synthesized stack hands CloudFormation, and the same JSON: a rule the
// CDK app made on its own, or a pattern it changed on the way, would
// reach EventBridge unchecked.
func TestPatterns_AreEveryEventPatternOfTheTemplate(t *testing.T) {
	t.Parallel()
	want := map[string]string{}
	for _, p := range topologyPatterns(t) {
		want[p.Name] = canonical(t, p.Name, []byte(p.Pattern))
	}
	for _, stageName := range []string{"dev", "prod"} {
		got := templatePatterns(t, stageName)
		for name, pattern := range got {
			w, ok := want[name]
			switch {
			case !ok:
				t.Errorf("%s: the template has an AWS::Events::Rule %s that is no rule of the topology: %s", stageName, name, pattern)
			case w != pattern:
				t.Errorf("%s: rule %s's EventPattern is\n  %s\nthe topology's is\n  %s", stageName, name, pattern, w)
			}
		}
		for name := range want {
			if _, ok := got[name]; !ok {
				t.Errorf("%s: the template has no AWS::Events::Rule for the topology's rule %s", stageName, name)
			}
		}
	}
}

// templatePatterns synthesizes a stage of the stack (with placeholder
// binaries: the template does not depend on them) and answers each
// AWS::Events::Rule's EventPattern, by the name of the topology rule its
// construct (Rule-<name>) was made for.
func templatePatterns(t *testing.T, stageName string) map[string]string {
	t.Helper()
	top := topology.Souq()
	code := t.TempDir()
	for _, f := range top.Functions {
		if err := os.MkdirAll(filepath.Join(code, f.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(code, f.Name, "bootstrap"), []byte("placeholder "+f.Name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stage, err := cdk.StageNamed(stageName)
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()),
		Context: &map[string]interface{}{"aws:cdk:enable-path-metadata": true}})
	s := cdk.NewStack(app, cdk.StackProps{Topology: top, Stage: stage, CodeDir: func(fn string) string { return filepath.Join(code, fn) }})
	b, err := json.Marshal(assertions.Template_FromStack(s.Stack, nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string `json:"Type"`
			Properties struct {
				EventPattern json.RawMessage `json:"EventPattern"`
			} `json:"Properties"`
			Metadata struct {
				Path string `json:"aws:cdk:path"`
			} `json:"Metadata"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Events::Rule" {
			continue
		}
		name := id
		for _, part := range strings.Split(r.Metadata.Path, "/") {
			if n, ok := strings.CutPrefix(part, "Rule-"); ok {
				name = n
			}
		}
		if len(r.Properties.EventPattern) == 0 {
			t.Errorf("%s: the AWS::Events::Rule %s (%s) has no EventPattern", stageName, id, r.Metadata.Path)
			continue
		}
		out[name] = canonical(t, name, r.Properties.EventPattern)
	}
	if len(out) == 0 {
		t.Fatalf("%s: the template has no AWS::Events::Rule", stageName)
	}
	return out
}

// canonical is a pattern's JSON with its keys sorted and no spaces, so
// that two spellings of one pattern compare equal.
func canonical(t *testing.T, name string, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("rule %s: pattern %s is not JSON: %v", name, raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
