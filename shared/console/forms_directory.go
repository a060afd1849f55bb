package console

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The forms of DESIGN §16: a community's listing and what runs on its
// pages, the decisions of its review queue, and a person's profile.

// UpdateListingRequest is PATCH /v1/communities/{id} with the listing and
// what runs on the community's pages: every field is sent, an empty list
// clears it.
type UpdateListingRequest struct {
	BlockedAdvertisers []string `json:"blockedAdvertisers"`
	CampaignReview     string   `json:"campaignReview"`
	Country            string   `json:"country"`
	Description        string   `json:"description"`
	Languages          []string `json:"languages"`
	Listed             bool     `json:"listed"`
	Topics             []string `json:"topics"`
}

// BlockedAdvertisersRequest is PATCH /v1/communities/{id} with only its
// blocked advertisers (a block or unblock by name, from the review queue).
type BlockedAdvertisersRequest struct {
	BlockedAdvertisers []string `json:"blockedAdvertisers"`
}

type listingForm struct {
	Listed                         bool
	Description, Country, Review   string
	Topics, Languages, Advertisers []string
}

var (
	topicPattern        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	languagePattern     = regexp.MustCompile(`^[a-z]{2}$`)
	countryPattern      = regexp.MustCompile(`^[A-Z]{2}$`)
	advertiserIDPattern = regexp.MustCompile(`^adv_[A-Za-z0-9_-]{1,64}$`)
)

// parseListingForm reads the listing as typed: lists separated by commas
// or spaces, topics and languages in lower case, the country in upper.
func parseListingForm(r *http.Request) (listingForm, fieldErrors) {
	f := listingForm{
		Listed:      r.PostForm.Get("listed") != "",
		Description: formValue(r, "description"),
		Country:     strings.ToUpper(formValue(r, "country")),
		Review:      formValue(r, "campaignReview"),
		Topics:      lowerList(r.PostForm.Get("topics")),
		Languages:   lowerList(r.PostForm.Get("languages")),
		Advertisers: splitList(r.PostForm.Get("blockedAdvertisers")),
	}
	bad := fieldErrors{}
	if n := len([]rune(f.Description)); n > 500 {
		bad["description"] = "At most 500 characters (this has " + strconv.Itoa(n) + ")."
	}
	if f.Listed && f.Description == "" {
		bad["description"] = "Describe your community to list it in the directory."
	}
	if len(f.Topics) > 10 {
		bad["topics"] = "At most 10 topics."
	}
	for _, t := range f.Topics {
		if !topicPattern.MatchString(t) {
			bad["topics"] = "“" + t + "” is not a topic: letters, digits and hyphens, like golang or web-design."
			break
		}
	}
	if len(f.Languages) > 5 {
		bad["languages"] = "At most 5 languages."
	}
	for _, l := range f.Languages {
		if !languagePattern.MatchString(l) {
			bad["languages"] = "“" + l + "” is not a language code: two letters, like en or de."
			break
		}
	}
	if f.Country != "" && !countryPattern.MatchString(f.Country) {
		bad["country"] = "A country is two letters, like DE or US."
	}
	if f.Review != "auto" && f.Review != "approve" {
		bad["campaignReview"] = "Choose whether campaigns run at once or after you approve them."
	}
	if len(f.Advertisers) > 200 {
		bad["blockedAdvertisers"] = "At most 200 advertisers."
	}
	for _, a := range f.Advertisers {
		if !advertiserIDPattern.MatchString(a) {
			bad["blockedAdvertisers"] = "“" + a + "” is not an advertiser's id (adv_…)."
			break
		}
	}
	return f, bad
}

func (f listingForm) Request() UpdateListingRequest {
	return UpdateListingRequest{
		BlockedAdvertisers: nonNil(f.Advertisers), CampaignReview: f.Review, Country: f.Country,
		Description: f.Description, Languages: nonNil(f.Languages), Listed: f.Listed, Topics: nonNil(f.Topics),
	}
}

// lowerList is a typed list in lower case.
func lowerList(s string) []string {
	l := splitList(s)
	for i := range l {
		l[i] = strings.ToLower(l[i])
	}
	return l
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// ApproveCampaignRequest is POST /v1/communities/{id}/campaigns/{id}/approve:
// the creative version the owner looked at.
type ApproveCampaignRequest struct {
	CreativeVersion int `json:"creativeVersion,omitempty"`
}

// RejectCampaignRequest is …/reject: why, and the version looked at.
type RejectCampaignRequest struct {
	CreativeVersion int    `json:"creativeVersion,omitempty"`
	Reason          string `json:"reason"`
}

type reviewForm struct {
	CreativeVersion int
	Reason          string
}

// parseReviewForm reads a decision; a rejection needs its reason, one line
// of at most 500 characters.
func parseReviewForm(r *http.Request, reject bool) (reviewForm, fieldErrors) {
	f, bad := reviewForm{CreativeVersion: atoiOr(formValue(r, "creativeVersion"), 0), Reason: formValue(r, "reason")}, fieldErrors{}
	if reject {
		switch {
		case f.Reason == "":
			bad["reason"] = "Say what the advertiser would have to change."
		case len([]rune(f.Reason)) > 500:
			bad["reason"] = "At most 500 characters."
		case strings.ContainsAny(f.Reason, "\r\n"):
			bad["reason"] = "One line, please."
		}
	}
	return f, bad
}

func (f reviewForm) Approve() ApproveCampaignRequest {
	return ApproveCampaignRequest{CreativeVersion: f.CreativeVersion}
}

func (f reviewForm) Reject() RejectCampaignRequest {
	return RejectCampaignRequest(f)
}

// UpdateProfileRequest is PATCH /v1/me: every field is sent, an empty one
// clears it.
type UpdateProfileRequest struct {
	Bio         string   `json:"bio"`
	DisplayName string   `json:"displayName"`
	Links       []string `json:"links"`
	TimeZone    string   `json:"timeZone"`
}

type profileForm struct {
	DisplayName, Bio, TimeZone string
	Links                      []string
}

// parseProfileForm reads a profile: links one a line (or separated by
// spaces), each http(s); a time zone that Go knows by its IANA name.
func parseProfileForm(r *http.Request) (profileForm, fieldErrors) {
	f := profileForm{DisplayName: formValue(r, "displayName"), Bio: formValue(r, "bio"), TimeZone: formValue(r, "timeZone"),
		Links: strings.Fields(r.PostForm.Get("links"))}
	bad := fieldErrors{}
	if len([]rune(f.DisplayName)) > 60 {
		bad["displayName"] = "At most 60 characters."
	}
	if len([]rune(f.Bio)) > 300 {
		bad["bio"] = "At most 300 characters."
	}
	if len(f.Links) > 5 {
		bad["links"] = "At most 5 links."
	}
	for _, l := range f.Links {
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad["links"] = "“" + l + "” is not a web address (https://…)."
			break
		}
	}
	if !validTimeZone(f.TimeZone) {
		bad["timeZone"] = "Choose a time zone from the list."
	}
	return f, bad
}

// validTimeZone is an IANA name Go can load ("" is UTC; Local is the
// server's and never a person's).
func validTimeZone(name string) bool {
	if name == "" {
		return true
	}
	if name == "Local" || len(name) > 64 {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

func (f profileForm) Request() UpdateProfileRequest {
	return UpdateProfileRequest{Bio: f.Bio, DisplayName: f.DisplayName, Links: nonNil(f.Links), TimeZone: f.TimeZone}
}
