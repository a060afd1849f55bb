package sim

import (
	"fmt"
	"testing"
	"time"
)

// defaultSeeds are what make test runs; defaultSteps each.
var defaultSeeds = []int64{1, 3, 12}

const defaultSteps = 60

// TestSim runs the fixed seeds (make test), one seed (make sim SEED=n) or
// many (make sim SEEDS=n), and prints each seed's trace hash and the
// figures.
func TestSim(t *testing.T) {
	seeds := defaultSeeds
	switch {
	case *seedFlag != 0:
		seeds = []int64{*seedFlag}
	case *seedsFlag > 0:
		seeds = nil
		for i := 0; i < *seedsFlag; i++ {
			seeds = append(seeds, *firstFlag+int64(i))
		}
	}
	steps := defaultSteps
	if *stepsFlag > 0 {
		steps = *stepsFlag
	}
	start := time.Now()
	for _, seed := range seeds {
		began := time.Now()
		s := New(t, seed, steps)
		h := s.Run()
		took := time.Since(began)
		fmt.Printf("seed %d: %d steps, faults %s, trace %s, %.1f steps/s\n", seed, steps, s.faults, h[:16], float64(steps)/took.Seconds())
	}
	took := time.Since(start)
	fmt.Printf("%d seeds in %s: %.1f seeds/min\n", len(seeds), took.Round(time.Second), float64(len(seeds))/took.Minutes())
}

// The same seed gives the same trace: what it did, what it was answered,
// and every account's money at the end.
func TestSim_TheSameSeedGivesTheSameTrace(t *testing.T) {
	const seed, steps = 58, 30 // seed 58 has nine of the ten faults (all but relay)
	a := New(t, seed, steps)
	first := a.Run()
	b := New(t, seed, steps)
	second := b.Run()
	if first != second {
		for i := 0; i < len(a.lines) && i < len(b.lines); i++ {
			if a.lines[i] != b.lines[i] {
				t.Fatalf("seed %d's traces part at line %d:\n  %s\n  %s", seed, i, a.lines[i], b.lines[i])
			}
		}
		t.Fatalf("seed %d's traces differ in length: %d and %d lines", seed, len(a.lines), len(b.lines))
	}
	if len(a.lines) < steps {
		t.Fatalf("a trace of %d lines for %d steps", len(a.lines), steps)
	}
}
