package auth

import (
	"context"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/shared/fault"
)

// Authorizer is the Lambda authorizer of the HTTP API (payload 2.0, simple
// responses). It accepts a user JWT or an API key in
// "Authorization: Bearer …".
//
// It always answers isAuthorized=true and puts either the principal or the
// refusal reason in the context; the API layer of every function then
// refuses the request with a 401 problem+json before any handler runs.
// Routes that need credentials cannot skip that check: api.Router applies
// it from the topology. Results are cached by the Authorization header, so
// the answer must depend on nothing else (not the route).
type Authorizer struct {
	Tokens TokenVerifier
	Keys   KeyLookup
	Log    *slog.Logger
	// LiveKeys is true in production: sk_test_ keys are refused there and
	// sk_live_ keys everywhere else.
	LiveKeys bool
}

// Handle is the Lambda handler.
func (a *Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	header := ""
	if len(req.IdentitySource) > 0 {
		header = req.IdentitySource[0]
	}
	if header == "" {
		for k, v := range req.Headers {
			if strings.EqualFold(k, "authorization") {
				header = v
			}
		}
	}
	p, err := a.Authenticate(ctx, header)
	if err != nil {
		reason := "invalid credentials"
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Unauthorized {
			reason = fe.Message
		} else {
			if a.Log != nil {
				a.Log.ErrorContext(ctx, "authorizer could not check credentials", "error", err.Error())
			}
			reason = ReasonUnavailable
		}
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: RefusalContext(reason)}, nil
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: p.Context()}, nil
}

// Authenticate checks one Authorization header value.
func (a *Authorizer) Authenticate(ctx context.Context, header string) (Principal, error) {
	const op = "auth.Authenticate"
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
		return Principal{}, fault.New(fault.Unauthorized, op, "use Authorization: Bearer <token or API key>")
	}
	cred = strings.TrimSpace(cred)
	if len(cred) > 8192 {
		return Principal{}, fault.New(fault.Unauthorized, op, "credential too long")
	}
	if IsAPIKey(cred) {
		if strings.HasPrefix(cred, LiveKeyPrefix) != a.LiveKeys {
			return Principal{}, fault.New(fault.Unauthorized, op, "this API key is for another mode (test or live)")
		}
		return a.Keys.LookupAPIKey(ctx, HashAPIKey(cred))
	}
	if strings.HasPrefix(cred, "sk_") {
		return Principal{}, fault.New(fault.Unauthorized, op, "unknown API key")
	}
	return a.Tokens.VerifyToken(ctx, cred)
}
