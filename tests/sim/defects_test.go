package sim

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// plantedDefects are the build tags of shared/defects: each plants one
// known defect.
var plantedDefects = []string{
	"defect_idempotency", // a skipped idempotency check: a retried request is applied again
	"defect_rounding",    // a refund's parts that both round up
	"defect_consumer",    // an event consumer that is not idempotent
}

// The simulation's default run finds each planted defect: the suite is
// built once per defect's tag and must fail by a finding of the
// simulation (a seed, a step and the command that replays it), not by
// anything else.
func TestSim_FindsPlantedDefects(t *testing.T) {
	found := regexp.MustCompile(`seed (\d+), step (\d+) \(([a-z-]+)\)`)
	for _, tag := range plantedDefects {
		t.Run(tag, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("go", "test", "-tags", tag, "-count=1", "-run", "^TestSim$", ".")
			cmd.Env = os.Environ()
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the simulation did not find %s in its default run:\n%s", tag, out)
			}
			m := found.FindSubmatch(out)
			if m == nil || !regexp.MustCompile(`replay: make sim SEED=\d+ STEPS=\d+`).Match(out) {
				t.Fatalf("%s: the run failed, but not by a finding of the simulation:\n%s", tag, out)
			}
			fmt.Printf("%s: found by seed %s at step %s (%s)\n", tag, m[1], m[2], m[3])
		})
	}
}
