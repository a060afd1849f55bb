package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
)

// DemoUser is a seeded person with a token.
type DemoUser struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// Demo is the seeded data a newcomer uses (DESIGN §9's .souq/local.json).
type Demo struct {
	BaseURL       string              `json:"baseUrl"`
	Users         map[string]DemoUser `json:"users"`
	CommunityID   string              `json:"communityId"`
	AdvertiserID  string              `json:"advertiserId"`
	APIKeys       map[string]string   `json:"apiKeys"`
	StripeMockURL string              `json:"stripeMockUrl,omitempty"`
}

// Demo user ids are fixed so that they read well in examples.
const (
	DemoOwner      = "usr_demo_owner"
	DemoAdvertiser = "usr_demo_advertiser"
	DemoInfluencer = "usr_demo_influencer"
)

func (p *Platform) seed(ctx context.Context) (*Demo, error) {
	d := &Demo{BaseURL: p.BaseURL, Users: map[string]DemoUser{}, APIKeys: map[string]string{}, StripeMockURL: p.StripeMockURL}
	for role, uid := range map[string]string{"owner": DemoOwner, "advertiser": DemoAdvertiser, "influencer": DemoInfluencer} {
		tok, err := p.Tokens.Issue(uid, localTokenTTL)
		if err != nil {
			return nil, err
		}
		d.Users[role] = DemoUser{ID: uid, Token: tok}
	}
	owner := auth.Principal{Kind: auth.KindUser, UserID: DemoOwner}
	advertiser := auth.Principal{Kind: auth.KindUser, UserID: DemoAdvertiser}
	com, err := p.accounts.CreateCommunity(ctx, owner, accounts.CreateCommunityInput{Name: "Gophers Guild", URL: "https://gophers.example", Currency: "USD"})
	if err != nil {
		return nil, err
	}
	adv, err := p.accounts.CreateAdvertiser(ctx, advertiser, accounts.CreateAdvertiserInput{Name: "Acme Ads", Currency: "USD"})
	if err != nil {
		return nil, err
	}
	ck, err := p.accounts.CreateAPIKey(ctx, owner, auth.AccountCommunity, com.ID, accounts.CreateAPIKeyInput{Name: "demo community server"})
	if err != nil {
		return nil, err
	}
	ak, err := p.accounts.CreateAPIKey(ctx, advertiser, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "demo bidding bot"})
	if err != nil {
		return nil, err
	}
	d.CommunityID, d.AdvertiserID = com.ID, adv.ID
	d.APIKeys["community"], d.APIKeys["advertiser"] = ck.Secret, ak.Secret
	return d, nil
}

// writeState writes local.json and a shell file of the same values.
func (p *Platform) writeState(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(p.Demo, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "local.json"), append(b, '\n'), 0o600); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("# Written by `make run`: source it to use the demo credentials in a shell.\n")
	for _, kv := range [][2]string{
		{"SOUQ_URL", p.Demo.BaseURL},
		{"OWNER_TOKEN", p.Demo.Users["owner"].Token},
		{"ADVERTISER_TOKEN", p.Demo.Users["advertiser"].Token},
		{"INFLUENCER_TOKEN", p.Demo.Users["influencer"].Token},
		{"COMMUNITY_ID", p.Demo.CommunityID},
		{"ADVERTISER_ID", p.Demo.AdvertiserID},
		{"COMMUNITY_KEY", p.Demo.APIKeys["community"]},
		{"ADVERTISER_KEY", p.Demo.APIKeys["advertiser"]},
	} {
		fmt.Fprintf(&sb, "export %s=%q\n", kv[0], kv[1])
	}
	return os.WriteFile(filepath.Join(dir, "env"), []byte(sb.String()), 0o600)
}
