// Package patterns holds every event pattern the stack declares to the
// engine EventBridge runs, AWS's Event Ruler (vendored in ruler/, built by
// `make bin/ruler.jar` with the driver in driver/), and to quamina, which
// the local bus runs (infra/local/bus.go): both match the same corpus of
// events, and any pattern either rejects, or any (pattern, event) on which
// they disagree, fails the test. The corpus is every detail-type of the
// events package, near misses of each, ledger transfers for the one
// pattern that reads the detail, and whatever SOUQ_PATTERN_CORPUS (a
// directory of JSON arrays or JSON lines of events) brings.
package patterns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/topology"
)

// pattern is one rule's pattern, named by its rule.
type pattern struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern"`
}

// verdicts is what one engine made of the patterns and the corpus.
type verdicts struct {
	// Rejected names the patterns the engine refused, with its reason.
	Rejected map[string]string `json:"rejected"`
	// Matches[i] is the sorted names of the patterns event i matches.
	Matches [][]string `json:"matches"`
	// Errors[i] is set when the engine could not match event i at all.
	Errors []*string `json:"errors"`
}

func topologyPatterns(t *testing.T) []pattern {
	t.Helper()
	var out []pattern
	for _, r := range topology.Souq().Rules {
		out = append(out, pattern{Name: r.Name, Pattern: r.Pattern})
	}
	if len(out) == 0 {
		t.Fatal("the topology declares no rule: nothing to check")
	}
	return out
}

func TestPatterns_EventRulerAndQuaminaAgree(t *testing.T) {
	t.Parallel()
	patterns := topologyPatterns(t)

	catalog, err := catalogEvents()
	if err != nil {
		t.Fatal(err)
	}
	corpus := append(append(append([]event{}, catalog...), nearMisses(catalog)...), ledgerEvents()...)
	if dir := os.Getenv("SOUQ_PATTERN_CORPUS"); dir != "" {
		extra, err := extraCorpus(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("SOUQ_PATTERN_CORPUS: %d events from %s", len(extra), dir)
		corpus = append(corpus, extra...)
	}

	ruler, err := eventRuler(patterns, corpus)
	if err != nil {
		t.Fatal(err)
	}
	quam := quaminaVerdicts(patterns, corpus)
	t.Logf("%d patterns, %d events, through Event Ruler (one JVM) and quamina", len(patterns), len(corpus))

	if len(ruler.Matches) != len(corpus) || len(ruler.Errors) != len(corpus) {
		t.Fatalf("Event Ruler answered for %d events of %d", len(ruler.Matches), len(corpus))
	}
	for _, p := range patterns {
		for engine, v := range map[string]verdicts{"Event Ruler": ruler, "quamina": quam} {
			if why, ok := v.Rejected[p.Name]; ok {
				t.Errorf("%s rejects the pattern of rule %s: %s\n  pattern: %s", engine, p.Name, why, p.Pattern)
			}
		}
	}

	// Every (pattern, event) on which the engines disagree.
	var disagreements []string
	for i, ev := range corpus {
		if ruler.Errors[i] != nil || quam.Errors[i] != nil {
			disagreements = append(disagreements, fmt.Sprintf("event %q: Event Ruler: %s; quamina: %s\n  event: %s",
				ev.Label, errText(ruler.Errors[i]), errText(quam.Errors[i]), ev.JSON))
			continue
		}
		for _, p := range patterns {
			r, q := slices.Contains(ruler.Matches[i], p.Name), slices.Contains(quam.Matches[i], p.Name)
			if r != q {
				disagreements = append(disagreements, fmt.Sprintf("rule %s, event %q: Event Ruler %s, quamina %s\n  pattern: %s\n  event:   %s",
					p.Name, ev.Label, matchText(r), matchText(q), p.Pattern, ev.JSON))
			}
		}
	}
	if n := len(disagreements); n > 0 {
		const shown = 40
		more := ""
		if n > shown {
			more = fmt.Sprintf("\n… and %d more", n-shown)
			disagreements = disagreements[:shown]
		}
		t.Errorf("Event Ruler and quamina disagree %d times:\n%s%s", n, strings.Join(disagreements, "\n"), more)
	}

	checkExpectations(t, patterns, corpus, ruler)
}

// checkExpectations holds the engines' (agreed) matches to what the
// patterns mean, so that two engines matching nothing cannot pass.
func checkExpectations(t *testing.T, patterns []pattern, corpus []event, v verdicts) {
	t.Helper()
	matches := func(i int) []string { return v.Matches[i] }

	// Every rule matches some event of the catalog, and every source and
	// detail-type a rule names is on an event of the catalog it matches:
	// a misspelt name, or a detail-type from a source the rule does not
	// name, would match nothing in AWS either.
	matched := map[string]map[string]bool{} // rule → "source" and "detail-type" values seen
	for i, ev := range corpus {
		if !ev.Catalog {
			continue
		}
		var env struct {
			Source     string `json:"source"`
			DetailType string `json:"detail-type"`
		}
		_ = json.Unmarshal(ev.JSON, &env)
		for _, name := range matches(i) {
			if matched[name] == nil {
				matched[name] = map[string]bool{}
			}
			matched[name]["source "+env.Source] = true
			matched[name]["detail-type "+env.DetailType] = true
		}
	}
	for _, p := range patterns {
		if len(matched[p.Name]) == 0 {
			t.Errorf("rule %s matches no event of the catalog: %s", p.Name, p.Pattern)
			continue
		}
		var decl map[string]any
		_ = json.Unmarshal([]byte(p.Pattern), &decl)
		for _, field := range []string{"source", "detail-type"} {
			values, _ := decl[field].([]any)
			for _, v := range values {
				if s, ok := v.(string); ok && !matched[p.Name][field+" "+s] {
					t.Errorf("rule %s names %s %s, on no catalog event the rule matches", p.Name, field, s)
				}
			}
		}
	}

	// A few events whose rules are known by heart.
	known := map[string][]string{
		"CommunityCreated (its sample)": {"auctions-accounts", "campaigns-accounts", "payouts-learns", "referrals-accounts",
			"serve-learns", "sponsorships-accounts", "webhooks-all"},
		"CommunityUpdated (its sample)":     {"auctions-communities", "campaigns-reviews", "serve-learns", "webhooks-all"},
		"SlotChanged (its sample)":          {"campaigns-reviews", "serve-learns", "webhooks-all"},
		"CampaignMetered (its sample)":      {"campaigns-metered"},
		"PayoutRequested (its sample)":      {"payouts-requested", "webhooks-all"},
		"MembershipStarted (its sample)":    {"referrals-members", "webhooks-all"},
		"APIKeyCreated (its sample)":        {"webhooks-all"},
		"LedgerTransferPosted (its sample)": {"accounts-ledger"},
		// Only its meta: postings is null.
		"LedgerTransferPosted (only its required fields)": {},
	}
	byLabel := map[string]int{}
	for i, ev := range corpus {
		byLabel[ev.Label] = i
	}
	for label, want := range known {
		i, ok := byLabel[label]
		if !ok {
			t.Errorf("the corpus has no event %q", label)
			continue
		}
		if got := matches(i); !slices.Equal(got, sorted(want)) {
			t.Errorf("%s matches %v, want %v", label, got, sorted(want))
		}
	}

	// Near misses and ledger transfers, against what each must match.
	namesDetailType := map[string]bool{}
	for _, p := range patterns {
		var decl map[string]json.RawMessage
		_ = json.Unmarshal([]byte(p.Pattern), &decl)
		_, namesDetailType[p.Name] = decl["detail-type"]
	}
	counts := map[expect]int{}
	for i, ev := range corpus {
		var want []string
		switch ev.Expect {
		case anything:
			continue
		case exactly:
			want = ev.Rules
		case nothing:
			want = nil
		case sameAsOf:
			want = matches(ev.Of)
		case sourceOnly:
			for _, name := range matches(ev.Of) {
				if !namesDetailType[name] {
					want = append(want, name)
				}
			}
		}
		counts[ev.Expect]++
		if got := matches(i); !slices.Equal(got, sorted(want)) {
			t.Errorf("%s matches %v, want %v\n  event: %s", ev.Label, got, sorted(want), ev.JSON)
		}
	}
	t.Logf("checked against expectations: %d events matching exactly their rules, %d nothing, %d the same as their original, %d only source-only rules",
		counts[exactly], counts[nothing], counts[sameAsOf], counts[sourceOnly])
}

func errText(s *string) string {
	if s == nil {
		return "no error"
	}
	return "error: " + *s
}

func matchText(m bool) string {
	if m {
		return "matches"
	}
	return "does not match"
}

// quaminaVerdicts matches the corpus with the local bus's own matcher
// (infra/local Bus.Matches: quamina, every pattern in one). Each pattern
// is tried in a bus of its own first, so that a rejected one adds nothing.
func quaminaVerdicts(patterns []pattern, corpus []event) verdicts {
	v := verdicts{Rejected: map[string]string{}}
	var rules []topology.Rule
	for _, p := range patterns {
		r := topology.Rule{Name: p.Name, Pattern: p.Pattern}
		if _, err := newBus([]topology.Rule{r}); err != nil {
			v.Rejected[p.Name] = err.Error()
			continue
		}
		rules = append(rules, r)
	}
	bus, err := newBus(rules)
	if err != nil {
		panic(err) // each was taken alone
	}
	for _, ev := range corpus {
		names, err := bus.Matches(ev.JSON)
		if err != nil {
			s := err.Error()
			v.Matches = append(v.Matches, nil)
			v.Errors = append(v.Errors, &s)
			continue
		}
		v.Matches = append(v.Matches, sorted(names))
		v.Errors = append(v.Errors, nil)
	}
	return v
}

// newBus is a local bus of rules, delivering nowhere.
func newBus(rules []topology.Rule) (*local.Bus, error) {
	return local.NewBus(rules, clock.NewFake(corpusTime), slog.New(slog.DiscardHandler), 1, time.Millisecond)
}

// eventRuler matches the corpus with Event Ruler: one run of the driver
// jar (java -jar bin/ruler.jar) for every pattern and event.
func eventRuler(patterns []pattern, corpus []event) (verdicts, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return verdicts{}, errors.New("java is missing: Event Ruler needs Java 17 (apt-get install openjdk-17-jre-headless)")
	}
	jar := os.Getenv("SOUQ_RULER_JAR")
	if jar == "" {
		jar = filepath.Join("..", "..", "bin", "ruler.jar")
	}
	if _, err := os.Stat(jar); err != nil {
		return verdicts{}, fmt.Errorf("Event Ruler's driver %s is missing: run make bin/ruler.jar (make test builds it), or set SOUQ_RULER_JAR", jar)
	}
	in := struct {
		Patterns []pattern `json:"patterns"`
		Events   []string  `json:"events"`
	}{Patterns: patterns}
	for _, ev := range corpus {
		in.Events = append(in.Events, string(ev.JSON))
	}
	input, err := json.Marshal(in)
	if err != nil {
		return verdicts{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-jar", jar)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		hint := ""
		if strings.Contains(stderr.String(), "NoClassDefFoundError") {
			hint = "\n(Debian's Jackson or jsr305 jars are missing: make bin/ruler.jar installs them)"
		}
		return verdicts{}, fmt.Errorf("Event Ruler's driver (%s -jar %s) failed: %v\n%s%s", java, jar, err, stderr.String(), hint)
	}
	var v verdicts
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		return verdicts{}, fmt.Errorf("Event Ruler's driver answered what is not its JSON: %v\n%s", err, stdout.String())
	}
	for i := range v.Matches {
		if v.Matches[i] == nil && v.Errors[i] == nil {
			v.Matches[i] = []string{}
		}
	}
	return v, nil
}
