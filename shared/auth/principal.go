// Package auth says who is calling: it verifies JWTs (a local signing key
// locally, Cognito's JWKS in AWS) and API keys (stored as SHA-256 hashes),
// runs as the Lambda authorizer, and carries the resulting Principal from
// the authorizer's context into handlers.
//
// It decides identity, never ownership: whether a principal may act on an
// object is the owning context's decision. It must never log a token or a
// key secret.
package auth

import (
	"fmt"
	"strings"

	"github.com/souqhq/souq/shared/fault"
)

// Kind is a principal's kind, matching topology.AuthKind.
type Kind string

// Principal kinds.
const (
	KindUser   Kind = "user"
	KindClient Kind = "client"
)

// Account kinds an API key can belong to.
const (
	AccountAdvertiser = "advertiser"
	AccountCommunity  = "community"
)

// Principal is an authenticated caller.
type Principal struct {
	Kind Kind
	// UserID is set for users ("usr_…").
	UserID string
	// AccountKind, AccountID and KeyID are set for clients: the advertiser or
	// community the API key belongs to, and the key.
	AccountKind string
	AccountID   string
	KeyID       string
}

// ID is a stable identifier of the principal, used to scope idempotency
// keys and in logs: the user id, or the account id for a client.
func (p Principal) ID() string {
	if p.Kind == KindUser {
		return p.UserID
	}
	return p.AccountID
}

// Authorizer context keys. API Gateway passes the map the authorizer
// returns to the function as requestContext.authorizer.lambda.
const (
	ctxKind        = "kind"
	ctxUserID      = "userId"
	ctxAccountKind = "accountKind"
	ctxAccountID   = "accountId"
	ctxKeyID       = "keyId"
	// ctxAuthError carries why credentials were refused. The authorizer
	// lets such requests through with this reason so that every refusal is
	// a 401 problem+json from our API layer, the same locally and in AWS,
	// instead of API Gateway's bare 403.
	ctxAuthError = "authError"
)

// Context renders the principal as an authorizer context.
func (p Principal) Context() map[string]any {
	m := map[string]any{ctxKind: string(p.Kind)}
	if p.UserID != "" {
		m[ctxUserID] = p.UserID
	}
	if p.AccountID != "" {
		m[ctxAccountKind] = p.AccountKind
		m[ctxAccountID] = p.AccountID
		m[ctxKeyID] = p.KeyID
	}
	return m
}

// RefusalContext is the authorizer context for refused credentials.
func RefusalContext(reason string) map[string]any {
	return map[string]any{ctxAuthError: reason}
}

// FromContext reads the principal from an authorizer context. A missing
// context, a refusal or a malformed principal is fault.Unauthorized.
func FromContext(m map[string]any) (Principal, error) {
	const op = "auth.FromContext"
	if len(m) == 0 {
		return Principal{}, fault.New(fault.Unauthorized, op, "missing credentials: send Authorization: Bearer <token or API key>")
	}
	if reason, ok := m[ctxAuthError].(string); ok && reason != "" {
		if reason == ReasonUnavailable {
			return Principal{}, fault.New(fault.Unavailable, op, "credentials could not be checked right now; retry")
		}
		return Principal{}, fault.New(fault.Unauthorized, op, reason)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	p := Principal{
		Kind: Kind(str(ctxKind)), UserID: str(ctxUserID),
		AccountKind: str(ctxAccountKind), AccountID: str(ctxAccountID), KeyID: str(ctxKeyID),
	}
	switch {
	case p.Kind == KindUser && strings.HasPrefix(p.UserID, "usr_"):
		return p, nil
	case p.Kind == KindClient && p.AccountID != "" && p.KeyID != "" &&
		(p.AccountKind == AccountAdvertiser || p.AccountKind == AccountCommunity):
		return p, nil
	}
	return Principal{}, fault.New(fault.Unauthorized, op, fmt.Sprintf("unrecognized principal of kind %q", p.Kind))
}

// ReasonUnavailable is the refusal reason when the authorizer could not
// reach its store: the API answers 503, not 401.
const ReasonUnavailable = "unavailable"

// AdvertiserFor names the advertiser a principal acts for when it spends
// an advertiser's money (a bid, a booking): an advertiser's API key is that
// advertiser, and naming another is not found; a person must name one,
// whose ownership the caller then checks; any other key is refused. verb
// says what is being done ("bid", "book") in the refusals.
func (p Principal) AdvertiserFor(op, named, verb string) (string, error) {
	switch {
	case p.Kind == KindClient && p.AccountKind == AccountAdvertiser:
		if named != "" && named != p.AccountID {
			return "", fault.New(fault.NotFound, op, "no such advertiser")
		}
		return p.AccountID, nil
	case p.Kind == KindClient:
		return "", fault.New(fault.Forbidden, op, "only advertisers "+verb+"; use an advertiser's API key")
	case named == "":
		return "", fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: "advertiserId", Message: "is required when a person " + verb + "s"})
	}
	return named, nil
}

// ActsForAdvertiser decides what identity alone can about p acting for
// the advertiser advertiserID (the one a path names): an advertiser's API
// key acts for its own advertiser and no other; any other key, or no
// principal, is told there is no such advertiser — 404, never 403, so that
// ids cannot be probed (DESIGN §6). settled reports that the key decided
// it; for a person it is false, and the caller checks that the person owns
// the advertiser.
func (p Principal) ActsForAdvertiser(op, advertiserID string) (settled bool, err error) {
	switch {
	case p.Kind == KindClient && p.AccountKind == AccountAdvertiser && p.AccountID == advertiserID && advertiserID != "":
		return true, nil
	case p.Kind == KindUser && p.UserID != "":
		return false, nil
	}
	return false, fault.New(fault.NotFound, op, "no such advertiser")
}
