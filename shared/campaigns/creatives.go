package campaigns

import (
	"context"
	"net/http"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
)

// WithCreatives gives the service the advertisers' hosted creatives
// (DESIGN §16): it uploads them, and a campaign may name one by
// creativeId instead of its imageUrl and size.
func (s *Service) WithCreatives(lib *creatives.Library) *Service {
	s.creatives = lib
	return s
}

// UploadCreative hosts an image for an advertiser p may act for; created
// is false when the advertiser had uploaded the same bytes before.
func (s *Service) UploadCreative(ctx context.Context, p auth.Principal, advertiserID string, image []byte) (creatives.Creative, bool, error) {
	const op = "campaigns.UploadCreative"
	if _, err := s.advertiser(ctx, op, p, advertiserID); err != nil {
		return creatives.Creative{}, false, err
	}
	if s.creatives == nil {
		return creatives.Creative{}, false, fault.New(fault.Unavailable, op, "creatives are not hosted here")
	}
	return s.creatives.Upload(ctx, advertiserID, image)
}

// ListCreatives pages through an advertiser's creatives, newest first.
func (s *Service) ListCreatives(ctx context.Context, p auth.Principal, advertiserID string, limit int, cursor string) ([]creatives.Creative, string, error) {
	const op = "campaigns.ListCreatives"
	if _, err := s.advertiser(ctx, op, p, advertiserID); err != nil {
		return nil, "", err
	}
	if s.creatives == nil {
		return []creatives.Creative{}, "", nil
	}
	return s.creatives.List(ctx, advertiserID, limit, cursor)
}

// resolveCreative fills a creative that names a creativeId with its
// hosted imageUrl and pixel size. The creative must be the advertiser's
// own; naming one together with an imageUrl, width or height is refused,
// as it could say two things. Refusals are added to bad.
func (s *Service) resolveCreative(ctx context.Context, advertiserID string, c *Creative, bad *fault.Fields) error {
	if c == nil || c.CreativeID == "" {
		return nil
	}
	if c.ImageURL != "" || c.Width != 0 || c.Height != 0 {
		bad.Add("creative.creativeId", "names a hosted creative: leave out imageUrl, width and height, which it sets")
		return nil
	}
	if s.creatives == nil {
		bad.Add("creative.creativeId", "cannot be used here: creatives are not hosted")
		return nil
	}
	hosted, err := s.creatives.Resolve(ctx, advertiserID, c.CreativeID, "creative.creativeId")
	if err != nil {
		if bad.Include(err) == nil {
			return nil
		}
		return err
	}
	c.ImageURL, c.Width, c.Height = hosted.ImageURL, hosted.Width, hosted.Height
	return nil
}

// routeCreatives serves an advertiser's creatives: the upload
// (multipart/form-data, one file part named image) and the list.
func routeCreatives(rt *api.Router, svc *Service) {
	rt.Handle("POST /v1/advertisers/{advertiserId}/creatives", func(ctx context.Context, r *api.Request) (api.Response, error) {
		body, err := r.Upload(creatives.MaxUploadBody)
		if err != nil {
			return api.Response{}, err
		}
		image, err := creatives.FormImage(r.Header("content-type"), body)
		if err != nil {
			return api.Response{}, err
		}
		c, created, err := svc.UploadCreative(ctx, *r.Principal, r.Path("advertiserId"), image)
		status := http.StatusCreated
		if !created {
			status = http.StatusOK // the same image again: the creative it made
		}
		return api.JSON(status, c), err
	}, api.NoIdempotency) // idempotent by content: the same bytes are the same creative
	rt.Handle("GET /v1/advertisers/{advertiserId}/creatives", func(ctx context.Context, r *api.Request) (api.Response, error) {
		limit, cursor, err := api.Page(r)
		if err != nil {
			return api.Response{}, err
		}
		cs, next, err := svc.ListCreatives(ctx, *r.Principal, r.Path("advertiserId"), limit, cursor)
		return api.JSON(http.StatusOK, api.List[creatives.Creative]{Data: cs, NextCursor: next}), err
	}, api.NoIdempotency)
}

// resolveUpdatedCreative resolves the creativeId of a PATCH's new
// creative against the campaign's advertiser.
func (s *Service) resolveUpdatedCreative(ctx context.Context, op, campaignID string, c *Creative) error {
	it, found, err := s.repo.get(ctx, campaignID)
	if err != nil {
		return err
	}
	if !found {
		return fault.New(fault.NotFound, op, "no such campaign")
	}
	var bad fault.Fields
	if err := s.resolveCreative(ctx, it.AdvertiserID, c, &bad); err != nil {
		return err
	}
	return bad.Err(op, "the campaign has invalid fields")
}
