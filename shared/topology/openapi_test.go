package topology

import (
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// docs/openapi.yaml and the topology list the same routes with the same
// auth kinds; local-only routes are marked and absent from the topology.
func TestOpenAPI_MatchesTheTopology(t *testing.T) {
	b, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q, want 3.1", doc.OpenAPI)
	}
	documented := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			if local, _ := op["x-souq-local-only"].(bool); local {
				if !strings.HasPrefix(path, "/local/") {
					t.Errorf("%s is marked local-only outside /local/", key)
				}
				continue
			}
			var kinds []string
			if raw, ok := op["x-souq-auth"].([]any); ok {
				for _, k := range raw {
					kinds = append(kinds, k.(string))
				}
			}
			sort.Strings(kinds)
			documented[key] = strings.Join(kinds, ",")
		}
	}
	for _, r := range Souq().Routes {
		if r.Page {
			continue // the console's pages are HTML, outside the API's contract
		}
		var kinds []string
		for _, k := range r.Auth {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		got, ok := documented[r.Key()]
		if !ok {
			t.Errorf("route %s is not documented in docs/openapi.yaml", r.Key())
			continue
		}
		if want := strings.Join(kinds, ","); got != want {
			t.Errorf("route %s: documented auth %q, topology %q", r.Key(), got, want)
		}
		delete(documented, r.Key())
	}
	for key := range documented {
		t.Errorf("docs/openapi.yaml documents %s, which the topology does not declare", key)
	}
}
