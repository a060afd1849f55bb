package accounts

// A person's profile (DESIGN §16): the name others see where the person
// is seen (an influencer on a deal), a short bio, links, and the time
// zone their pages are shown in (the API stays in UTC).
//
//	pk           sk        item
//	USR#<uid>    PROFILE   the profile and its version

import (
	"context"
	"strings"
	"time"
	_ "time/tzdata" // time zones by IANA name wherever the function runs

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/store"
)

// Limits of a profile.
const (
	MaxDisplayNameLen = 60
	MaxBioLen         = 300
	MaxLinks          = 5
)

// Profile is what a person says of themself.
type Profile struct {
	DisplayName string   `json:"displayName"`
	Bio         string   `json:"bio"`
	Links       []string `json:"links"`
	// TimeZone is an IANA name (Europe/Berlin); "" shows pages in UTC.
	TimeZone string `json:"timeZone"`
}

type profileItem struct {
	PK          string   `dynamodbav:"pk"`
	SK          string   `dynamodbav:"sk"`
	DisplayName string   `dynamodbav:"displayName,omitempty"`
	Bio         string   `dynamodbav:"bio,omitempty"`
	Links       []string `dynamodbav:"links,omitempty"`
	TimeZone    string   `dynamodbav:"timeZone,omitempty"`
	Version     int      `dynamodbav:"version"`
	UpdatedAt   string   `dynamodbav:"updatedAt"`
}

const skProfile = "PROFILE"

func (p profileItem) profile() Profile {
	links := p.Links
	if links == nil {
		links = []string{}
	}
	return Profile{DisplayName: p.DisplayName, Bio: p.Bio, Links: links, TimeZone: p.TimeZone}
}

// UpdateProfileInput changes a profile: a field left out is unchanged,
// an empty one is cleared.
type UpdateProfileInput struct {
	DisplayName *string   `json:"displayName"`
	Bio         *string   `json:"bio"`
	Links       *[]string `json:"links"`
	TimeZone    *string   `json:"timeZone"`
}

func (r *Repository) getProfile(ctx context.Context, userID string) (profileItem, error) {
	it, _, err := store.Get[profileItem](ctx, r.db, r.table, userPK(userID), skProfile)
	return it, fault.Wrap("accounts.getProfile", err)
}

// UpdateProfile changes the caller's profile and tells the other
// contexts (PersonUpdated), in one transaction conditioned on the version
// read.
func (s *Service) UpdateProfile(ctx context.Context, p auth.Principal, in UpdateProfileInput) (Profile, error) {
	const op = "accounts.UpdateProfile"
	if err := requireUser(op, p); err != nil {
		return Profile{}, err
	}
	it, err := s.repo.getProfile(ctx, p.UserID)
	if err != nil {
		return Profile{}, err
	}
	var bad fault.Fields
	if in.DisplayName != nil {
		n := strings.TrimSpace(*in.DisplayName)
		if n != "" {
			bad.Add("displayName", input.Name(n, MaxDisplayNameLen))
		}
		it.DisplayName = n
	}
	if in.Bio != nil {
		b := strings.TrimSpace(*in.Bio)
		if b != "" {
			bad.Add("bio", input.Name(b, MaxBioLen))
		}
		it.Bio = b
	}
	if in.Links != nil {
		if len(*in.Links) > MaxLinks {
			bad.Add("links", "at most 5 links")
		} else {
			it.Links = []string{}
			for _, l := range *in.Links {
				if problem := input.URL(l, false); problem != "" {
					bad.Add("links", l+": "+problem)
					break
				}
				it.Links = append(it.Links, l)
			}
		}
	}
	if in.TimeZone != nil {
		tz := strings.TrimSpace(*in.TimeZone)
		if tz != "" {
			if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
				bad.Add("timeZone", "must be an IANA time zone name, like Europe/Berlin or America/New_York, or empty for UTC")
			}
		}
		it.TimeZone = tz
	}
	if err := bad.Err(op, "the profile has invalid fields"); err != nil {
		return Profile{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	was := it.Version
	it.PK, it.SK, it.Version, it.UpdatedAt = userPK(p.UserID), skProfile, was+1, ts(now)
	evt, err := events.OutboxPut(s.repo.outbox, &events.PersonUpdated{UserID: p.UserID, DisplayName: it.DisplayName, Bio: it.Bio, Links: it.Links,
		TimeZone: it.TimeZone, Version: it.Version}, now)
	if err != nil {
		return Profile{}, fault.Wrap(op, err)
	}
	cond := "attribute_not_exists(pk)"
	vals := map[string]types.AttributeValue{}
	if was > 0 {
		cond = "version = :was"
		vals[":was"] = store.N(int64(was))
	}
	put := &types.Put{TableName: aws.String(s.repo.table), Item: mustMarshal(it), ConditionExpression: aws.String(cond)}
	if len(vals) > 0 {
		put.ExpressionAttributeValues = vals
	}
	err = store.NewTx().Add("profile", types.TransactWriteItem{Put: put}).Add("event", evt).Write(ctx, s.repo.db)
	if store.Failed(err, "profile") {
		return Profile{}, fault.New(fault.Conflict, op, "your profile changed meanwhile: read it and try again")
	}
	if err != nil {
		return Profile{}, fault.Wrap(op, err)
	}
	return it.profile(), nil
}
