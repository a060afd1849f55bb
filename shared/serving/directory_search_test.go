package serving

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
)

func listingsForSearch() []Listing {
	return []Listing{
		{CommunityID: "com_a", Name: "Gophers", Description: "Go programmers", Topics: []string{"golang"}, Languages: []string{"en"}, Country: "DE",
			CreatedAt: "2026-01-01T00:00:00Z", Audience: Audience{ViewableImpressions: 50},
			Slots: []ListedSlot{{SlotID: "slot_1", Width: 300, Height: 250}}},
		{CommunityID: "com_b", Name: "board games", Description: "Dice and cards", Topics: []string{"board-games"}, Languages: []string{"de", "en"}, Country: "AT",
			CreatedAt: "2026-03-01T00:00:00Z", Audience: Audience{ViewableImpressions: 500},
			Slots: []ListedSlot{{SlotID: "slot_2", Width: 728, Height: 90}}},
		{CommunityID: "com_c", Name: "Rustaceans", Description: "Systems people who like GOLANG too", Topics: []string{"rust"}, Languages: []string{"en"},
			CreatedAt: "2026-02-01T00:00:00Z", Audience: Audience{ViewableImpressions: 500}},
	}
}

func ids(ls []Listing) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.CommunityID)
	}
	return out
}

func TestDirectorySearch_FiltersAndSorts(t *testing.T) {
	s := newSnapshot(listingsForSearch(), time.Now())
	for name, c := range map[string]struct {
		q    DirectoryQuery
		want []string
	}{
		"audience, ties by id": {DirectoryQuery{}, []string{"com_b", "com_c", "com_a"}},
		"name, case-blind":     {DirectoryQuery{Sort: SortName}, []string{"com_b", "com_a", "com_c"}},
		"newest first":         {DirectoryQuery{Sort: SortNew}, []string{"com_b", "com_c", "com_a"}},
		"q in a description":   {DirectoryQuery{Q: "golang"}, []string{"com_c", "com_a"}},
		"q in a name":          {DirectoryQuery{Q: "BOARD"}, []string{"com_b"}},
		"topic":                {DirectoryQuery{Topic: "golang"}, []string{"com_a"}},
		"language":             {DirectoryQuery{Language: "de"}, []string{"com_b"}},
		"country":              {DirectoryQuery{Country: "DE"}, []string{"com_a"}},
		"size":                 {DirectoryQuery{Width: 728, Height: 90}, []string{"com_b"}},
		"nothing":              {DirectoryQuery{Q: "knitting"}, []string{}},
	} {
		got, next := s.search(c.q)
		if !slices.Equal(ids(got), c.want) || next != "" {
			t.Errorf("%s: %v (next %q), want %v", name, ids(got), next, c.want)
		}
	}
}

// Pages of one walk the whole order once, in every sort.
func TestDirectorySearch_CursorWalksEveryPageOnce(t *testing.T) {
	var ls []Listing
	for i := 0; i < 47; i++ {
		ls = append(ls, Listing{CommunityID: fmt.Sprintf("com_%03d", i), Name: fmt.Sprintf("n%d", i%7), CreatedAt: fmt.Sprintf("2026-01-%02dT00:00:00Z", 1+i%5),
			Audience: Audience{ViewableImpressions: int64(i % 3)}})
	}
	s := newSnapshot(ls, time.Now())
	for _, sort := range []string{SortAudience, SortName, SortNew} {
		var seen []string
		q := DirectoryQuery{Sort: sort, Limit: 10}
		for page := 0; page < 10; page++ {
			got, next := s.search(q)
			seen = append(seen, ids(got)...)
			if next == "" {
				break
			}
			c, ok := decodeDirectoryCursor(next)
			if !ok {
				t.Fatal(next)
			}
			q.After = &c
		}
		all, _ := s.search(DirectoryQuery{Sort: sort, Limit: 100})
		if !slices.Equal(seen, ids(all)) {
			t.Fatalf("%s: pages %v, want %v", sort, seen, ids(all))
		}
	}
}

func TestParseDirectoryQuery_NamesEveryBadParameter(t *testing.T) {
	_, err := parseDirectoryQuery(map[string]string{"q": "go", "tpoic": "x", "language": "eng", "country": "Germany", "size": "300-250",
		"sort": "best", "limit": "0", "cursor": "zz"})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Invalid {
		t.Fatalf("%v", err)
	}
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"tpoic", "language", "country", "size", "sort", "limit", "cursor"}
	slices.Sort(fields)
	slices.Sort(want)
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
	q, err := parseDirectoryQuery(map[string]string{"topic": "Board-Games", "language": "EN", "country": "de", "size": "300x250", "sort": "name", "limit": "5"})
	if err != nil || q.Topic != "board-games" || q.Language != "en" || q.Country != "DE" || q.Width != 300 || q.Height != 250 || q.Limit != 5 {
		t.Fatalf("%+v %v", q, err)
	}
}

type countingSource struct{ loads int }

func (c *countingSource) DirectoryListings(context.Context, time.Time) ([]Listing, error) {
	c.loads++
	return listingsForSearch(), nil
}

// The listing is read once per DirectoryRefresh, not per request, and
// a stale one is answered while the next loads.
func TestDirectory_ReadsTheStoreOncePerRefresh(t *testing.T) {
	src := &countingSource{}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := NewDirectory(src, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	for i := 0; i < 100; i++ {
		if _, _, err := d.Search(context.Background(), DirectoryQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(DirectoryRefresh)
	if _, ok, _ := d.Listed(context.Background(), "com_a"); !ok { // the old listing, while the new one loads
		t.Fatal("com_a not listed")
	}
	d.load.Lock() // held by the load under way until it is done
	defer d.load.Unlock()
	if src.loads != 2 {
		t.Fatalf("%d loads, want 2", src.loads)
	}
}

func TestEncodeDays_RoundTrips(t *testing.T) {
	days := []AudienceDay{{Day: "2026-11-30", ViewableImpressions: 12, Clicks: 1, DistinctViewers: 5}, {Day: "2026-12-01", ViewableImpressions: 0, Clicks: 0, DistinctViewers: 0}}
	if got := decodeDays(encodeDays(days)); !slices.Equal(got, days) {
		t.Fatalf("%+v", got)
	}
	if got := decodeDays("2026-11-30 1 2;garbage;2026-12-01 x 1 1"); len(got) != 0 {
		t.Fatalf("unreadable days read: %+v", got)
	}
}
