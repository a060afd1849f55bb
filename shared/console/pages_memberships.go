package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// MembershipJoinInfo is a community's public join information
// (GET /v1/communities/{id}/join).
type MembershipJoinInfo struct {
	CommunityID string   `json:"communityId"`
	Name        string   `json:"name"`
	Sites       []string `json:"sites"`
	Return      string   `json:"return"`
}

// MembershipPass is a member's pass for a community's own site.
type MembershipPass struct {
	Pass        string `json:"pass"`
	CommunityID string `json:"communityId"`
	RedirectURL string `json:"redirectUrl"`
}

// JoinInfo reads a community's public join information, checking a
// return address (a 400 Problem when it is not the community's own).
func (c *Caller) JoinInfo(ctx context.Context, communityID, back string) (MembershipJoinInfo, error) {
	return get[MembershipJoinInfo](ctx, c, "/v1/communities/"+url.PathEscape(communityID)+"/join", url.Values{"return": {back}})
}

// Pass is the person's pass for a community, sent back to a return
// address the API has checked.
func (c *Caller) Pass(ctx context.Context, communityID, back string) (MembershipPass, error) {
	return get[MembershipPass](ctx, c, "/v1/communities/"+url.PathEscape(communityID)+"/pass", url.Values{"return": {back}})
}

// memberRedirect is GET /m/{communityId}?return=: a community's own site
// sends its visitors here for their membership pass. The return address
// is checked first, signed in or not (anything but the community's own
// sites is a 400: never an open redirect), then the person signs in if
// needed (/console/m/…) and is sent back with the pass.
func (c *Console) memberRedirect(w http.ResponseWriter, r *http.Request) {
	id, back := r.PathValue("communityId"), r.URL.Query().Get("return")
	if back == "" {
		c.refuse(w, r, http.StatusBadRequest, "This link names no page to return to: the community's site must send its own page's address (?return=).")
		return
	}
	if _, err := (&Caller{api: c.api}).JoinInfo(r.Context(), id, back); err != nil {
		c.refusePass(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/m/"+url.PathEscape(id)+"?"+url.Values{"return": {back}}.Encode(), http.StatusSeeOther)
}

// memberPass is the signed-in half: the pass, checked again by the API
// against the community's sites, in the return address's fragment.
func (c *Console) memberPass(q *req, _ *formState) {
	if q.r.URL.Query().Get("return") == "" {
		c.refuse(q.w, q.r, http.StatusBadRequest, "This link names no page to return to.")
		return
	}
	p, err := q.api.Pass(q.r.Context(), q.r.PathValue("communityId"), q.r.URL.Query().Get("return"))
	if err != nil {
		c.refusePass(q.w, q.r, err)
		return
	}
	q.w.Header().Set("Cache-Control", "no-store")
	q.w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(q.w, q.r, p.RedirectURL, http.StatusSeeOther)
}

// refusePass says, in words, why no pass is sent.
func (c *Console) refusePass(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if errors.As(err, &p) {
		switch {
		case p.Status == http.StatusBadRequest:
			msg := "This address may not receive your membership pass: only the community's own sites may."
			for _, e := range p.Errors {
				msg += " The return address " + e.Message + "."
			}
			c.refuse(w, r, http.StatusBadRequest, msg)
			return
		case p.Status == http.StatusForbidden && p.Code == "not_member":
			c.refuse(w, r, http.StatusForbidden, "You are not a member of this community (or your membership has not begun): join it first.")
			return
		}
	}
	c.fail(w, r, err)
}
