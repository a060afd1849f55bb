package accounts

import (
	"time"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/money"
)

// Limits on what one owner can create; each is a conditional counter.
const (
	MaxCommunitiesPerUser = 50
	MaxAdvertisersPerUser = 50
	MaxActiveKeys         = 25
)

// Community is a community that sells attention.
type Community struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"ownerId"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"createdAt"`
	// AllowedDomains are the domains the community's pages are on: views
	// and clicks of its ads from pages elsewhere are refused. Empty allows
	// every page.
	AllowedDomains []string `json:"allowedDomains"`
	// Its listing in the directory, and what may run on its pages.
	Listing
}

// Advertiser is an account that buys attention.
type Advertiser struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"ownerId"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"createdAt"`
	// How it pays (DESIGN §15): null when off.
	AutoRecharge    *AutoRecharge `json:"autoRecharge"`
	LowBalanceAlert *BalanceAlert `json:"lowBalanceAlert"`
	// AutoRechargeOff says why auto-recharge was turned off, if it was.
	AutoRechargeOff string `json:"autoRechargeOff,omitempty"`
}

// Account is what an API key belongs to.
type Account struct {
	Kind    string // auth.AccountAdvertiser or auth.AccountCommunity
	ID      string
	OwnerID string
}

// APIKey is an API key as it may be shown (never its secret).
type APIKey struct {
	ID          string     `json:"id"`
	AccountKind string     `json:"accountKind"`
	AccountID   string     `json:"accountId"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Mode        string     `json:"mode"`
	CreatedAt   time.Time  `json:"createdAt"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
}

// Revoke marks the key revoked at now; a revoked key stays revoked.
func (k *APIKey) Revoke(now time.Time) bool {
	if k.RevokedAt != nil {
		return false
	}
	k.RevokedAt = &now
	return true
}

// CanBeManagedBy reports whether a principal may manage an account's keys
// and read it as its owner: only the owning user.
func (a Account) CanBeManagedBy(p auth.Principal) bool {
	return p.Kind == auth.KindUser && p.UserID == a.OwnerID
}

// CanBeReadBy reports whether a principal may read the account: its owner,
// or one of the account's own API keys.
func (a Account) CanBeReadBy(p auth.Principal) bool {
	return a.CanBeManagedBy(p) || (p.Kind == auth.KindClient && p.AccountKind == a.Kind && p.AccountID == a.ID)
}

// MaxNameLen bounds a display name.
const MaxNameLen = 100

// currencyProblem says what is wrong with a currency code, or "".
func currencyProblem(code string) string {
	if code == "" {
		return "is required"
	}
	if !money.IsCurrency(code) {
		return "must be an upper-case ISO 4217 code Souq supports, such as USD"
	}
	return ""
}
