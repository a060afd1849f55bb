package sim

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// plantedDefects are shared/defects' defects, as SOUQ_DEFECT names them
// in a build with the simdefects tag.
var plantedDefects = []string{
	"idempotency", // a skipped idempotency check: a retried request is applied again
	"rounding",    // a refund's parts that both round up
	"consumer",    // an event consumer that is not idempotent
}

// The simulation's default run finds each planted defect: the suite is
// built once with the simdefects tag and run once per defect, which must
// fail by a finding of the simulation (a seed, a step and the command
// that replays it), not by anything else.
func TestSim_FindsPlantedDefects(t *testing.T) {
	found := regexp.MustCompile(`seed (\d+), step (\d+) \(([a-z-]+)\)`)
	bin := filepath.Join(t.TempDir(), "sim.test")
	if out, err := exec.Command("go", "test", "-c", "-tags", "simdefects", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the suite with the simdefects tag: %v\n%s", err, out)
	}
	for _, tag := range plantedDefects {
		t.Run(tag, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "-test.count=1", "-test.run", "^TestSim$")
			cmd.Env = append(os.Environ(), "SOUQ_DEFECT="+tag)
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
