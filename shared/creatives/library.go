package creatives

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/id"
)

// Creative is a hosted image as its advertiser reads it.
type Creative struct {
	ID           string `json:"id"`
	AdvertiserID string `json:"advertiserId"`
	// Key is the object's key: creatives/<sha256>.<ext>.
	Key         string `json:"-"`
	ImageURL    string `json:"imageUrl"`
	ContentType string `json:"contentType"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Bytes       int    `json:"bytes"`
	SHA256      string `json:"sha256"`
	CreatedAt   string `json:"createdAt"`
}

// Library is the advertisers' creatives: their bytes in a Store, their
// records in the creatives table. Who may act for an advertiser is the
// caller's to check (the campaigns context, which knows advertisers'
// owners).
type Library struct {
	repo  *Repository
	store Store
	clock clock.Clock
}

// NewLibrary is a library over the repository and the store (nil where
// creatives are only resolved, never uploaded: the auctions function).
func NewLibrary(repo *Repository, st Store, c clock.Clock) *Library {
	return &Library{repo: repo, store: st, clock: c}
}

// KeyOf is the content-addressed key of bytes of an image type.
func KeyOf(body []byte, img Image) (key, sum string) {
	h := sha256.Sum256(body)
	sum = hex.EncodeToString(h[:])
	return Prefix + sum + "." + img.Ext, sum
}

// Upload checks an image and hosts it for the advertiser. The bytes are
// stored first (under their own hash: a retry or a second advertiser's
// upload of them writes the same object), then the record: a creative
// never points at nothing. The same bytes uploaded again by the same
// advertiser are the creative they made the first time (created false).
func (l *Library) Upload(ctx context.Context, advertiserID string, body []byte) (c Creative, created bool, err error) {
	const op = "creatives.Upload"
	img, err := Check(body)
	if err != nil {
		return Creative{}, false, err
	}
	if l.store == nil {
		return Creative{}, false, fault.New(fault.Unavailable, op, "creatives cannot be uploaded here")
	}
	key, sum := KeyOf(body, img)
	if c, found, err := l.repo.bySHA(ctx, advertiserID, sum); err != nil || found {
		return c, false, err
	}
	if err := l.store.Put(ctx, key, img.ContentType, body); err != nil {
		return Creative{}, false, fault.Wrap(op, err)
	}
	now := l.clock.Now().Truncate(time.Millisecond)
	c = Creative{ID: id.New("crv", now), AdvertiserID: advertiserID, Key: key, ImageURL: l.store.URL(key), ContentType: img.ContentType,
		Width: img.Width, Height: img.Height, Bytes: len(body), SHA256: sum, CreatedAt: clock.Format(now)}
	switch err := l.repo.create(ctx, c); {
	case err == errExists:
		// The same bytes, uploaded at the same moment: theirs is ours.
		c, found, err := l.repo.bySHA(ctx, advertiserID, sum)
		if err == nil && !found {
			err = fault.New(fault.Conflict, op, "the image is being uploaded by another request; retry")
		}
		return c, false, err
	case err != nil:
		return Creative{}, false, err
	}
	return c, true, nil
}

// List pages through an advertiser's creatives, newest first.
func (l *Library) List(ctx context.Context, advertiserID string, limit int, cursor string) ([]Creative, string, error) {
	return l.repo.list(ctx, advertiserID, limit, cursor)
}

// Get reads a creative by id, whoever's it is (found false for a
// malformed id).
func (l *Library) Get(ctx context.Context, creativeID string) (Creative, bool, error) {
	if !id.HasPrefix(creativeID, "crv") {
		return Creative{}, false, nil
	}
	return l.repo.get(ctx, creativeID)
}

// Resolve is the advertiser's creative of that id, for a campaign or a
// bid that names it in field. A creative that does not exist and one of
// another advertiser are refused alike, naming field.
func (l *Library) Resolve(ctx context.Context, advertiserID, creativeID, field string) (Creative, error) {
	const op = "creatives.Resolve"
	refuse := fault.InvalidFields(op, "the creative is refused", fault.FieldError{Field: field, Message: "names no creative of this advertiser: upload the image first (POST /v1/advertisers/{advertiserId}/creatives)"})
	if !id.HasPrefix(creativeID, "crv") {
		return Creative{}, refuse
	}
	c, found, err := l.repo.get(ctx, creativeID)
	if err != nil {
		return Creative{}, err
	}
	if !found || c.AdvertiserID != advertiserID {
		return Creative{}, refuse
	}
	return c, nil
}
