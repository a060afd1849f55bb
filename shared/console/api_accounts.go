package console

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// The typed calls of the accounts context.

func (c *Caller) Me(ctx context.Context) (Me, error) { return get[Me](ctx, c, "/v1/me", nil) }

func (c *Caller) Community(ctx context.Context, id string) (Community, error) {
	return get[Community](ctx, c, "/v1/communities/"+p(id), nil)
}

func (c *Caller) CreateCommunity(ctx context.Context, in CreateCommunityRequest) (Community, error) {
	return send[Community](ctx, c, http.MethodPost, "/v1/communities", in, "")
}

func (c *Caller) UpdateCommunity(ctx context.Context, id string, in UpdateCommunityRequest) (Community, error) {
	return send[Community](ctx, c, http.MethodPatch, "/v1/communities/"+p(id), in, "")
}

func (c *Caller) Advertiser(ctx context.Context, id string) (Advertiser, error) {
	return get[Advertiser](ctx, c, "/v1/advertisers/"+p(id), nil)
}

func (c *Caller) CreateAdvertiser(ctx context.Context, in CreateAdvertiserRequest) (Advertiser, error) {
	return send[Advertiser](ctx, c, http.MethodPost, "/v1/advertisers", in, "")
}

// kind is "communities" or "advertisers".
func (c *Caller) Balance(ctx context.Context, kind, id string) (Balance, error) {
	return get[Balance](ctx, c, "/v1/"+kind+"/"+p(id)+"/balance", nil)
}

func (c *Caller) Statement(ctx context.Context, accountID string, from time.Time, limit int) (List[Posting], error) {
	q := url.Values{"accountId": {accountID}, "limit": {itoa(limit)}}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339))
	}
	return get[List[Posting]](ctx, c, "/v1/ledger/statement", q)
}

func (c *Caller) APIKeys(ctx context.Context, kind, id string) (List[APIKey], error) {
	return get[List[APIKey]](ctx, c, "/v1/"+kind+"/"+p(id)+"/api-keys", nil)
}

func (c *Caller) CreateAPIKey(ctx context.Context, kind, id string, in CreateAPIKeyRequest) (APIKey, error) {
	return send[APIKey](ctx, c, http.MethodPost, "/v1/"+kind+"/"+p(id)+"/api-keys", in, "")
}

func (c *Caller) RevokeAPIKey(ctx context.Context, kind, id, keyID string) error {
	return c.call(ctx, http.MethodDelete, "/v1/"+kind+"/"+p(id)+"/api-keys/"+p(keyID), nil, nil, "", nil)
}
