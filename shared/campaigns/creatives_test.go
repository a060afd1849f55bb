package campaigns_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"github.com/souqhq/souq/shared/auth"
	"github.com/souqhq/souq/shared/campaigns"
	"github.com/souqhq/souq/shared/creatives"
	"github.com/souqhq/souq/shared/fault"
)

// hosted gives the world's service a library of creatives over its
// tables, and uploads a 300×250 PNG for adv_a.
func (w *world) hosted() creatives.Creative {
	w.t.Helper()
	w.svc.WithCreatives(creatives.NewLibrary(creatives.NewRepository(w.db), &creatives.Memory{Base: "http://127.0.0.1:8080/creatives/"}, w.clock))
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 300, 250))); err != nil {
		w.t.Fatal(err)
	}
	c, created, err := w.svc.UploadCreative(context.Background(), w.owner, "adv_a", b.Bytes())
	if err != nil || !created {
		w.t.Fatalf("upload: %v", err)
	}
	return c
}

func TestCreate_ByCreativeID_ResolvesItsHostedURLAndSize(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	crv := w.hosted()
	in := input(5_000)
	in.Creative = &campaigns.Creative{CreativeID: crv.ID, ClickURL: "https://shop.example/winter", AltText: "Winter sale"}
	v, err := w.svc.Create(context.Background(), w.key, "adv_a", in)
	if err != nil {
		t.Fatal(err)
	}
	if v.Creative.CreativeID != crv.ID || v.Creative.ImageURL != crv.ImageURL || v.Creative.Width != 300 || v.Creative.Height != 250 {
		t.Fatalf("creative %+v", v.Creative)
	}
	got, err := w.svc.Get(context.Background(), w.owner, v.ID)
	if err != nil || got.Creative != v.Creative {
		t.Fatalf("read back %+v %v", got.Creative, err)
	}
}

func TestCreate_ByCreativeID_RefusesAnotherAdvertisersOrBothWays(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	crv := w.hosted()
	ctx := context.Background()
	// usr_b's advertiser names adv_a's creative.
	in := input(5_000)
	in.Creative = &campaigns.Creative{CreativeID: crv.ID, ClickURL: "https://shop.example/b", AltText: "B"}
	_, err := w.svc.Create(ctx, auth.Principal{Kind: auth.KindUser, UserID: "usr_b"}, "adv_b", in)
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || !names(fe, "creative.creativeId") {
		t.Fatalf("another advertiser's creative: %v", err)
	}
	in = input(5_000)
	in.Creative.CreativeID = crv.ID // and an imageUrl, width and height
	_, err = w.svc.Create(ctx, w.key, "adv_a", in)
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || !names(fe, "creative.creativeId") {
		t.Fatalf("creativeId with imageUrl: %v", err)
	}
}

func TestUpdate_ByCreativeID_ChangesTheImage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	crv := w.hosted()
	ctx := context.Background()
	v, err := w.svc.Create(ctx, w.key, "adv_a", input(5_000))
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.Update(ctx, w.key, v.ID, campaigns.UpdateInput{Creative: &campaigns.Creative{CreativeID: crv.ID, ClickURL: "https://shop.example/w", AltText: "W"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Creative.ImageURL != crv.ImageURL || got.Creative.CreativeID != crv.ID {
		t.Fatalf("creative %+v", got.Creative)
	}
}

func TestUploadCreative_RefusesWhoDoesNotOwnTheAdvertiser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.hosted()
	_, _, err := w.svc.UploadCreative(context.Background(), auth.Principal{Kind: auth.KindUser, UserID: "usr_b"}, "adv_a", []byte("x"))
	if fault.KindOf(err) != fault.NotFound {
		t.Fatalf("usr_b uploading for adv_a: %v", err)
	}
	list, _, err := w.svc.ListCreatives(context.Background(), w.owner, "adv_a", 10, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %d %v", len(list), err)
	}
}

func names(fe *fault.Error, field string) bool {
	for _, f := range fe.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}
