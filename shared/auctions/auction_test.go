package auctions

import (
	"testing"
	"time"

	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/money"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func usd(m int64) money.Amount { return money.Amount{Minor: m, Currency: "USD"} }

func bid(id string, amount int64, at int) Bid {
	return Bid{ID: id, Amount: usd(amount), PlacedAt: now.Add(time.Duration(at) * time.Second)}
}

func auction(format Format, reserve int64) Auction {
	return Auction{ID: "auc_1", Status: Open, Reserve: usd(reserve), Format: format, ClosesAt: now.Add(time.Hour),
		Flight: Flight{Start: now.Add(2 * time.Hour), End: now.Add(26 * time.Hour)}}
}

func TestClose_PriceRules(t *testing.T) {
	cases := []struct {
		name    string
		format  Format
		reserve int64
		top     []Bid
		winner  string
		price   int64
	}{
		{"second price pays the reserve when only one bid", SecondPrice, 500, []Bid{bid("a", 900, 0)}, "a", 500},
		{"second price pays the runner-up", SecondPrice, 500, []Bid{bid("a", 900, 0), bid("b", 700, 1)}, "a", 700},
		{"second price pays the reserve when the runner-up is below it", SecondPrice, 500, []Bid{bid("a", 900, 0), bid("b", 300, 1)}, "a", 500},
		{"a tie goes to the earliest bid at the tied price", SecondPrice, 100, []Bid{bid("early", 800, 0), bid("late", 800, 5)}, "early", 800},
		{"first price pays the winner's bid", FirstPrice, 500, []Bid{bid("a", 900, 0), bid("b", 700, 1)}, "a", 900},
		{"a bid exactly at the reserve wins", SecondPrice, 500, []Bid{bid("a", 500, 0)}, "a", 500},
		{"no bid meets the reserve", SecondPrice, 1000, []Bid{bid("a", 900, 0), bid("b", 700, 1)}, "", 0},
		{"no bids at all", FirstPrice, 0, nil, "", 0},
		{"zero reserve, one bid pays zero under second price", SecondPrice, 0, []Bid{bid("a", 900, 0)}, "a", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Close(auction(c.format, c.reserve), c.top)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if r.Winner != nil {
				got = r.Winner.ID
			}
			if got != c.winner || r.Price.Minor != c.price || r.Price.Currency != "USD" {
				t.Fatalf("winner %q price %v, want %q %d", got, r.Price, c.winner, c.price)
			}
			if r.Winner != nil && r.Price.Minor > r.Winner.Amount.Minor {
				t.Fatal("a winner never pays more than its bid")
			}
		})
	}
}

func TestClose_RefusesBidsOutOfRankOrRightCurrency(t *testing.T) {
	if _, err := Close(auction(SecondPrice, 0), []Bid{bid("a", 100, 0), bid("b", 200, 1)}); fault.KindOf(err) != fault.Internal {
		t.Fatalf("unsorted top bids: %v", err)
	}
	if _, err := Close(auction(SecondPrice, 0), []Bid{{ID: "x", Amount: money.Amount{Minor: 5, Currency: "EUR"}}}); err == nil {
		t.Fatal("a bid in another currency was priced")
	}
}

func TestFee_SplitsWithoutLosingAMinorUnit(t *testing.T) {
	fee, rest, err := Fee(usd(705), 1250) // 88.125 → 88
	if err != nil || fee.Minor != 88 || rest.Minor != 617 {
		t.Fatalf("fee %v rest %v %v", fee, rest, err)
	}
}

func TestCheckFlight(t *testing.T) {
	ok := Flight{Start: now.Add(2 * time.Hour), End: now.Add(26 * time.Hour)}
	if err := CheckFlight(ok, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name     string
		f        Flight
		closesAt time.Time
	}{
		{"end before start", Flight{Start: ok.End, End: ok.Start}, now.Add(time.Hour)},
		{"empty flight", Flight{Start: ok.Start, End: ok.Start}, now.Add(time.Hour)},
		{"closes after the flight starts", ok, ok.Start.Add(time.Second)},
		{"closes in the past", ok, now.Add(-time.Second)},
		{"too long", Flight{Start: ok.Start, End: ok.Start.Add(400 * 24 * time.Hour)}, now.Add(time.Hour)},
		{"too far away", Flight{Start: now.Add(3 * 365 * 24 * time.Hour), End: now.Add(3*365*24*time.Hour + time.Hour)}, now.Add(time.Hour)},
	}
	for _, c := range bad {
		if err := CheckFlight(c.f, c.closesAt, now); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	a, b := Flight{Start: now, End: now.Add(time.Hour)}, Flight{Start: now.Add(time.Hour), End: now.Add(2 * time.Hour)}
	if a.Overlaps(b) || !a.Overlaps(Flight{Start: now.Add(59 * time.Minute), End: now.Add(3 * time.Hour)}) {
		t.Fatal("flights are half-open: back-to-back flights do not overlap")
	}
}

func TestCheckBid(t *testing.T) {
	s := Slot{ID: "slot_1", CommunityID: "com_1", Reserve: usd(500), Format: SecondPrice}
	a := auction(SecondPrice, 500)
	good := Bid{Amount: usd(600), Creative: Creative{ImageURL: "https://cdn.example/b.png", ClickURL: "https://acme.example/?utm=souq", AltText: "Acme widgets"}}
	if err := CheckBid(a, s, "", good, now); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(*Auction, *Bid) string
		kind   fault.Kind
	}{
		{"below reserve", func(_ *Auction, b *Bid) string { b.Amount = usd(499); return "" }, fault.Invalid},
		{"other currency", func(_ *Auction, b *Bid) string { b.Amount = money.Amount{Minor: 600, Currency: "EUR"}; return "" }, fault.Invalid},
		{"http image", func(_ *Auction, b *Bid) string { b.Creative.ImageURL = "http://cdn.example/b.png"; return "" }, fault.Invalid},
		{"javascript click", func(_ *Auction, b *Bid) string { b.Creative.ClickURL = "javascript:alert(1)"; return "" }, fault.Invalid},
		{"no alt text", func(_ *Auction, b *Bid) string { b.Creative.AltText = "  "; return "" }, fault.Invalid},
		{"after close time", func(a *Auction, _ *Bid) string { a.ClosesAt = now; return "" }, fault.Conflict},
		{"cancelled", func(a *Auction, _ *Bid) string { a.Status = Cancelled; return "" }, fault.Conflict},
		{"own community", func(_ *Auction, _ *Bid) string { return "com_1" }, fault.Forbidden},
	}
	for _, c := range cases {
		a2, b2 := a, good
		community := c.mutate(&a2, &b2)
		if err := CheckBid(a2, s, community, b2, now); fault.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %s", c.name, err, c.kind)
		}
	}
}

func TestCheckSlot(t *testing.T) {
	ok := Slot{Name: "Sidebar", Width: 300, Height: 250, Reserve: usd(500), Format: SecondPrice}
	if err := CheckSlot(ok); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Slot){
		"tiny":             func(s *Slot) { s.Width = 1 },
		"huge":             func(s *Slot) { s.Height = 100000 },
		"negative reserve": func(s *Slot) { s.Reserve = usd(-1) },
		"bad format":       func(s *Slot) { s.Format = "dutch" },
		"blank name":       func(s *Slot) { s.Name = " " },
		"bad currency":     func(s *Slot) { s.Reserve.Currency = "usd" },
	} {
		s := ok
		mutate(&s)
		if err := CheckSlot(s); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
