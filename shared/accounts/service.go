package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
	"github.com/souqhq/souq/shared/input"
	"github.com/souqhq/souq/shared/ledger"
	"github.com/souqhq/souq/shared/payments"
)

// Service is the accounts use cases.
type Service struct {
	repo  *Repository
	clock clock.Clock
	// LiveMode makes new API keys sk_live_ (production); sk_test_ otherwise.
	liveMode bool
	ledger   *ledger.Ledger
	events   *events.Mux
	// Money in (DESIGN §15): Stripe, its events' secrets, the console's
	// address (Checkout's return), and the smallest deposit.
	pay        payments.Gateway
	webhook    payments.Webhook
	publicURL  string
	minDeposit int64
	// members hears Stripe's word on memberships' payments and members'
	// new cards (memberships runs in this function).
	members MembershipHook
}

// MoneyConfig configures money in.
type MoneyConfig struct {
	PublicURL string
	// MinDeposit is the smallest deposit (minor units); 0 is
	// DefaultMinDeposit.
	MinDeposit int64
	// WebhookSecrets verify Stripe's events (more than one while rotating).
	WebhookSecrets []string
}

// WithMoney gives the service the ledger and Stripe that deposits, cards,
// refunds, disputes, balances and statements need. pay may be nil (no
// Stripe configured): money routes then answer 503.
func (s *Service) WithMoney(l *ledger.Ledger, pay payments.Gateway, cfg MoneyConfig) *Service {
	s.ledger, s.pay = l, pay
	s.publicURL, s.minDeposit = cfg.PublicURL, cfg.MinDeposit
	if s.minDeposit <= 0 {
		s.minDeposit = DefaultMinDeposit
	}
	s.webhook = payments.Webhook{Secrets: cfg.WebhookSecrets}
	return s
}

// NewService wires the service.
func NewService(repo *Repository, c clock.Clock, liveMode bool) *Service {
	s := &Service{repo: repo, clock: c, liveMode: liveMode, events: events.NewMux("accounts")}
	events.On(s.events, s.campaignReported)
	events.On(s.events, s.ledgerPosted)
	return s
}

// CreateCommunityInput is what an owner sends to create a community.
//
// Its fields are checked together by the service (every bad field is
// named at once), not by tags that would stop at the first.
type CreateCommunityInput struct {
	Name     string `json:"name"`
	URL      string `json:"url"`
	Currency string `json:"currency"`
}

// CreateAdvertiserInput is what a person sends to create an advertiser.
type CreateAdvertiserInput struct {
	Name     string `json:"name"`
	Currency string `json:"currency"`
}

// CreateAPIKeyInput names a new API key.
type CreateAPIKeyInput struct {
	Name string `json:"name"`
}

func requireUser(op string, p auth.Principal) error {
	if p.Kind != auth.KindUser {
		return fault.New(fault.Forbidden, op, "only a person (with a user token) can do this")
	}
	return nil
}

// CreateCommunity creates a community owned by the calling user.
func (s *Service) CreateCommunity(ctx context.Context, p auth.Principal, in CreateCommunityInput) (Community, error) {
	const op = "accounts.CreateCommunity"
	if err := requireUser(op, p); err != nil {
		return Community{}, err
	}
	var bad fault.Fields
	bad.Add("name", input.Name(in.Name, MaxNameLen))
	bad.Add("url", input.URL(in.URL, false))
	bad.Add("currency", currencyProblem(in.Currency))
	if err := bad.Err(op, "the community has invalid fields"); err != nil {
		return Community{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	c := Community{ID: id.New("com", now), OwnerID: p.UserID, Name: in.Name, URL: in.URL, Currency: in.Currency, CreatedAt: now, AllowedDomains: []string{},
		Listing: Listing{Topics: []string{}, Languages: []string{}, BlockedAdvertisers: []string{}, CampaignReview: ReviewAuto}}
	evt, err := events.OutboxPut(s.repo.outbox, &events.CommunityCreated{CommunityID: c.ID, OwnerID: c.OwnerID, Currency: c.Currency, URL: c.URL, Name: c.Name}, now)
	if err != nil {
		return Community{}, fault.Wrap(op, err)
	}
	it := accountItem{PK: accountPK(auth.AccountCommunity, c.ID), SK: skMeta, Kind: auth.AccountCommunity, ID: c.ID,
		OwnerID: c.OwnerID, Name: c.Name, URL: c.URL, Currency: c.Currency, CreatedAt: ts(now)}
	if err := s.repo.insertAccount(ctx, it, "communities", MaxCommunitiesPerUser, evt); err != nil {
		return Community{}, err
	}
	return c, nil
}

// CreateAdvertiser creates an advertiser account owned by the calling user.
func (s *Service) CreateAdvertiser(ctx context.Context, p auth.Principal, in CreateAdvertiserInput) (Advertiser, error) {
	const op = "accounts.CreateAdvertiser"
	if err := requireUser(op, p); err != nil {
		return Advertiser{}, err
	}
	var bad fault.Fields
	bad.Add("name", input.Name(in.Name, MaxNameLen))
	bad.Add("currency", currencyProblem(in.Currency))
	if err := bad.Err(op, "the advertiser has invalid fields"); err != nil {
		return Advertiser{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	a := Advertiser{ID: id.New("adv", now), OwnerID: p.UserID, Name: in.Name, Currency: in.Currency, CreatedAt: now}
	evt, err := events.OutboxPut(s.repo.outbox, &events.AdvertiserCreated{AdvertiserID: a.ID, OwnerID: a.OwnerID, Currency: a.Currency, Name: a.Name}, now)
	if err != nil {
		return Advertiser{}, fault.Wrap(op, err)
	}
	it := accountItem{PK: accountPK(auth.AccountAdvertiser, a.ID), SK: skMeta, Kind: auth.AccountAdvertiser, ID: a.ID,
		OwnerID: a.OwnerID, Name: a.Name, Currency: a.Currency, CreatedAt: ts(now)}
	if err := s.repo.insertAccount(ctx, it, "advertisers", MaxAdvertisersPerUser, evt); err != nil {
		return Advertiser{}, err
	}
	return a, nil
}

// notFound is what a principal that may not see an object gets: the same
// answer as for an object that does not exist, so ids cannot be probed.
func notFound(op, kind string) error { return fault.New(fault.NotFound, op, "no such "+kind) }

// account loads an account the principal may read.
func (s *Service) account(ctx context.Context, op string, p auth.Principal, kind, accountID string) (accountItem, error) {
	prefix := "com"
	if kind == auth.AccountAdvertiser {
		prefix = "adv"
	}
	if !id.HasPrefix(accountID, prefix) {
		return accountItem{}, notFound(op, kind)
	}
	it, err := s.repo.getAccount(ctx, kind, accountID)
	if err != nil {
		return accountItem{}, err
	}
	if !(Account{Kind: kind, ID: it.ID, OwnerID: it.OwnerID}).CanBeReadBy(p) {
		return accountItem{}, notFound(op, kind)
	}
	return it, nil
}

// managed loads an account the principal may manage (its owning user).
func (s *Service) managed(ctx context.Context, op string, p auth.Principal, kind, accountID string) (Account, error) {
	it, err := s.account(ctx, op, p, kind, accountID)
	if err != nil {
		return Account{}, err
	}
	a := Account{Kind: kind, ID: it.ID, OwnerID: it.OwnerID}
	if !a.CanBeManagedBy(p) {
		return Account{}, notFound(op, kind)
	}
	return a, nil
}

// GetCommunity reads a community its owner (or its own API key) may see.
func (s *Service) GetCommunity(ctx context.Context, p auth.Principal, communityID string) (Community, error) {
	it, err := s.account(ctx, "accounts.GetCommunity", p, auth.AccountCommunity, communityID)
	if err != nil {
		return Community{}, err
	}
	return communityOf(it), nil
}

// FindCommunity reads a community for anyone (what is public of it:
// memberships sell its tiers to all); a 404 when there is none.
func (s *Service) FindCommunity(ctx context.Context, communityID string) (Community, error) {
	if !id.HasPrefix(communityID, "com") {
		return Community{}, notFound("accounts.FindCommunity", auth.AccountCommunity)
	}
	it, err := s.repo.getAccount(ctx, auth.AccountCommunity, communityID)
	if err != nil {
		return Community{}, err
	}
	return communityOf(it), nil
}

func communityOf(it accountItem) Community {
	domains := it.AllowedDomains
	if domains == nil {
		domains = []string{}
	}
	l := it.Listing
	l.Topics, l.Languages, l.BlockedAdvertisers = nonNil(l.Topics), nonNil(l.Languages), nonNil(l.BlockedAdvertisers)
	if l.CampaignReview == "" {
		l.CampaignReview = ReviewAuto
	}
	return Community{ID: it.ID, OwnerID: it.OwnerID, Name: it.Name, URL: it.URL, Currency: it.Currency, CreatedAt: parseTS(it.CreatedAt), AllowedDomains: domains, Listing: l}
}

// UpdateCommunityInput is what an owner may change of a community: a
// field left out is unchanged.
type UpdateCommunityInput struct {
	// AllowedDomains replaces the allowlist; an empty list allows every page.
	AllowedDomains *[]string `json:"allowedDomains"`
	// The directory's listing (DESIGN §16): listed needs a description.
	Listed      *bool     `json:"listed"`
	Description *string   `json:"description"`
	Topics      *[]string `json:"topics"`
	Languages   *[]string `json:"languages"`
	Country     *string   `json:"country"`
	// What runs on its pages: "auto" or "approve" (campaigns only after
	// the owner approved their creative), and advertisers that never run.
	CampaignReview     *string   `json:"campaignReview"`
	BlockedAdvertisers *[]string `json:"blockedAdvertisers"`
}

// Limits of a listing.
const (
	MaxAllowedDomains     = 20
	MaxDescriptionLen     = 500
	MaxTopics             = 10
	MaxLanguages          = 5
	MaxBlockedAdvertisers = 200
)

// Campaign review modes.
const (
	ReviewAuto    = "auto"
	ReviewApprove = "approve"
)

var (
	topicPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2}$`)
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// UpdateCommunity changes a community's settings (its owner only) and
// tells the other contexts, in one transaction. Every bad field is named
// at once, and nothing changes.
func (s *Service) UpdateCommunity(ctx context.Context, p auth.Principal, communityID string, in UpdateCommunityInput) (Community, error) {
	const op = "accounts.UpdateCommunity"
	if _, err := s.managed(ctx, op, p, auth.AccountCommunity, communityID); err != nil {
		return Community{}, err
	}
	if in == (UpdateCommunityInput{}) {
		return Community{}, fault.InvalidFields(op, "nothing to change", fault.FieldError{Field: "allowedDomains",
			Message: "send at least one of allowedDomains, listed, description, topics, languages, country, campaignReview, blockedAdvertisers"})
	}
	it, err := s.repo.getAccount(ctx, auth.AccountCommunity, communityID)
	if err != nil {
		return Community{}, err
	}
	var bad fault.Fields
	if in.AllowedDomains != nil {
		domains, problem := normalizeDomains(*in.AllowedDomains)
		bad.Add("allowedDomains", problem)
		it.AllowedDomains = domains
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if d != "" {
			bad.Add("description", input.Name(d, MaxDescriptionLen))
		}
		it.Description = d
	}
	if in.Topics != nil {
		topics, problem := normalizeWords(*in.Topics, MaxTopics, topicPattern, strings.ToLower, "topics are lower-case words of letters, digits and dashes (at most 32), like golang or board-games")
		bad.Add("topics", problem)
		it.Topics = topics
	}
	if in.Languages != nil {
		langs, problem := normalizeWords(*in.Languages, MaxLanguages, languagePattern, strings.ToLower, "languages are two-letter ISO 639-1 codes, like en or de")
		bad.Add("languages", problem)
		it.Languages = langs
	}
	if in.Country != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.Country))
		if c != "" && !countryPattern.MatchString(c) {
			bad.Add("country", "must be a two-letter ISO 3166 country code, like DE, or empty")
		}
		it.Country = c
	}
	if in.CampaignReview != nil {
		switch *in.CampaignReview {
		case ReviewAuto, ReviewApprove:
			it.CampaignReview = *in.CampaignReview
		default:
			bad.Add("campaignReview", "must be auto (campaigns that fit run at once) or approve (only after you approve their creative)")
		}
	}
	if in.BlockedAdvertisers != nil {
		blocked, problem := normalizeWords(*in.BlockedAdvertisers, MaxBlockedAdvertisers, advertiserPattern, strings.TrimSpace, "each must be an advertiser id, adv_…")
		bad.Add("blockedAdvertisers", problem)
		it.BlockedAdvertisers = blocked
	}
	if in.Listed != nil {
		it.Listed = *in.Listed
	}
	if it.Listed && it.Description == "" {
		bad.Add("description", "is required to be listed in the directory: say in a sentence or two what the community is about")
	}
	if err := bad.Err(op, "the community has invalid fields"); err != nil {
		return Community{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	version := it.SettingsVersion
	evt, err := events.OutboxPut(s.repo.outbox, &events.CommunityUpdated{CommunityID: it.ID, OwnerID: it.OwnerID, AllowedDomains: nonNil(it.AllowedDomains),
		Version: version + 1, Name: it.Name, Listed: it.Listed, Description: it.Description, Topics: it.Topics, Languages: it.Languages,
		Country: it.Country, CampaignReview: it.CampaignReview, BlockedAdvertisers: it.BlockedAdvertisers}, now)
	if err != nil {
		return Community{}, fault.Wrap(op, err)
	}
	if err := s.repo.updateSettings(ctx, it, version, evt); err != nil {
		return Community{}, err
	}
	it.SettingsVersion = version + 1
	return communityOf(it), nil
}

var advertiserPattern = regexp.MustCompile(`^adv_[a-z0-9]{10,40}$`)

// normalizeWords checks a list of short words: each matching pattern
// once normalized, at most max, duplicates dropped, order kept.
func normalizeWords(in []string, max int, pattern *regexp.Regexp, norm func(string) string, rule string) ([]string, string) {
	if len(in) > max {
		return nil, fmt.Sprintf("at most %d", max)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, w := range in {
		w = norm(strings.TrimSpace(w))
		if !pattern.MatchString(w) {
			return nil, fmt.Sprintf("%q: %s", w, rule)
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out, ""
}

// normalizeDomains checks an allowlist: each a host name (lower case, no
// scheme, port or path, punycode for others than ASCII), at most
// MaxAllowedDomains, duplicates dropped.
func normalizeDomains(in []string) ([]string, string) {
	if len(in) > MaxAllowedDomains {
		return nil, fmt.Sprintf("at most %d domains", MaxAllowedDomains)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if !hostName(d) {
			return nil, fmt.Sprintf("%q is not a domain: write host names like news.example.org, without https:// or a path", d)
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, ""
}

func hostName(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	last := d[strings.LastIndex(d, ".")+1:]
	return last[0] < '0' || last[0] > '9' // not an IP address
}

// GetAdvertiser reads an advertiser its owner (or its own API key) may see.
func (s *Service) GetAdvertiser(ctx context.Context, p auth.Principal, advertiserID string) (Advertiser, error) {
	it, err := s.account(ctx, "accounts.GetAdvertiser", p, auth.AccountAdvertiser, advertiserID)
	if err != nil {
		return Advertiser{}, err
	}
	a := Advertiser{ID: it.ID, OwnerID: it.OwnerID, Name: it.Name, Currency: it.Currency, CreatedAt: parseTS(it.CreatedAt)}
	prof, _, err := s.repo.getPayer(ctx, PayerAdvertiser+":"+it.ID)
	if err != nil {
		return Advertiser{}, err
	}
	prof.Currency = it.Currency
	m := prof.settings()
	a.AutoRecharge, a.LowBalanceAlert, a.AutoRechargeOff = m.AutoRecharge, m.LowBalanceAlert, m.AutoRechargeOff
	return a, nil
}

// Owned is one account in a user's list.
type Owned struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Me is the calling user, its profile and what it owns.
type Me struct {
	UserID      string  `json:"userId"`
	Communities []Owned `json:"communities"`
	Advertisers []Owned `json:"advertisers"`
	Profile
}

// WhoAmI lists the accounts the calling user owns.
func (s *Service) WhoAmI(ctx context.Context, p auth.Principal) (Me, error) {
	const op = "accounts.WhoAmI"
	if err := requireUser(op, p); err != nil {
		return Me{}, err
	}
	items, err := s.repo.listOwned(ctx, p.UserID)
	if err != nil {
		return Me{}, err
	}
	prof, err := s.repo.getProfile(ctx, p.UserID)
	if err != nil {
		return Me{}, err
	}
	me := Me{UserID: p.UserID, Communities: []Owned{}, Advertisers: []Owned{}, Profile: prof.profile()}
	for _, it := range items {
		o := Owned{ID: it.ID, Name: it.Name, CreatedAt: parseTS(it.CreatedAt)}
		if it.Kind == auth.AccountCommunity {
			me.Communities = append(me.Communities, o)
		} else {
			me.Advertisers = append(me.Advertisers, o)
		}
	}
	return me, nil
}

// CreatedAPIKey is a new key with its secret, shown this once.
type CreatedAPIKey struct {
	APIKey
	Secret string `json:"secret"`
}

// CreateAPIKey issues a key for an account the caller owns.
func (s *Service) CreateAPIKey(ctx context.Context, p auth.Principal, kind, accountID string, in CreateAPIKeyInput) (CreatedAPIKey, error) {
	const op = "accounts.CreateAPIKey"
	if err := requireUser(op, p); err != nil {
		return CreatedAPIKey{}, err
	}
	var bad fault.Fields
	bad.Add("name", input.Name(in.Name, MaxNameLen))
	if err := bad.Err(op, "the API key has invalid fields"); err != nil {
		return CreatedAPIKey{}, err
	}
	acct, err := s.managed(ctx, op, p, kind, accountID)
	if err != nil {
		return CreatedAPIKey{}, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	secret := auth.NewAPIKeySecret(s.liveMode)
	mode := "test"
	if s.liveMode {
		mode = "live"
	}
	k := keyItem{PK: accountPK(kind, acct.ID), ID: id.New("key", now), AccountKind: kind, AccountID: acct.ID,
		Name: in.Name, Prefix: auth.DisplayPrefix(secret), Mode: mode, Hash: auth.HashAPIKey(secret), CreatedAt: ts(now)}
	k.SK = "KEY#" + k.ID
	evt, err := events.OutboxPut(s.repo.outbox, &events.APIKeyCreated{KeyID: k.ID, AccountKind: kind, AccountID: acct.ID, OwnerID: acct.OwnerID}, now)
	if err != nil {
		return CreatedAPIKey{}, fault.Wrap(op, err)
	}
	if err := s.repo.insertKey(ctx, acct, k, evt); err != nil {
		return CreatedAPIKey{}, err
	}
	return CreatedAPIKey{APIKey: k.toAPIKey(), Secret: secret}, nil
}

// ListAPIKeys pages through an owned account's keys (never their secrets).
func (s *Service) ListAPIKeys(ctx context.Context, p auth.Principal, kind, accountID string, limit int, cursor string) ([]APIKey, string, error) {
	const op = "accounts.ListAPIKeys"
	acct, err := s.managed(ctx, op, p, kind, accountID)
	if err != nil {
		return nil, "", err
	}
	items, next, err := s.repo.listKeys(ctx, acct, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]APIKey, 0, len(items))
	for _, it := range items {
		out = append(out, it.toAPIKey())
	}
	return out, next, nil
}

// RevokeAPIKey revokes a key; revoking a revoked key changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, p auth.Principal, kind, accountID, keyID string) error {
	const op = "accounts.RevokeAPIKey"
	acct, err := s.managed(ctx, op, p, kind, accountID)
	if err != nil {
		return err
	}
	if !id.HasPrefix(keyID, "key") {
		return notFound(op, "API key")
	}
	k, err := s.repo.getKey(ctx, acct, keyID)
	if err != nil {
		return err
	}
	if k.RevokedAt != "" {
		return nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	evt, err := events.OutboxPut(s.repo.outbox, &events.APIKeyRevoked{KeyID: k.ID, AccountKind: kind, AccountID: acct.ID, OwnerID: acct.OwnerID}, now)
	if err != nil {
		return fault.Wrap(op, err)
	}
	_, err = s.repo.revokeKey(ctx, acct, k, now, evt)
	return err
}
