package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrUnknownJob is what Decode answers for a payload that is not the job
// asked for. The caller logs it and the scheduler's retries end in the
// dead letter: retrying cannot make a payload readable.
var ErrUnknownJob = errors.New("a scheduled job it does not know")

// Checker is a job that can say whether it is complete (its job name is
// the one expected, the ids it needs are there). Decode calls it.
type Checker interface {
	Check() error
}

// Decode reads a schedule's payload as the job T: exactly one JSON object
// and no field T does not have. A function reads only payloads it wrote
// (Once schedules the caller only) or the topology's recurring ones, so a
// field it does not know means a payload it was not meant to get, and it
// is refused rather than half read, as api.Decode refuses a body. When T
// (or *T) is a Checker, its Check must pass too. Every error wraps
// ErrUnknownJob and quotes the payload.
func Decode[T any](payload json.RawMessage) (T, error) {
	var job T
	fail := func(why error) (T, error) {
		var zero T
		return zero, fmt.Errorf("%w: %s: %v", ErrUnknownJob, payload, why)
	}
	if b := bytes.TrimSpace(payload); len(b) == 0 || b[0] != '{' {
		return fail(errors.New("the payload is not a JSON object"))
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fail(errors.New("the payload must hold exactly one JSON object"))
	}
	if c, ok := any(&job).(Checker); ok {
		if err := c.Check(); err != nil {
			return fail(err)
		}
	}
	return job, nil
}

// Handle adapts a typed job's handler to a function's scheduled entry
// point: the payload is read by Decode, and an error it gives is
// prefixed with the function's name (fn: …).
func Handle[T any](fn string, run func(context.Context, T) error) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, payload json.RawMessage) error {
		job, err := Decode[T](payload)
		if err != nil {
			return fmt.Errorf("%s: %w", fn, err)
		}
		return run(ctx, job)
	}
}
