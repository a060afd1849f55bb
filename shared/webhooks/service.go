package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/schedule"
	"github.com/souqhq/souq/shared/store"
)

// Service is the webhooks use cases and the deliverer.
type Service struct {
	repo     *Repository
	vault    *Vault
	sched    schedule.Scheduler
	clock    clock.Clock
	policy   Policy
	client   *http.Client
	cfg      Config
	accounts *owners.Projection // who owns which community and advertiser: whom an event is about
	events   *events.Mux
}

// Config is the webhooks function's settings.
type Config struct {
	// Self is the function the retry schedules call back.
	Self string
	// Jitter spreads a retry by up to ±this share of its delay (0.1: ±10%).
	Jitter float64
	// Rand returns a number in [0, 1) for the jitter (math/rand when nil).
	Rand func() float64
	// WallClock stamps each attempt's webhook-timestamp (time.Now when
	// nil). Receivers check it against their own clock (the Standard
	// Webhooks libraries allow five minutes), so it is the time the
	// request is sent, never the platform's clock, which the local
	// platform can move by days; retries stay on the platform's clock.
	WallClock func() time.Time
}

// NewService wires the service.
func NewService(repo *Repository, vault *Vault, sched schedule.Scheduler, c clock.Clock, policy Policy, cfg Config) *Service {
	if cfg.WallClock == nil {
		cfg.WallClock = time.Now
	}
	s := &Service{repo: repo, vault: vault, sched: sched, clock: c, policy: policy, client: policy.Client(), cfg: cfg,
		events: events.NewMux("webhooks")}
	if repo != nil { // nil in tests of input checks alone
		s.accounts = owners.New(repo.db, repo.table, c)
	}
	s.events.Rest(s.deliverEvent)
	return s
}

// Limits.
const (
	MaxEndpoints      = 20
	MaxDescriptionLen = 500
	MaxEvents         = 50
	// RotationOverlap is how long the old secret keeps signing.
	RotationOverlap = 24 * time.Hour
)

// EndpointInput creates an endpoint; on update, nil fields stay.
type EndpointInput struct {
	URL         *string  `json:"url"`
	Events      []string `json:"events"`
	Description *string  `json:"description"`
}

// EndpointView is an endpoint as its owner reads it; Secret is set only
// in the answers to creation and rotation.
type EndpointView struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Description    string   `json:"description,omitempty"`
	Enabled        bool     `json:"enabled"`
	DisabledReason string   `json:"disabledReason,omitempty"`
	FailingSince   string   `json:"failingSince,omitempty"`
	Secret         string   `json:"secret,omitempty"`
	CreatedAt      string   `json:"createdAt"`
	UpdatedAt      string   `json:"updatedAt"`
}

func endpointView(it endpointItem) EndpointView {
	return EndpointView{ID: it.ID, URL: it.URL, Events: it.Events, Description: it.Description, Enabled: it.Enabled,
		DisabledReason: it.DisabledReason, FailingSince: it.FailingSince, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
}

func (s *Service) checkInput(op string, in EndpointInput, creating bool) error {
	var fields []fault.FieldError
	if in.URL == nil && creating {
		fields = append(fields, fault.FieldError{Field: "url", Message: "is required"})
	} else if in.URL != nil {
		if err := s.policy.CheckURL(*in.URL); err != nil {
			return err
		}
	}
	if in.Events == nil && creating || in.Events != nil && (len(in.Events) == 0 || len(in.Events) > MaxEvents) {
		fields = append(fields, fault.FieldError{Field: "events", Message: fmt.Sprintf("list 1 to %d detail-types, or \"*\" for all", MaxEvents)})
	}
	known := Subscribable()
	for _, e := range in.Events {
		if e != "*" && !known[e] {
			fields = append(fields, fault.FieldError{Field: "events", Message: fmt.Sprintf("%q is not an event Souq sends", e)})
			break
		}
	}
	if d := in.Description; d != nil && utf8.RuneCountInString(*d) > MaxDescriptionLen {
		fields = append(fields, fault.FieldError{Field: "description", Message: fmt.Sprintf("must be at most %d characters", MaxDescriptionLen)})
	} else if d != nil && input.Text(*d) != "" {
		fields = append(fields, fault.FieldError{Field: "description", Message: input.Text(*d)})
	}
	if len(fields) > 0 {
		return fault.InvalidFields(op, "the endpoint has invalid fields", fields...)
	}
	return nil
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// CreateEndpoint registers an endpoint for the caller and returns its
// secret, this once.
func (s *Service) CreateEndpoint(ctx context.Context, p auth.Principal, in EndpointInput) (EndpointView, error) {
	const op = "webhooks.CreateEndpoint"
	if p.Kind != auth.KindUser {
		return EndpointView{}, fault.New(fault.Forbidden, op, "a person registers its own endpoints")
	}
	if err := s.checkInput(op, in, true); err != nil {
		return EndpointView{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	secret := NewSecret()
	it := endpointItem{ID: id.New("wh", now), OwnerID: p.UserID, URL: *in.URL, Events: dedupe(in.Events), Enabled: true,
		CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1}
	if in.Description != nil {
		it.Description = *in.Description
	}
	it.Secrets = []sealedSecret{{Sealed: s.vault.Seal(it.ID, secret), CreatedAt: it.CreatedAt}}
	it.index()
	if err := s.repo.insertEndpoint(ctx, it); err != nil {
		return EndpointView{}, fault.Wrap(op, err)
	}
	v := endpointView(it)
	v.Secret = secret
	return v, nil
}

func (s *Service) ownedEndpoint(ctx context.Context, op string, p auth.Principal, endpointID string) (endpointItem, error) {
	if !id.HasPrefix(endpointID, "wh") || p.Kind != auth.KindUser {
		return endpointItem{}, fault.New(fault.NotFound, op, "no such endpoint")
	}
	it, found, err := get[endpointItem](ctx, s.repo, op, "WH#"+endpointID, "META")
	if err != nil {
		return endpointItem{}, err
	}
	if !found || it.OwnerID != p.UserID {
		return endpointItem{}, fault.New(fault.NotFound, op, "no such endpoint")
	}
	return it, nil
}

// GetEndpoint reads one of the caller's endpoints.
func (s *Service) GetEndpoint(ctx context.Context, p auth.Principal, endpointID string) (EndpointView, error) {
	it, err := s.ownedEndpoint(ctx, "webhooks.GetEndpoint", p, endpointID)
	return endpointView(it), err
}

// ListEndpoints lists the caller's endpoints.
func (s *Service) ListEndpoints(ctx context.Context, p auth.Principal, limit int, cursor string) ([]EndpointView, string, error) {
	const op = "webhooks.ListEndpoints"
	if p.Kind != auth.KindUser {
		return nil, "", fault.New(fault.Forbidden, op, "a person lists its own endpoints")
	}
	items, next, err := page[endpointItem](ctx, s.repo, op, IndexByParent, "gsi1pk", "OWN#"+p.UserID, true, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]EndpointView, 0, len(items))
	for _, it := range items {
		out = append(out, endpointView(it))
	}
	return out, next, nil
}

// change applies f to one of the caller's endpoints, over its version.
func (s *Service) change(ctx context.Context, op string, p auth.Principal, endpointID string, f func(*endpointItem, time.Time) error) (endpointItem, error) {
	it, err := s.ownedEndpoint(ctx, op, p, endpointID)
	if err != nil {
		return endpointItem{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	read := it.Version
	if err := f(&it, now); err != nil {
		return endpointItem{}, err
	}
	it.Version, it.UpdatedAt = read+1, clock.Format(now)
	if err := s.repo.putAt(ctx, it, "version", read); store.IsConditionFailed(err) {
		return endpointItem{}, fault.New(fault.Conflict, op, "the endpoint changed meanwhile; read it again and retry")
	} else if err != nil {
		return endpointItem{}, fault.Wrap(op, err)
	}
	return it, nil
}

// UpdateEndpoint changes an endpoint's URL, events or description.
func (s *Service) UpdateEndpoint(ctx context.Context, p auth.Principal, endpointID string, in EndpointInput) (EndpointView, error) {
	const op = "webhooks.UpdateEndpoint"
	if err := s.checkInput(op, in, false); err != nil {
		return EndpointView{}, err
	}
	it, err := s.change(ctx, op, p, endpointID, func(it *endpointItem, _ time.Time) error {
		if in.URL != nil {
			it.URL = *in.URL
		}
		if in.Events != nil {
			it.Events = dedupe(in.Events)
		}
		if in.Description != nil {
			it.Description = *in.Description
		}
		return nil
	})
	return endpointView(it), err
}

// SetEnabled disables or enables an endpoint; enabling clears its
// failure streak.
func (s *Service) SetEnabled(ctx context.Context, p auth.Principal, endpointID string, enabled bool) (EndpointView, error) {
	it, err := s.change(ctx, "webhooks.SetEnabled", p, endpointID, func(it *endpointItem, _ time.Time) error {
		it.Enabled, it.DisabledReason = enabled, ""
		if enabled {
			it.FailingSince = ""
		} else {
			it.DisabledReason = "disabled by its owner"
		}
		return nil
	})
	return endpointView(it), err
}

// RotateSecret gives an endpoint a new secret, returned this once; the
// old one keeps signing alongside it for RotationOverlap.
func (s *Service) RotateSecret(ctx context.Context, p auth.Principal, endpointID string) (EndpointView, error) {
	secret := NewSecret()
	it, err := s.change(ctx, "webhooks.RotateSecret", p, endpointID, func(it *endpointItem, now time.Time) error {
		cur := it.Secrets[0]
		cur.ExpiresAt = clock.Format(now.Add(RotationOverlap))
		it.Secrets = []sealedSecret{{Sealed: s.vault.Seal(it.ID, secret), CreatedAt: clock.Format(now)}, cur}
		return nil
	})
	v := endpointView(it)
	if err == nil {
		v.Secret = secret
	}
	return v, err
}

// DeleteEndpoint removes an endpoint; its pending retries find it gone
// and stop.
func (s *Service) DeleteEndpoint(ctx context.Context, p auth.Principal, endpointID string) error {
	const op = "webhooks.DeleteEndpoint"
	it, err := s.ownedEndpoint(ctx, op, p, endpointID)
	if err != nil {
		return err
	}
	return fault.Wrap(op, s.repo.deleteEndpoint(ctx, it))
}

// secrets opens the endpoint's secrets that sign now: the current one, and
// the previous one during its overlap.
func (s *Service) secrets(it endpointItem, now time.Time) ([]string, error) {
	var out []string
	for i, sec := range it.Secrets {
		if i > 0 && !now.Before(clock.Parse(sec.ExpiresAt)) {
			continue
		}
		plain, err := s.vault.Open(it.ID, sec.Sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, plain)
	}
	return out, nil
}
