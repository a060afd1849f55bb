// Package sim is the whole marketplace under a seeded simulation with
// faults (DESIGN §19): one seed drives a random workload through the same
// services, handlers and DynamoDB Local as the other suites, over HTTP
// and the local platform's controls, injects the faults the seed chooses,
// and checks the invariants after every step. docs/simulation.md says
// what it covers and how to replay a seed.
package sim

import (
	"flag"
	"log/slog"
	"os"
	"testing"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/tests/harness"
)

var (
	seedFlag  = flag.Int64("sim.seed", 0, "run this seed alone (0: the fixed set, or -sim.seeds from -sim.first)")
	seedsFlag = flag.Int("sim.seeds", 0, "run this many seeds from -sim.first (0: the fixed set)")
	firstFlag = flag.Int64("sim.first", 1, "the first seed of -sim.seeds")
	stepsFlag = flag.Int("sim.steps", 0, "steps per seed (0: the default)")
)

func TestMain(m *testing.M) {
	harness.Main(m, harness.Options{Name: "sim", Contract: true, Platform: local.Options{
		// Errors only: a 5xx's cause is printed with the failing seed.
		Log: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	}})
}
