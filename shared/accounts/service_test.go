package accounts_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/accounts"
	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newService(t *testing.T) (*accounts.Service, *store.DB) {
	db := storetest.New(t)
	return accounts.NewService(accounts.NewRepository(db), clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), false), db
}

func user(id string) auth.Principal { return auth.Principal{Kind: auth.KindUser, UserID: id} }

// The event exists if and only if the community does: the 51st community is
// refused, and its refused transaction wrote no event.
func TestCreateCommunity_EventCommitsWithTheStateChangeOnly(t *testing.T) {
	t.Parallel()
	svc, db := newService(t)
	ctx := context.Background()
	for i := 0; i < accounts.MaxCommunitiesPerUser; i++ {
		if _, err := svc.CreateCommunity(ctx, user("usr_o"), accounts.CreateCommunityInput{Name: "C", URL: "https://c.example", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreateCommunity(ctx, user("usr_o"), accounts.CreateCommunityInput{Name: "C", URL: "https://c.example", Currency: "USD"})
	if fault.KindOf(err) != fault.Conflict {
		t.Fatalf("51st community: %v, want Conflict", err)
	}
	if n := storetest.OutboxCount(t, db, "CommunityCreated"); n != accounts.MaxCommunitiesPerUser {
		t.Fatalf("%d CommunityCreated events for %d communities", n, accounts.MaxCommunitiesPerUser)
	}
	me, _ := svc.WhoAmI(ctx, user("usr_o"))
	if len(me.Communities) != accounts.MaxCommunitiesPerUser {
		t.Fatalf("owner lists %d communities", len(me.Communities))
	}
}

// Ten concurrent revokes of one key: one revocation, one event, one slot freed.
func TestRevokeAPIKey_ConcurrentRevokesActOnce(t *testing.T) {
	t.Parallel()
	svc, db := newService(t)
	ctx := context.Background()
	owner := user("usr_r")
	adv, err := svc.CreateAdvertiser(ctx, owner, accounts.CreateAdvertiserInput{Name: "A", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []accounts.CreatedAPIKey
	for i := 0; i < accounts.MaxActiveKeys; i++ {
		k, err := svc.CreateAPIKey(ctx, owner, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "k"})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if _, err := svc.CreateAPIKey(ctx, owner, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "k"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("26th key: %v, want Conflict", err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := svc.RevokeAPIKey(ctx, owner, auth.AccountAdvertiser, adv.ID, keys[0].ID); err != nil && fault.KindOf(err) != fault.Conflict {
				t.Errorf("revoke: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := storetest.OutboxCount(t, db, "APIKeyRevoked"); n != 1 {
		t.Fatalf("%d APIKeyRevoked events, want 1", n)
	}
	// Exactly one slot was freed.
	if _, err := svc.CreateAPIKey(ctx, owner, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "k"}); err != nil {
		t.Fatalf("the freed slot: %v", err)
	}
	if _, err := svc.CreateAPIKey(ctx, owner, auth.AccountAdvertiser, adv.ID, accounts.CreateAPIKeyInput{Name: "k"}); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("a second slot appeared: %v", err)
	}
	repo := accounts.NewKeyLookup(db)
	if _, err := repo.LookupAPIKey(ctx, auth.HashAPIKey(keys[0].Secret)); fault.KindOf(err) != fault.Unauthorized {
		t.Fatalf("revoked key still authenticates: %v", err)
	}
	p, err := repo.LookupAPIKey(ctx, auth.HashAPIKey(keys[1].Secret))
	if err != nil || p.AccountID != adv.ID || p.KeyID != keys[1].ID {
		t.Fatalf("live key: %+v %v", p, err)
	}
}

func TestOwnership_OnlyTheOwnerManagesAndOnlyTheAccountsKeyReads(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	com, _ := svc.CreateCommunity(ctx, user("usr_owner"), accounts.CreateCommunityInput{Name: "C", URL: "https://c.example", Currency: "USD"})
	own := auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountCommunity, AccountID: com.ID, KeyID: "key_x"}
	foreign := auth.Principal{Kind: auth.KindClient, AccountKind: auth.AccountAdvertiser, AccountID: com.ID, KeyID: "key_y"}
	if _, err := svc.GetCommunity(ctx, own, com.ID); err != nil {
		t.Fatalf("the community's own key: %v", err)
	}
	for name, p := range map[string]auth.Principal{"stranger": user("usr_x"), "advertiser key with the same id": foreign} {
		if _, err := svc.GetCommunity(ctx, p, com.ID); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if _, err := svc.CreateAPIKey(ctx, own, auth.AccountCommunity, com.ID, accounts.CreateAPIKeyInput{Name: "k"}); fault.KindOf(err) != fault.Forbidden {
		t.Fatalf("a key minting keys: %v, want Forbidden", err)
	}
}
