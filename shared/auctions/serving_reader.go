package auctions

// The serve function reads slots and flights from this context's table,
// and keeps its counters and once-per-offer records there, through this
// file's ServingReader, until serving keeps a projection of its own
// (DESIGN §11). infra/wire adapts it to shared/serving's interfaces; this
// package knows nothing of serving.
//
// Added to the key design in dynamo.go:
//
//	pk                     sk      item
//	OFFER#<offerId>#<v|c>  ONCE    an offer's view (v) or click (c) happened; expires with the offer

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/owners"
	"github.com/souqhq/souq/shared/store"
)

// ServingReader is the serve path's view of slots and flights, and of
// the communities' page allowlists this context keeps for it.
type ServingReader struct {
	repo   *Repository
	owners *owners.Projection
}

// NewServingReader reads the auctions table.
func NewServingReader(db *store.DB) *ServingReader {
	repo := NewServingRepository(db)
	return &ServingReader{repo: repo, owners: owners.New(repo.db, repo.table, clock.System{})}
}

// SlotPlacement is what may run on a slot now.
type SlotPlacement struct {
	Found, Archived bool
	CommunityID     string
	Width, Height   int
	// AllowedDomains are the community's pages (empty: every page).
	AllowedDomains []string
	// Flight is the slot's flight that ends first after now.
	Flight *RunningFlight
	// House is the slot's house ad, when it has one.
	House *Creative
}

// RunningFlight is a booked flight as the serve path needs it.
type RunningFlight struct {
	ID         string
	Start, End time.Time
	Creative   Creative
}

// Placement reads a slot and its current or next flight.
func (s *ServingReader) Placement(ctx context.Context, slotID string, now time.Time) (SlotPlacement, error) {
	sl, found, err := s.repo.getSlot(ctx, slotID)
	if err != nil || !found {
		return SlotPlacement{}, err
	}
	p := SlotPlacement{Found: true, Archived: sl.Archived, CommunityID: sl.CommunityID, Width: sl.Width, Height: sl.Height}
	if sl.HouseImageURL != "" {
		p.House = &Creative{ImageURL: sl.HouseImageURL, ClickURL: sl.HouseClickURL, AltText: sl.HouseAltText}
	}
	if p.AllowedDomains, err = s.owners.Pages(ctx, sl.CommunityID); err != nil {
		return SlotPlacement{}, err
	}
	run, has, err := s.repo.currentRun(ctx, slotID, now)
	if err != nil {
		return SlotPlacement{}, err
	}
	if has {
		p.Flight = &RunningFlight{ID: run.ID, Start: clock.Parse(run.FlightStart), End: clock.Parse(run.FlightEnd),
			Creative: Creative{ImageURL: run.ImageURL, ClickURL: run.ClickURL, AltText: run.AltText}}
	}
	return p, nil
}

// FlightClickURL is where a click on a flight goes.
func (s *ServingReader) FlightClickURL(ctx context.Context, flightID string) (string, bool, error) {
	f, found, err := s.repo.getFlight(ctx, flightID)
	return f.ClickURL, found, err
}

// AddCounts adds buffered increments to one shard of a flight's day.
func (s *ServingReader) AddCounts(ctx context.Context, flightID, day string, shard int, counts map[string]int64) error {
	return s.repo.addCounts(ctx, flightID, day, shard, counts)
}

// First records key once: true the first time, false after, on any
// instance (a conditional put). The record expires with its offer.
func (s *ServingReader) First(ctx context.Context, key string, expires time.Time) (bool, error) {
	_, err := s.repo.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.repo.table),
		Item: map[string]types.AttributeValue{"pk": store.S(key), "sk": store.S("ONCE"),
			"expiresAt": &types.AttributeValueMemberN{Value: fmt.Sprint(expires.Unix())}},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	err = store.Classify(err)
	if store.IsConditionFailed(err) {
		return false, nil
	}
	return err == nil, fault.Wrap("auctions.First", err)
}
