package campaigns

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
)

// Decision is a community owner's word on a campaign's creative for the
// community's slots (DESIGN §16).
type Decision string

// The decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// The review settings a community may have (CommunityUpdated's
// campaignReview): "approve" runs a campaign on its slots only once its
// owner approved the campaign's current creative; "auto" (or none) runs
// every campaign that fits.
const (
	ReviewAuto    = "auto"
	ReviewApprove = "approve"
)

// MaxReasonLen bounds what a rejection says.
const MaxReasonLen = 500

// Review is a community's decision on one creative version of a campaign.
// There is one per campaign and community: a decision on a later creative
// replaces it, so it always says what the community made of the latest
// creative it decided on.
type Review struct {
	CampaignID      string
	CommunityID     string
	AdvertiserID    string
	CreativeVersion int
	Decision        Decision
	Reason          string
	DecidedAt       time.Time
	// Version numbers the community's decisions on the campaign.
	Version int
}

// errSameDecision is Decide's answer to the decision the community already
// made on that creative: nothing is written, and the caller gets the
// review as it is.
var errSameDecision = fmt.Errorf("campaigns: decided already")

// Decide is a community's decision on a campaign's creative of version
// creativeVersion, given its last one (found says whether it has one): one
// decision per creative version, so the same decision again is
// errSameDecision and a different one is a conflict; a new creative is
// decided afresh. A rejection says why (1 to MaxReasonLen characters of
// one line); an approval says nothing.
func Decide(last Review, found bool, creativeVersion int, d Decision, reason string, now time.Time) (Review, error) {
	const op = "campaigns.Decide"
	reason = strings.TrimSpace(reason)
	switch d {
	case Approve:
		if reason != "" {
			return Review{}, fault.InvalidFields(op, "an approval has no reason", fault.FieldError{Field: "reason", Message: "is only for a rejection"})
		}
	case Reject:
		switch {
		case reason == "":
			return Review{}, fault.InvalidFields(op, "a rejection says why", fault.FieldError{Field: "reason", Message: "is required: say what the advertiser would have to change"})
		case utf8.RuneCountInString(reason) > MaxReasonLen:
			return Review{}, fault.InvalidFields(op, "the reason is too long", fault.FieldError{Field: "reason", Message: fmt.Sprintf("must be at most %d characters", MaxReasonLen)})
		case input.Line(reason) != "":
			return Review{}, fault.InvalidFields(op, "the reason has invalid characters", fault.FieldError{Field: "reason", Message: input.Line(reason)})
		}
	default:
		return Review{}, fault.New(fault.Invalid, op, `the decision must be "approve" or "reject"`)
	}
	if found && last.CreativeVersion >= creativeVersion {
		if last.CreativeVersion == creativeVersion && last.Decision == d {
			return last, errSameDecision
		}
		return Review{}, &fault.Error{Kind: fault.Conflict, Op: op, State: string(last.Decision),
			Message: "the community already decided on this creative (" + string(last.Decision) + "); a changed creative is reviewed again"}
	}
	r := Review{CampaignID: last.CampaignID, CommunityID: last.CommunityID, AdvertiserID: last.AdvertiserID,
		CreativeVersion: creativeVersion, Decision: d, DecidedAt: now, Version: last.Version + 1}
	if d == Reject {
		r.Reason = reason
	}
	return r, nil
}

// CommunityRules are what a community says may run on its slots, as this
// context knows them (CommunityUpdated).
type CommunityRules struct {
	Review  string
	Blocked []string
}

// Blocks reports whether the community blocked the advertiser.
func (r CommunityRules) Blocks(advertiserID string) bool {
	for _, b := range r.Blocked {
		if b == advertiserID {
			return true
		}
	}
	return false
}
