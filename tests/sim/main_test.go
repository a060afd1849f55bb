// Package sim is the whole marketplace under a seeded simulation with
// faults (DESIGN §19): one seed drives a random workload through the same
// services, handlers and DynamoDB Local as the other suites, over HTTP
// and the local platform's controls, injects the faults the seed chooses,
// and checks the invariants after every step. docs/simulation.md says
// what it covers and how to replay a seed.
package sim

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/infra/local"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
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
		// Serving's campaign lottery draws from the seed's generator.
		Lottery: rand.New(lottery),
		// Every function's DynamoDB calls may meet a conflict or a
		// throttle, as the seed says.
		WrapDB: func(db *store.DB) *store.DB { return storetest.Faulty(db, inject.db) },
		// A request the simulation marks (StopHeader: n) has its function
		// stop after its n-th write: the write made, then nothing more, as
		// a Lambda killed mid-way.
		// Now and then an event's consumer or a scheduled invocation stops
		// after one of its writes too: the bus and Scheduler retry it.
		WrapInvoke: func(ctx context.Context, _ string) context.Context {
			if n := inject.consumerStop(); n > 0 {
				return context.WithValue(ctx, stopKey{}, &stopAfter{n: n})
			}
			return ctx
		},
		WrapGateway: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n, err := strconv.Atoi(r.Header.Get(StopHeader)); err == nil && n > 0 {
					r = r.WithContext(context.WithValue(r.Context(), stopKey{}, &stopAfter{n: int64(n)}))
				}
				next.ServeHTTP(w, r)
			})
		},
		// The relay may die after PutEvents and before its checkpoint: the
		// stream hands it the batch again, and the bus carries it twice.
		WrapRelay: func(next local.RelayHandler) local.RelayHandler {
			return func(ctx context.Context, ev lambdaevents.DynamoDBEvent) (lambdaevents.DynamoDBEventResponse, error) {
				resp, err := next(ctx, ev)
				if err == nil && inject.relayDies() {
					return lambdaevents.DynamoDBEventResponse{}, errors.New("injected: the relay died before its checkpoint")
				}
				return resp, err
			}
		},
	}})
}

// lottery is the source of serving's campaign lottery, seeded afresh by
// each seed (between steps, when nothing is served).
var lottery = rand.NewPCG(1, 2)

// inject is the faults inside the platform, which the running seed turns
// on: its own generator decides each (never twice running, so that
// store's and the SDK's retries absorb a DB fault: what a client is told
// does not depend on which concurrent call met it).
var inject = &injector{}

type injector struct {
	mu          sync.Mutex
	rng         *rand.Rand
	dbOn, relay bool
	stopsOn     bool
	last        bool
	stops       atomic.Int64 // functions stopped mid-way
}

func (i *injector) set(rng *rand.Rand, db, relay, stops bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rng, i.dbOn, i.relay, i.stopsOn, i.last = rng, db, relay, stops, false
}

// consumerStop says after which write an invocation of a consumer stops
// (0: it does not): one in ten, with the stop fault on.
func (i *injector) consumerStop() int64 {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.stopsOn || i.rng == nil || i.rng.IntN(10) != 0 {
		return 0
	}
	return 1 + i.rng.Int64N(3)
}

// StopHeader marks a request whose function stops after its n-th write.
const StopHeader = harness.StopHeader

type stopKey struct{}

// stopAfter counts a marked request's writes.
type stopAfter struct{ n, seen int64 }

func (i *injector) db(ctx context.Context, op string) string {
	if st, ok := ctx.Value(stopKey{}).(*stopAfter); ok {
		// A marked invocation meets no other fault, so that its writes,
		// and the one it stops after, are the same on every run.
		if !writes[op] {
			return ""
		}
		i.mu.Lock()
		st.seen++
		stop := st.seen == st.n
		i.mu.Unlock()
		if stop {
			i.stops.Add(1)
			return storetest.FaultStop
		}
		return ""
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.dbOn || i.rng == nil || i.last {
		i.last = false
		return ""
	}
	switch n := i.rng.IntN(100); {
	case op == "TransactWriteItems" && n < 10:
		i.last = true
		return storetest.FaultConflict
	case op != "TransactWriteItems" && n < 3:
		i.last = true
		return storetest.FaultThrottle
	case writes[op] && n < 13:
		// Made, and its answer lost: the SDK sends it again.
		i.last = true
		return storetest.FaultLost
	}
	return ""
}

// writes are the calls that change the table.
var writes = map[string]bool{"PutItem": true, "UpdateItem": true, "DeleteItem": true, "BatchWriteItem": true, "TransactWriteItems": true}

func (i *injector) relayDies() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.relay && i.rng != nil && i.rng.IntN(5) == 0
}
