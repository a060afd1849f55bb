package campaigns

import (
	"context"
	"testing"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

// A change that loses the race to another is decided again on what the
// other wrote: both land, each over the version before it, each with its
// CampaignChanged.
func TestUpdate_RetriesALostRace(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	repo := NewRepository(db)
	ctx := context.Background()
	c := valid()
	c.ID, c.AdvertiserID = "cmp_race", "adv_race"
	put, err := repo.create(itemOf(c, campaignItem{CreatedAt: clock.Format(now), UpdatedAt: clock.Format(now), Version: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.NewTx().Add("campaign", put).Write(ctx, repo.db); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	got, err := repo.update(ctx, c.ID, now, func(it *campaignItem, _ *store.Tx) error {
		attempts++
		if attempts == 1 { // another change lands between this read and its write
			if _, err := repo.update(ctx, c.ID, now, func(it *campaignItem, _ *store.Tx) error {
				it.Bid = 300
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		it.State = string(Paused)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("%d attempts, want 2 (one lost, one landed)", attempts)
	}
	stored, _, err := repo.get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, it := range map[string]campaignItem{"returned": got, "stored": stored} {
		if it.Version != 3 || it.Bid != 300 || it.State != string(Paused) {
			t.Errorf("%s: version %d, bid %d, state %s; want 3, 300 and paused", name, it.Version, it.Bid, it.State)
		}
	}
	if n := storetest.OutboxCount(t, db, "CampaignChanged"); n != 2 {
		t.Fatalf("%d CampaignChanged, want 2", n)
	}
}

// A change that finds the campaign as asked writes nothing.
func TestUpdate_NoChangeWritesNothing(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	repo := NewRepository(db)
	ctx := context.Background()
	c := valid()
	c.ID, c.AdvertiserID = "cmp_same", "adv_same"
	put, err := repo.create(itemOf(c, campaignItem{Version: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.NewTx().Add("campaign", put).Write(ctx, repo.db); err != nil {
		t.Fatal(err)
	}
	got, err := repo.update(ctx, c.ID, now, func(*campaignItem, *store.Tx) error { return errNoChange })
	if err != nil || got.Version != 1 {
		t.Fatalf("no change: version %d, %v", got.Version, err)
	}
	if n := storetest.OutboxCount(t, db, "CampaignChanged"); n != 0 {
		t.Fatalf("%d CampaignChanged, want none", n)
	}
}
