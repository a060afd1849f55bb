package memberships

import (
	"context"
	"net/url"
	"time"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/pass"
	"github.com/souqhq/souq/shared/store"
)

// PassView is a member's pass for a community's own sites.
type PassView struct {
	Pass        string    `json:"pass"`
	CommunityID string    `json:"communityId"`
	TierID      string    `json:"tierId"`
	Benefits    []string  `json:"benefits"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// RedirectURL is the return address asked for with the pass in its
	// fragment (#souq_pass=…): where /m/{communityId} sends the member.
	RedirectURL string `json:"redirectUrl,omitempty"`
}

// Pass signs the signed-in member's pass for a community: good for at
// most a day, and no longer than a canceled membership's benefits last.
func (s *Service) Pass(ctx context.Context, p auth.Principal, communityID, returnRaw string) (PassView, error) {
	const op = "memberships.Pass"
	if err := requireUser(op, p); err != nil {
		return PassView{}, err
	}
	if s.keys == nil {
		return PassView{}, fault.New(fault.Unavailable, op, "the pass's keys are not configured")
	}
	com, err := s.communities.Find(ctx, op, communityID)
	if err != nil {
		return PassView{}, err
	}
	var back *url.URL
	if returnRaw != "" {
		if back, err = checkReturn(op, com, returnRaw); err != nil {
			return PassView{}, err
		}
	}
	notMember := &fault.Error{Kind: fault.Forbidden, Op: op, Code: "not_member", Message: "you are not a member of this community (or your membership has not begun)"}
	live, found, err := store.Get[liveItem](ctx, s.repo.db, s.repo.table, livePK(communityID, p.UserID), "LIVE")
	if err != nil {
		return PassView{}, fault.Wrap(op, err)
	}
	if !found {
		return PassView{}, notMember
	}
	m, found, err := s.repo.membership(ctx, live.MembershipID)
	if err != nil {
		return PassView{}, fault.Wrap(op, err)
	}
	if !found || !Status(m.Status).Benefits() {
		return PassView{}, notMember
	}
	now := s.clock.Now().Truncate(time.Second)
	exp := now.Add(pass.MaxTTL)
	if end := clock.Parse(m.PeriodEnd).Truncate(time.Second); m.CancelAtPeriodEnd && end.Before(exp) {
		exp = end
	}
	if !exp.After(now) {
		return PassView{}, notMember
	}
	benefits := m.Benefits
	if benefits == nil {
		benefits = []string{}
	}
	token, err := s.keys.Issue(communityID, s.keys.Subject(p.UserID, communityID), m.TierID, benefits, now, exp)
	if err != nil {
		return PassView{}, fault.Wrap(op, err)
	}
	v := PassView{Pass: token, CommunityID: communityID, TierID: m.TierID, Benefits: benefits, ExpiresAt: exp}
	if back != nil {
		back.Fragment = "souq_pass=" + token
		v.RedirectURL = back.String()
	}
	return v, nil
}
