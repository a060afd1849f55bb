package console

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
)

// The typed calls of DESIGN §16: the directory, a community's listing and
// review queue, and the person's profile.

// Directory is GET /v1/directory with the search's parameters.
func (c *Caller) Directory(ctx context.Context, query url.Values) (List[DirectoryListing], error) {
	return get[List[DirectoryListing]](ctx, c, "/v1/directory", query)
}

func (c *Caller) DirectoryListing(ctx context.Context, communityID string) (DirectoryListing, error) {
	return get[DirectoryListing](ctx, c, "/v1/directory/"+p(communityID), nil)
}

func (c *Caller) UpdateListing(ctx context.Context, id string, in UpdateListingRequest) (Community, error) {
	return send[Community](ctx, c, http.MethodPatch, "/v1/communities/"+p(id), in, "")
}

// SetBlocked replaces a community's blocked advertisers, and nothing else.
func (c *Caller) SetBlocked(ctx context.Context, id string, in BlockedAdvertisersRequest) (Community, error) {
	return send[Community](ctx, c, http.MethodPatch, "/v1/communities/"+p(id), in, "")
}

func (c *Caller) CampaignReviews(ctx context.Context, communityID string) (CampaignReviewList, error) {
	return get[CampaignReviewList](ctx, c, "/v1/communities/"+p(communityID)+"/campaign-reviews", url.Values{"limit": {"50"}})
}

func (c *Caller) ApproveCampaign(ctx context.Context, communityID, campaignID string, in ApproveCampaignRequest) (CampaignReviewDecision, error) {
	return send[CampaignReviewDecision](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/campaigns/"+p(campaignID)+"/approve", in, "")
}

func (c *Caller) RejectCampaign(ctx context.Context, communityID, campaignID string, in RejectCampaignRequest) (CampaignReviewDecision, error) {
	return send[CampaignReviewDecision](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/campaigns/"+p(campaignID)+"/reject", in, "")
}

func (c *Caller) UpdateProfile(ctx context.Context, in UpdateProfileRequest) (Me, error) {
	return send[Me](ctx, c, http.MethodPatch, "/v1/me", in, "")
}

func (c *Caller) Creatives(ctx context.Context, advertiserID string) (List[HostedCreative], error) {
	return get[List[HostedCreative]](ctx, c, "/v1/advertisers/"+p(advertiserID)+"/creatives", url.Values{"limit": {"50"}})
}

// UploadCreative sends an image as multipart/form-data, its one part
// named image.
func (c *Caller) UploadCreative(ctx context.Context, advertiserID, filename string, image []byte) (HostedCreative, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("image", filename)
	if err == nil {
		_, err = part.Write(image)
	}
	if err == nil {
		err = mw.Close()
	}
	var out HostedCreative
	if err != nil {
		return out, err
	}
	err = c.doRaw(ctx, "application/json", mw.FormDataContentType(), http.MethodPost, "/v1/advertisers/"+p(advertiserID)+"/creatives", nil, buf.Bytes(), "", &out)
	return out, err
}
