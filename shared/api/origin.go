package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
)

// OriginHeader is the header CloudFront adds to every request it sends an
// origin, with a secret value (infra/cdk: a Secrets Manager secret the
// stack generates). CloudFront overwrites a viewer's header of that name.
// A request without it, or with another value, did not come through the
// edge: it was sent to the API's execute-api URL, around AWS WAF, and its
// CloudFront-Viewer-* headers are whatever its sender wrote.
const OriginHeader = "X-Souq-Origin-Verify"

// MinOriginSecret is the shortest origin secret accepted (the stack
// generates 64 characters): an empty or short value would be guessable.
const MinOriginSecret = 32

// How long a function keeps the origin secret's values before it reads
// them again, and how soon it tries again after a failed read. A rotation
// (docs/operations.md) waits OriginSecretsTTL between putting a new value
// and sending it from the edge, so that every warm instance accepts it.
const (
	OriginSecretsTTL   = 5 * time.Minute
	OriginSecretsRetry = 30 * time.Second
)

// HTTPHandler is a payload-2.0 HTTP function: a Router's Serve, the
// console's Lambda adapter.
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// OriginSecrets are the values the origin header may carry: the secret's
// current value and, while a rotation is under way, its previous one. They
// are read at start (a function that cannot read them does not start) and
// again every OriginSecretsTTL.
type OriginSecrets struct {
	load func(context.Context) ([]string, error)
	now  func() time.Time

	mu     sync.Mutex
	values [][]byte
	next   time.Time // when to read them again
}

// NewOriginSecrets reads the values once with load (in AWS: the secret's
// AWSCURRENT and AWSPREVIOUS stages) and keeps them.
func NewOriginSecrets(ctx context.Context, load func(context.Context) ([]string, error), now func() time.Time) (*OriginSecrets, error) {
	if now == nil {
		now = time.Now
	}
	s := &OriginSecrets{load: load, now: now}
	values, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	s.values, s.next = values, now().Add(OriginSecretsTTL)
	return s, nil
}

func (s *OriginSecrets) read(ctx context.Context) ([][]byte, error) {
	got, err := s.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the origin secret: %w", err)
	}
	if len(got) == 0 {
		return nil, errors.New("read the origin secret: no value")
	}
	out := make([][]byte, 0, len(got))
	for _, v := range got {
		if len(v) < MinOriginSecret {
			return nil, fmt.Errorf("read the origin secret: a value is shorter than %d characters", MinOriginSecret)
		}
		out = append(out, []byte(v))
	}
	return out, nil
}

// accepted returns the values, read again when they are due. A failed
// read keeps the values already held (CloudFront's value did not change
// because Secrets Manager failed) and is reported for the logs.
func (s *OriginSecrets) accepted(ctx context.Context) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Before(s.next) {
		return s.values, nil
	}
	values, err := s.read(ctx)
	if err != nil {
		s.next = now.Add(OriginSecretsRetry)
		return s.values, err
	}
	s.values, s.next = values, now.Add(OriginSecretsTTL)
	return s.values, nil
}

// FromEdgeOnly serves next only the requests that came through the edge:
// those whose origin header holds one of the accepted values. Any other
// is refused with 403 problem+json before next runs. The header is taken
// out of the request before next sees it, so no handler can echo or log
// it; it is never logged here either.
//
// The AWS wiring (infra/wire.FromAWS) puts it in front of every function
// that serves HTTP, whatever that function's adapter; locally the
// gateway plays CloudFront and the functions are wired without it.
func FromEdgeOnly(secrets *OriginSecrets, log *slog.Logger, next HTTPHandler) HTTPHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got, n := takeHeader(ev.Headers, OriginHeader)
		reason := ""
		switch {
		case n == 0:
			reason = "missing"
		case n > 1:
			reason = "repeated"
		default:
			values, err := secrets.accepted(ctx)
			if err != nil {
				log.ErrorContext(ctx, "origin secret refresh failed; the values read before stay accepted", "error", err.Error())
			}
			if !oneOf(got, values) {
				reason = "mismatch"
			}
		}
		if reason == "" {
			return next(ctx, ev)
		}
		reqID := ev.RequestContext.RequestID
		if reqID == "" {
			reqID = id.New("req", secrets.now())
		}
		// Never the header's value: it may be a near miss of the secret.
		log.LogAttrs(ctx, slog.LevelWarn, "request refused: not from the edge", slog.String("requestId", reqID),
			slog.String("route", ev.RouteKey), slog.String("path", ev.RawPath), slog.String("sourceIp", ev.RequestContext.HTTP.SourceIP),
			slog.String("originHeader", reason), slog.Int("status", Status(fault.Forbidden)))
		return problemEvent(ProblemFor(fault.New(fault.Forbidden, "api.FromEdgeOnly",
			"this API answers only at its public URL"), reqID, ev.RawPath), reqID), nil
	}
}

// takeHeader removes every spelling of name from headers (payload 2.0
// lower-cases names; a hand-made event may not) and returns the value and
// how many there were.
func takeHeader(headers map[string]string, name string) (value string, n int) {
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			value, n = v, n+1
			delete(headers, k)
		}
	}
	return value, n
}

// oneOf compares got with every accepted value in constant time (for
// values of one length), and with all of them, so that neither how much
// of a value matched nor which one did shows in the time taken.
func oneOf(got string, values [][]byte) bool {
	b := []byte(got)
	match := 0
	for _, v := range values {
		match |= subtle.ConstantTimeCompare(b, v)
	}
	return match == 1
}
