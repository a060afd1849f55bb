package cdk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/topology"
)

// The signing secret of Stripe's webhook endpoint is Stripe's to make: the
// stack creates the secret empty (no generated value, none in the
// template) for the deployer to fill, names it to the function that
// receives Stripe's events and lets only that function read it.
func TestTemplate_StripeWebhookSecretIsEmptyAndOnlyTheEventsFunctionReadsIt(t *testing.T) {
	stacks(t)
	top := topology.Souq()
	for _, st := range []struct {
		name      string
		raw       template
		retention string
	}{{"dev", dev.raw, "Delete"}, {"prod", prod.raw, "Retain"}} {
		secret := st.raw.byPath(t, "Functions/"+topology.FnAccounts+"/StripeWebhookSecret/Resource")
		r := st.raw.Resources[secret]
		if r.Type != "AWS::SecretsManager::Secret" || r.Properties["GenerateSecretString"] != nil || r.Properties["SecretString"] != nil {
			t.Fatalf("%s: the webhook secret has a value Stripe does not know: %s", st.name, js(r))
		}
		if d, _ := r.Properties["Description"].(string); !strings.Contains(d, "whsec_") || !strings.Contains(d, "docs/operations.md") {
			t.Errorf("%s: the description does not tell the deployer what to put: %q", st.name, d)
		}
		if r.DeletionPolicy != st.retention {
			t.Errorf("%s: deletion policy %q, want %q", st.name, r.DeletionPolicy, st.retention)
		}
		ref := fmt.Sprintf(`{"Ref":"%s"}`, secret)

		roleOf := map[string]string{}
		for _, f := range top.Functions {
			roleOf[st.raw.byPath(t, "Functions/"+f.Name+"/Role/Resource")] = f.Name
			env := st.raw.Resources[st.raw.byPath(t, "Functions/"+f.Name+"/Function/Resource")].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			v, has := env[topology.EnvStripeWebhookSecretName]
			if want := f.Name == topology.FnAccounts; has != want || (want && js(v) != ref) {
				t.Errorf("%s: %s has %s = %s", st.name, f.Name, topology.EnvStripeWebhookSecretName, js(v))
			}
		}
		readers := map[string]bool{}
		for id, pol := range st.raw.ofType("AWS::IAM::Policy") {
			for _, s := range pol.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
				stm := s.(map[string]interface{})
				if !strings.Contains(js(stm["Resource"]), `"`+secret+`"`) {
					continue
				}
				for _, a := range asList(stm["Action"]) {
					if a != "secretsmanager:GetSecretValue" && a != "secretsmanager:DescribeSecret" {
						t.Errorf("%s: policy %s grants %s on the webhook secret", st.name, id, a)
					}
				}
				for _, role := range asMaps(pol.Properties["Roles"]) {
					readers[roleOf[fmt.Sprint(role["Ref"])]] = true
				}
			}
		}
		if len(readers) != 1 || !readers[topology.FnAccounts] {
			t.Errorf("%s: the webhook secret is readable by %v, want %s only", st.name, readers, topology.FnAccounts)
		}
	}
	out := js(dev.tpl.ToJSON())
	if !strings.Contains(out, `"StripeWebhookSecretArn"`) {
		t.Error("no StripeWebhookSecretArn output for the deployer")
	}
}
