package console

import (
	"context"
	"net/http"
	"net/url"
)

// The typed calls of auctions, sponsorships, referrals, payouts and
// webhooks: each one route of the API.

// Auctions.

func (c *Caller) Slots(ctx context.Context, communityID string) (List[Slot], error) {
	return get[List[Slot]](ctx, c, "/v1/communities/"+p(communityID)+"/slots", nil)
}

func (c *Caller) Slot(ctx context.Context, id string) (Slot, error) {
	return get[Slot](ctx, c, "/v1/slots/"+p(id), nil)
}

func (c *Caller) CreateSlot(ctx context.Context, communityID string, in CreateSlotRequest) (Slot, error) {
	return send[Slot](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/slots", in, "")
}

func (c *Caller) UpdateSlot(ctx context.Context, id string, in UpdateSlotRequest) (Slot, error) {
	return send[Slot](ctx, c, http.MethodPatch, "/v1/slots/"+p(id), in, "")
}

func (c *Caller) SetHouseAd(ctx context.Context, slotID string, cr Creative) (Slot, error) {
	return send[Slot](ctx, c, http.MethodPut, "/v1/slots/"+p(slotID)+"/house-ad", cr, "")
}

func (c *Caller) RemoveHouseAd(ctx context.Context, slotID string) error {
	return c.call(ctx, http.MethodDelete, "/v1/slots/"+p(slotID)+"/house-ad", nil, nil, "", nil)
}

func (c *Caller) OpenAuction(ctx context.Context, slotID string, in OpenAuctionRequest) (Auction, error) {
	return send[Auction](ctx, c, http.MethodPost, "/v1/slots/"+p(slotID)+"/auctions", in, "")
}

func (c *Caller) Auctions(ctx context.Context, q url.Values) (List[Auction], error) {
	return get[List[Auction]](ctx, c, "/v1/auctions", q)
}

func (c *Caller) Auction(ctx context.Context, id string) (Auction, error) {
	return get[Auction](ctx, c, "/v1/auctions/"+p(id), nil)
}

func (c *Caller) MyBid(ctx context.Context, auctionID, advertiserID string) (Bid, error) {
	return get[Bid](ctx, c, "/v1/auctions/"+p(auctionID)+"/bid", url.Values{"advertiserId": {advertiserID}})
}

func (c *Caller) PlaceBid(ctx context.Context, auctionID string, in PlaceBidRequest) (Bid, error) {
	return send[Bid](ctx, c, http.MethodPut, "/v1/auctions/"+p(auctionID)+"/bid", in, "")
}

func (c *Caller) WithdrawBid(ctx context.Context, auctionID, advertiserID string) error {
	return c.call(ctx, http.MethodDelete, "/v1/auctions/"+p(auctionID)+"/bid", url.Values{"advertiserId": {advertiserID}}, nil, "", nil)
}

func (c *Caller) Flights(ctx context.Context, advertiserID string) (List[Flight], error) {
	return get[List[Flight]](ctx, c, "/v1/advertisers/"+p(advertiserID)+"/flights", nil)
}

func (c *Caller) FlightStats(ctx context.Context, flightID string) (FlightStats, error) {
	return get[FlightStats](ctx, c, "/v1/flights/"+p(flightID)+"/stats", nil)
}

// Sponsorships.

func (c *Caller) Offerings(ctx context.Context, communityID string) (List[Offering], error) {
	return get[List[Offering]](ctx, c, "/v1/communities/"+p(communityID)+"/offerings", nil)
}

func (c *Caller) Offering(ctx context.Context, id string) (Offering, error) {
	return get[Offering](ctx, c, "/v1/offerings/"+p(id), nil)
}

func (c *Caller) CreateOffering(ctx context.Context, communityID string, in CreateOfferingRequest) (Offering, error) {
	return send[Offering](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/offerings", in, "")
}

func (c *Caller) UpdateOffering(ctx context.Context, id string, in UpdateOfferingRequest) (Offering, error) {
	return send[Offering](ctx, c, http.MethodPatch, "/v1/offerings/"+p(id), in, "")
}

func (c *Caller) Availability(ctx context.Context, id string) (Availability, error) {
	return get[Availability](ctx, c, "/v1/offerings/"+p(id)+"/availability", url.Values{"days": {"60"}})
}

func (c *Caller) Book(ctx context.Context, offeringID string, in BookRequest, idemKey string) (Sponsorship, error) {
	return send[Sponsorship](ctx, c, http.MethodPost, "/v1/offerings/"+p(offeringID)+"/sponsorships", in, idemKey)
}

func (c *Caller) Sponsorship(ctx context.Context, id string) (Sponsorship, error) {
	return get[Sponsorship](ctx, c, "/v1/sponsorships/"+p(id), nil)
}

func (c *Caller) ReviewQueue(ctx context.Context, communityID, status string) (List[Sponsorship], error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	return get[List[Sponsorship]](ctx, c, "/v1/communities/"+p(communityID)+"/sponsorships", q)
}

func (c *Caller) Bookings(ctx context.Context, advertiserID string) (List[Sponsorship], error) {
	return get[List[Sponsorship]](ctx, c, "/v1/advertisers/"+p(advertiserID)+"/sponsorships", nil)
}

// Act is one step of a sponsorship: approve, request-changes, reject,
// publish, propose, accept-proposal, decline-proposal, cancel (POST) or
// content (PUT); body is its request (stepForm), nil for none.
func (c *Caller) Act(ctx context.Context, id, action string, body any) (Sponsorship, error) {
	method := http.MethodPost
	if action == "content" {
		method = http.MethodPut
	}
	if body == nil {
		body = EmptyRequest{}
	}
	return send[Sponsorship](ctx, c, method, "/v1/sponsorships/"+p(id)+"/"+action, body, "")
}

// Referrals.

func (c *Caller) Programs(ctx context.Context, communityID string) (List[Program], error) {
	return get[List[Program]](ctx, c, "/v1/communities/"+p(communityID)+"/programs", nil)
}

func (c *Caller) Program(ctx context.Context, id string) (Program, error) {
	return get[Program](ctx, c, "/v1/programs/"+p(id), nil)
}

func (c *Caller) CreateProgram(ctx context.Context, communityID string, in CreateProgramRequest, idemKey string) (Program, error) {
	return send[Program](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/programs", in, idemKey)
}

func (c *Caller) ProgramReport(ctx context.Context, id string) (ProgramReport, error) {
	return get[ProgramReport](ctx, c, "/v1/programs/"+p(id)+"/report", nil)
}

// ProgramAction is pause, resume or close (no body: nil), or budget (a
// top-up: an AmountRequest).
func (c *Caller) ProgramAction(ctx context.Context, id, action string, body *AmountRequest, idemKey string) (Program, error) {
	var in any = EmptyRequest{}
	if body != nil {
		in = *body
	}
	return send[Program](ctx, c, http.MethodPost, "/v1/programs/"+p(id)+"/"+action, in, idemKey)
}

func (c *Caller) Apply(ctx context.Context, programID string, in ApplyRequest) (Deal, error) {
	return send[Deal](ctx, c, http.MethodPost, "/v1/programs/"+p(programID)+"/deals", in, "")
}

func (c *Caller) MyDeals(ctx context.Context) (List[Deal], error) {
	return get[List[Deal]](ctx, c, "/v1/me/deals", nil)
}

func (c *Caller) Deal(ctx context.Context, id string) (Deal, error) {
	return get[Deal](ctx, c, "/v1/deals/"+p(id), nil)
}

// DealAction is approve or decline.
func (c *Caller) DealAction(ctx context.Context, id, action string, in DealDecisionRequest) (Deal, error) {
	return send[Deal](ctx, c, http.MethodPost, "/v1/deals/"+p(id)+"/"+action, in, "")
}

func (c *Caller) DealConversions(ctx context.Context, id string) (List[Conversion], error) {
	return get[List[Conversion]](ctx, c, "/v1/deals/"+p(id)+"/conversions", nil)
}

func (c *Caller) DealMembers(ctx context.Context, id string) (List[ReferredMember], error) {
	return get[List[ReferredMember]](ctx, c, "/v1/deals/"+p(id)+"/members", nil)
}

func (c *Caller) Earnings(ctx context.Context) (Earnings, error) {
	return get[Earnings](ctx, c, "/v1/me/earnings", nil)
}

// Payouts.

func (c *Caller) ClaimPayout(ctx context.Context, in AmountRequest, idemKey string) (Payout, error) {
	return send[Payout](ctx, c, http.MethodPost, "/v1/payouts", in, idemKey)
}

func (c *Caller) ClaimCommunityPayout(ctx context.Context, communityID string, in AmountRequest, idemKey string) (Payout, error) {
	return send[Payout](ctx, c, http.MethodPost, "/v1/communities/"+p(communityID)+"/payouts", in, idemKey)
}

func (c *Caller) Payouts(ctx context.Context) (List[Payout], error) {
	return get[List[Payout]](ctx, c, "/v1/payouts", nil)
}

// Webhooks.

func (c *Caller) Webhooks(ctx context.Context) (List[Webhook], error) {
	return get[List[Webhook]](ctx, c, "/v1/webhooks", nil)
}

func (c *Caller) Webhook(ctx context.Context, id string) (Webhook, error) {
	return get[Webhook](ctx, c, "/v1/webhooks/"+p(id), nil)
}

func (c *Caller) CreateWebhook(ctx context.Context, in CreateWebhookRequest) (Webhook, error) {
	return send[Webhook](ctx, c, http.MethodPost, "/v1/webhooks", in, "")
}

func (c *Caller) DeleteWebhook(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/v1/webhooks/"+p(id), nil, nil, "", nil)
}

func (c *Caller) Deliveries(ctx context.Context, id string) (List[Delivery], error) {
	return get[List[Delivery]](ctx, c, "/v1/webhooks/"+p(id)+"/deliveries", nil)
}

func (c *Caller) Replay(ctx context.Context, id, deliveryID string) (Delivery, error) {
	return send[Delivery](ctx, c, http.MethodPost, "/v1/webhooks/"+p(id)+"/deliveries/"+p(deliveryID)+"/replay", EmptyRequest{}, "")
}

// Campaigns.

func (c *Caller) Campaigns(ctx context.Context, advertiserID string) (List[Campaign], error) {
	return get[List[Campaign]](ctx, c, "/v1/advertisers/"+p(advertiserID)+"/campaigns", url.Values{"limit": {"100"}})
}

func (c *Caller) Campaign(ctx context.Context, id string) (Campaign, error) {
	return get[Campaign](ctx, c, "/v1/campaigns/"+p(id), nil)
}

func (c *Caller) CreateCampaign(ctx context.Context, advertiserID string, in CreateCampaignRequest, idemKey string) (Campaign, error) {
	return send[Campaign](ctx, c, http.MethodPost, "/v1/advertisers/"+p(advertiserID)+"/campaigns", in, idemKey)
}

func (c *Caller) UpdateCampaign(ctx context.Context, id string, in UpdateCampaignRequest, idemKey string) (Campaign, error) {
	return send[Campaign](ctx, c, http.MethodPatch, "/v1/campaigns/"+p(id), in, idemKey)
}

// CampaignAction is pause, resume or end.
func (c *Caller) CampaignAction(ctx context.Context, id, action string) (Campaign, error) {
	return send[Campaign](ctx, c, http.MethodPost, "/v1/campaigns/"+p(id)+"/"+action, nil, "")
}

func (c *Caller) CampaignReport(ctx context.Context, id string, q url.Values) (CampaignReport, error) {
	return get[CampaignReport](ctx, c, "/v1/campaigns/"+p(id)+"/report", q)
}

func (c *Caller) Reach(ctx context.Context, q url.Values) (Reach, error) {
	return get[Reach](ctx, c, "/v1/reach", q)
}

func (c *Caller) CampaignBreakdown(ctx context.Context, id, by string) (CampaignBreakdown, error) {
	return get[CampaignBreakdown](ctx, c, "/v1/campaigns/"+p(id)+"/report", url.Values{"by": {by}})
}

func (c *Caller) CommunityBreakdown(ctx context.Context, id string, q url.Values) (CommunityBreakdown, error) {
	return get[CommunityBreakdown](ctx, c, "/v1/communities/"+p(id)+"/report", q)
}

func (c *Caller) CommunityReport(ctx context.Context, id string, q url.Values) (EarningsReport, error) {
	return get[EarningsReport](ctx, c, "/v1/communities/"+p(id)+"/report", q)
}

// CSV is a report as the API writes it in CSV (path: its route).
func (c *Caller) CSV(ctx context.Context, path string, q url.Values) ([]byte, error) {
	var out []byte
	err := c.callAccept(ctx, "text/csv", http.MethodGet, path, q, &out)
	return out, err
}
