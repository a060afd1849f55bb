package owners_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/souqhq/souq/events"
	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store/storetest"
	"github.com/souqhq/souq/shared/topology"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const (
	comID = "com_01jd3k4m5n6p7q8r9s0t1v2w3x"
	advID = "adv_01jd3k4m5n6p7q8r9s0t1v2w3x"
	usrID = "usr_01jd3k4m5n6p7q8r9s0t1v2w3x"
)

type world struct {
	t   *testing.T
	p   *owners.Projection
	mux *events.Mux
	n   int
}

func newWorld(t *testing.T) *world {
	t.Parallel()
	db := storetest.New(t)
	p := owners.New(db.Client, db.Table(topology.TableReferrals), clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	mux := events.NewMux("test")
	p.Listen(mux, owners.Community, owners.Advertiser)
	p.ListenPages(mux)
	p.ListenPeople(mux)
	return &world{t: t, p: p, mux: mux}
}

// delivered numbers the events tests deliver, so each has an id of its own.
var delivered atomic.Int64

// deliver sends e as the bus would, with eventID (a new one when "").
func (w *world) deliver(eventID string, e events.Event) {
	w.t.Helper()
	if eventID == "" {
		w.n++
		eventID = fmt.Sprintf("evt_%d", delivered.Add(1)) // unique in the package's tables, whatever the clock
	}
	e.Base().EventID = eventID
	detail, err := json.Marshal(e)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.mux.Handle(context.Background(), lambdaevents.EventBridgeEvent{ID: eventID, DetailType: e.DetailType(), Source: e.Source(), Detail: detail}); err != nil {
		w.t.Fatalf("%s: %v", e.DetailType(), err)
	}
}

func (w *world) name(k owners.Kind, id string) string {
	w.t.Helper()
	n, err := w.p.Name(context.Background(), k, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) displayName(userID string) string {
	w.t.Helper()
	n, err := w.p.DisplayName(context.Background(), userID)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func TestListen_KeepsTheNamesAccountsWereCreatedWith(t *testing.T) {
	w := newWorld(t)
	w.deliver("", &events.CommunityCreated{CommunityID: comID, OwnerID: usrID, Currency: "USD", URL: "https://gophers.example", Name: "Gophers"})
	w.deliver("", &events.AdvertiserCreated{AdvertiserID: advID, OwnerID: usrID, Currency: "USD", Name: "Acme Tools"})
	if got := w.name(owners.Community, comID); got != "Gophers" {
		t.Errorf("community name = %q, want Gophers", got)
	}
	if got := w.name(owners.Advertiser, advID); got != "Acme Tools" {
		t.Errorf("advertiser name = %q, want Acme Tools", got)
	}
	a, found, err := w.p.Get(context.Background(), owners.Community, comID)
	if err != nil || !found || a.OwnerID != usrID || a.Currency != "USD" || a.URL != "https://gophers.example" {
		t.Errorf("community = %+v, %v, %v; want its owner, currency and url kept", a, found, err)
	}
	if got := w.name(owners.Community, "com_01jd3k4m5n6p7q8r9s0t1zzzz"); got != "" {
		t.Errorf("an unknown community is named %q, want \"\"", got)
	}
}

func TestListen_ARedeliveredCreationDoesNotUndoAnUpdatedName(t *testing.T) {
	w := newWorld(t)
	created := &events.CommunityCreated{CommunityID: comID, OwnerID: usrID, Currency: "USD", Name: "Gophers"}
	w.deliver("evt_created", created)
	w.deliver("", &events.CommunityUpdated{CommunityID: comID, OwnerID: usrID, Version: 2, Name: "Gophers of Berlin"})
	w.deliver("evt_created", created)
	if got := w.name(owners.Community, comID); got != "Gophers of Berlin" {
		t.Errorf("name = %q, want the updated one", got)
	}
}

func TestKeepName_AnOlderUpdateNeverOverwritesANewer(t *testing.T) {
	w := newWorld(t)
	w.deliver("", &events.CommunityCreated{CommunityID: comID, OwnerID: usrID, Currency: "USD", Name: "Gophers"})
	w.deliver("", &events.CommunityUpdated{CommunityID: comID, OwnerID: usrID, Version: 3, Name: "Third"})
	w.deliver("", &events.CommunityUpdated{CommunityID: comID, OwnerID: usrID, Version: 2, Name: "Second"})
	w.deliver("", &events.CommunityUpdated{CommunityID: comID, OwnerID: usrID, Version: 4}) // no name: keeps it
	if got := w.name(owners.Community, comID); got != "Third" {
		t.Errorf("name = %q, want Third (version 3)", got)
	}
}

func TestKeepName_AnUpdateBeforeTheCreationIsKeptAndIsNotAnAccount(t *testing.T) {
	w := newWorld(t)
	w.deliver("", &events.CommunityUpdated{CommunityID: comID, OwnerID: usrID, Version: 2, Name: "Renamed"})
	if _, found, err := w.p.Get(context.Background(), owners.Community, comID); err != nil || found {
		t.Fatalf("found = %v, %v before the community was created; want not found", found, err)
	}
	w.deliver("", &events.CommunityCreated{CommunityID: comID, OwnerID: usrID, Currency: "EUR", Name: "Original"})
	a, found, err := w.p.Get(context.Background(), owners.Community, comID)
	if err != nil || !found || a.Name != "Renamed" || a.OwnerID != usrID || a.Currency != "EUR" {
		t.Errorf("community = %+v, %v, %v; want the created account named by the later update", a, found, err)
	}
}

func TestListenPeople_KeepsTheNewestDisplayNameInAnyOrder(t *testing.T) {
	w := newWorld(t)
	if got := w.displayName(usrID); got != "" {
		t.Errorf("unknown person = %q, want \"\"", got)
	}
	w.deliver("", &events.PersonUpdated{UserID: usrID, DisplayName: "Ada", Version: 1})
	w.deliver("", &events.PersonUpdated{UserID: usrID, DisplayName: "Ada L.", Version: 3})
	w.deliver("", &events.PersonUpdated{UserID: usrID, DisplayName: "Ada Lovelace", Version: 2})
	if got := w.displayName(usrID); got != "Ada L." {
		t.Errorf("display name = %q, want Ada L. (version 3)", got)
	}
	w.deliver("", &events.PersonUpdated{UserID: usrID, DisplayName: "", Version: 4}) // cleared
	if got := w.displayName(usrID); got != "" {
		t.Errorf("display name = %q after it was cleared, want \"\"", got)
	}
}

func TestNames_ReadEachAccountOnce(t *testing.T) {
	w := newWorld(t)
	w.deliver("", &events.AdvertiserCreated{AdvertiserID: advID, OwnerID: usrID, Currency: "USD", Name: "Acme"})
	n := w.p.Names(owners.Advertiser)
	for i := 0; i < 3; i++ {
		if got, err := n.Of(context.Background(), advID); err != nil || got != "Acme" {
			t.Fatalf("Of = %q, %v; want Acme", got, err)
		}
	}
	if got, _ := n.Of(context.Background(), comID); got != "" {
		t.Errorf("a community id among advertisers is named %q, want \"\"", got)
	}
}
