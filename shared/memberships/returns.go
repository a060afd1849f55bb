package memberships

// Where a member's pass may go (DESIGN §17): a community's own sites
// only. GET /m/{communityId}?return=<url> sends the pass to <url>'s
// fragment, so a return anywhere else would hand a member's pass to a
// stranger, and an open redirect to anyone: it is refused (400) before
// anything else happens.

import (
	"context"
	"net/url"
	"strings"

	"github.com/souqhq/souq/shared/fault"
)

// MaxReturn bounds a return URL.
const MaxReturn = 2000

// checkReturn reads a return URL for a community's pass: absolute, https
// (http only on the loopback, for a site under development), with no
// credentials, on one of the community's domains or a subdomain of one.
// The answer has no fragment (the pass goes there).
func checkReturn(op string, com Community, raw string) (*url.URL, error) {
	bad := func(msg string) error {
		return fault.InvalidFields(op, "the return address is refused", fault.FieldError{Field: "return", Message: msg})
	}
	if raw == "" || len(raw) > MaxReturn || strings.ContainsAny(raw, "\\\r\n\t ") {
		return nil, bad("must be the address of a page of the community's own site")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, bad("must be an absolute https address of a page of the community's own site")
	}
	host := strings.ToLower(u.Hostname())
	loopback := host == "localhost" || host == "127.0.0.1" || host == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return nil, bad("must be an https address")
	}
	for _, d := range com.Domains {
		d = strings.ToLower(strings.TrimPrefix(d, "*."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			u.Fragment, u.RawFragment = "", ""
			return u, nil
		}
	}
	if len(com.Domains) == 0 {
		return nil, bad("the community has named no site of its own (its URL and allowed domains): its owner adds them first")
	}
	return nil, bad("is not on the community's own sites (" + strings.Join(com.Domains, ", ") + ")")
}

// JoinView is what anyone may read of a community's memberships: its name,
// its tiers on sale, and the sites its members' passes may be sent to.
type JoinView struct {
	CommunityID string     `json:"communityId"`
	Name        string     `json:"name"`
	Tiers       []TierView `json:"tiers"`
	Sites       []string   `json:"sites"`
	// Return is the return address asked for, when it is allowed.
	Return string `json:"return,omitempty"`
}

// JoinInfo is a community's public join information; with a return address,
// it is checked (400 when it is not the community's own).
func (s *Service) JoinInfo(ctx context.Context, communityID, returnRaw string) (JoinView, error) {
	const op = "memberships.JoinInfo"
	com, err := s.communities.Find(ctx, op, communityID)
	if err != nil {
		return JoinView{}, err
	}
	v := JoinView{CommunityID: com.ID, Name: com.Name, Sites: com.Domains}
	if v.Sites == nil {
		v.Sites = []string{}
	}
	if returnRaw != "" {
		u, err := checkReturn(op, com, returnRaw)
		if err != nil {
			return JoinView{}, err
		}
		v.Return = u.String()
	}
	if v.Tiers, err = s.Tiers(ctx, communityID, ""); err != nil {
		return JoinView{}, err
	}
	return v, nil
}
