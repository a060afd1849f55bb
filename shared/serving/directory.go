package serving

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/souqhq/souq/shared/money"
)

// The directory (DESIGN §16): the listed communities, what they sell and
// their measured audience, searched in memory. Each instance keeps the
// whole listing (one Query of the DIRECTORY partition), reloads it in the
// background once it is DirectoryRefresh old, and filters it per request
// (each sort order is kept sorted), so a request reads nothing: with a
// thousand listed communities a query is a scan of a thousand small
// structs. A listing change or a new figure reaches the directory within
// DirectoryRefresh and one load of its rollup.

// DirectoryRefresh bounds how old an instance's listing may be.
const DirectoryRefresh = 5 * time.Second

// Listing is a listed community as the directory shows it.
type Listing struct {
	CommunityID string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Topics      []string `json:"topics"`
	Languages   []string `json:"languages"`
	Country     string   `json:"country,omitempty"`
	URL         string   `json:"url,omitempty"`
	// CreatedAt is when the community was created (sort=new).
	CreatedAt string `json:"createdAt,omitempty"`
	// Slots are the community's slots that are not archived.
	Slots []ListedSlot `json:"slots"`
	// TakesCampaigns is whether any of its slots takes campaigns.
	TakesCampaigns bool `json:"takesCampaigns"`
	// Tiers are the membership tiers it has on sale (DESIGN §17), oldest
	// first.
	Tiers []ListedTier `json:"tiers"`
	// Audience is measured over the last AudienceWindow UTC days.
	Audience Audience `json:"audience"`
}

// ListedTier is one membership tier on sale.
type ListedTier struct {
	TierID    string        `json:"tierId"`
	Name      string        `json:"name"`
	Benefits  []string      `json:"benefits"`
	Prices    []ListedPrice `json:"prices"`
	TrialDays int           `json:"trialDays"`
}

// ListedPrice is a tier's price for an interval.
type ListedPrice struct {
	Interval string       `json:"interval"`
	Amount   money.Amount `json:"amount"`
}

// ListedSlot is what one slot sells.
type ListedSlot struct {
	SlotID         string `json:"slotId"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	Currency       string `json:"currency"`
	TakesCampaigns bool   `json:"takesCampaigns"`
	// FloorCPM is the least a campaign pays per thousand viewable
	// impressions there, when it takes campaigns.
	FloorCPM *money.Amount `json:"floorCpm,omitempty"`
}

// DirectorySource reads the listed communities.
type DirectorySource interface {
	DirectoryListings(ctx context.Context, now time.Time) ([]Listing, error)
}

// The directory's sort orders.
const (
	SortAudience = "audience" // most viewable impressions first
	SortName     = "name"     // by name, A to Z
	SortNew      = "new"      // newest community first
)

// DirectoryQuery is a search of the directory (every field optional).
type DirectoryQuery struct {
	Q, Topic, Language, Country string
	Width, Height               int
	Sort                        string
	Limit                       int
	After                       *directoryCursor
}

// directoryCursor is where a page ended: the last entry's sort keys.
type directoryCursor struct {
	Sort        string `json:"s"`
	Impressions int64  `json:"i,omitempty"`
	Name        string `json:"n,omitempty"`
	CreatedAt   string `json:"c,omitempty"`
	ID          string `json:"id"`
}

func (c directoryCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDirectoryCursor(s string) (directoryCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return directoryCursor{}, false
	}
	var c directoryCursor
	if json.Unmarshal(b, &c) != nil || c.ID == "" {
		return directoryCursor{}, false
	}
	return c, true
}

// listed is a listing with what a search compares, lower-cased once.
type listed struct {
	Listing
	text      string // name, description and topics
	lowerName string
}

func cursorOf(l listed, sort string) directoryCursor {
	c := directoryCursor{Sort: sort, ID: l.CommunityID}
	switch sort {
	case SortName:
		c.Name = l.lowerName
	case SortNew:
		c.CreatedAt = l.CreatedAt
	default:
		c.Impressions = l.Audience.ViewableImpressions
	}
	return c
}

// compareCursors orders entries by a sort, ties by id.
func compareCursors(a, b directoryCursor) int {
	var c int
	switch a.Sort {
	case SortName:
		c = strings.Compare(a.Name, b.Name)
	case SortNew:
		c = strings.Compare(b.CreatedAt, a.CreatedAt)
	default:
		c = cmp.Compare(b.Impressions, a.Impressions)
	}
	if c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// snapshot is one instance's listing, sorted in each order.
type snapshot struct {
	at     time.Time
	byID   map[string]*listed
	orders map[string][]*listed
}

func newSnapshot(ls []Listing, at time.Time) *snapshot {
	s := &snapshot{at: at, byID: make(map[string]*listed, len(ls)), orders: map[string][]*listed{}}
	all := make([]*listed, 0, len(ls))
	for _, l := range ls {
		e := &listed{Listing: l, lowerName: strings.ToLower(l.Name),
			text: strings.ToLower(l.Name + "\x00" + l.Description + "\x00" + strings.Join(l.Topics, "\x00"))}
		all = append(all, e)
		s.byID[l.CommunityID] = e
	}
	for _, order := range []string{SortAudience, SortName, SortNew} {
		o := slices.Clone(all)
		slices.SortFunc(o, func(a, b *listed) int { return compareCursors(cursorOf(*a, order), cursorOf(*b, order)) })
		s.orders[order] = o
	}
	return s
}

// Search is one page of the listings that match q, and the cursor of the
// next ("" at the end).
func (s *snapshot) search(q DirectoryQuery) ([]Listing, string) {
	sort := cmp.Or(q.Sort, SortAudience)
	order := s.orders[sort]
	start := 0
	if q.After != nil {
		after := *q.After
		after.Sort = sort
		start, _ = slices.BinarySearchFunc(order, after, func(e *listed, c directoryCursor) int {
			if r := compareCursors(cursorOf(*e, sort), c); r != 0 {
				return r
			}
			return -1 // the cursor's own entry is before its next page
		})
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	out := make([]Listing, 0, min(limit, len(order)))
	needle := strings.ToLower(q.Q)
	for i := start; i < len(order); i++ {
		e := order[i]
		if !e.matches(q, needle) {
			continue
		}
		if len(out) == limit {
			return out, cursorOf(*order[i-1], sort).encode()
		}
		out = append(out, e.Listing)
	}
	return out, ""
}

func (e *listed) matches(q DirectoryQuery, needle string) bool {
	switch {
	case needle != "" && !strings.Contains(e.text, needle):
		return false
	case q.Topic != "" && !slices.Contains(e.Topics, q.Topic):
		return false
	case q.Language != "" && !slices.Contains(e.Languages, q.Language):
		return false
	case q.Country != "" && e.Country != q.Country:
		return false
	case q.Width > 0 && !slices.ContainsFunc(e.Slots, func(s ListedSlot) bool { return s.Width == q.Width && s.Height == q.Height }):
		return false
	}
	return true
}

// Directory is an instance's cached directory.
type Directory struct {
	src  DirectorySource
	now  func() time.Time
	log  *slog.Logger
	snap atomic.Pointer[snapshot]
	load sync.Mutex // held by the one load under way
}

// NewDirectory is a directory over src, refreshed every DirectoryRefresh
// by the clock now; a failed refresh is logged to log.
func NewDirectory(src DirectorySource, now func() time.Time, log *slog.Logger) *Directory {
	return &Directory{src: src, now: now, log: log}
}

// refreshTimeout bounds one background load of the listing.
const refreshTimeout = 10 * time.Second

// current is the instance's listing. A listing older than
// DirectoryRefresh is still answered, while one request's background load
// (at most one at a time per instance) replaces it: no request but an
// instance's first waits for the store. So a listing is at most
// DirectoryRefresh plus one load old (a Lambda frozen between requests
// finishes its load on the next one).
func (d *Directory) current(ctx context.Context) (*snapshot, error) {
	now := d.now()
	s := d.snap.Load()
	if s != nil {
		if (now.Sub(s.at) >= DirectoryRefresh || now.Before(s.at)) && d.load.TryLock() {
			go func() {
				defer d.load.Unlock()
				lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
				defer cancel()
				if _, err := d.reload(lctx, now); err != nil {
					d.log.Warn("directory refresh failed; the last listing is answered", "error", err.Error())
				}
			}()
		}
		return s, nil
	}
	d.load.Lock()
	defer d.load.Unlock()
	if s := d.snap.Load(); s != nil {
		return s, nil // another request loaded it meanwhile
	}
	return d.reload(ctx, now)
}

func (d *Directory) reload(ctx context.Context, now time.Time) (*snapshot, error) {
	ls, err := d.src.DirectoryListings(ctx, now)
	if err != nil {
		return nil, err
	}
	n := newSnapshot(ls, now)
	d.snap.Store(n)
	return n, nil
}

// Search answers a directory query.
func (d *Directory) Search(ctx context.Context, q DirectoryQuery) ([]Listing, string, error) {
	s, err := d.current(ctx)
	if err != nil {
		return nil, "", err
	}
	out, next := s.search(q)
	return out, next, nil
}

// Listed is one listed community; found is false for one not listed.
func (d *Directory) Listed(ctx context.Context, communityID string) (Listing, bool, error) {
	s, err := d.current(ctx)
	if err != nil {
		return Listing{}, false, err
	}
	l, ok := s.byID[communityID]
	if !ok {
		return Listing{}, false, nil
	}
	return l.Listing, true, nil
}
