package creatives

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/souqhq/souq/shared/clock"
	"github.com/souqhq/souq/shared/fault"
	"github.com/souqhq/souq/shared/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func library(t *testing.T) (*Library, *Memory) {
	t.Helper()
	mem := &Memory{Base: "https://souq.example/creatives/"}
	return NewLibrary(NewRepository(storetest.New(t)), mem, clock.NewFake(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC))), mem
}

func TestUpload_StoresTheBytesAndWritesTheRecordBeforeAnswering(t *testing.T) {
	t.Parallel()
	lib, mem := library(t)
	ctx := context.Background()
	body := pngOf(t, 300, 250, false)
	c, created, err := lib.Upload(ctx, "adv_a", body)
	if err != nil || !created {
		t.Fatalf("upload: %v (created %v)", err, created)
	}
	key, sum := KeyOf(body, Image{Ext: "png"})
	if c.Key != key || c.SHA256 != sum || c.ImageURL != "https://souq.example/creatives/"+sum+".png" || c.Width != 300 || c.Height != 250 ||
		c.Bytes != len(body) || c.ContentType != "image/png" || c.AdvertiserID != "adv_a" || c.CreatedAt == "" {
		t.Fatalf("creative %+v", c)
	}
	mem.mu.RLock()
	stored := mem.objects[key]
	mem.mu.RUnlock()
	if !bytes.Equal(stored.body, body) || stored.contentType != "image/png" {
		t.Fatal("the bytes were not stored under their key")
	}
	got, err := lib.Resolve(ctx, "adv_a", c.ID, "creativeId")
	if err != nil || got != c {
		t.Fatalf("resolve: %+v %v", got, err)
	}
}

func TestUpload_TheSameBytesTwiceAreOneCreative_EvenAtOnce(t *testing.T) {
	t.Parallel()
	lib, _ := library(t)
	ctx := context.Background()
	body := gifOf(t, 120, 60)
	const n = 8
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, _, err := lib.Upload(ctx, "adv_same", body)
			if err != nil {
				t.Error(err)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids %v", ids)
		}
	}
	if _, created, err := lib.Upload(ctx, "adv_same", body); err != nil || created {
		t.Fatalf("again: created %v, %v", created, err)
	}
	list, _, err := lib.List(ctx, "adv_same", 100, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	// Another advertiser's upload of the same bytes is its own creative
	// (of the same object).
	other, created, err := lib.Upload(ctx, "adv_other", body)
	if err != nil || !created || other.ID == ids[0] || other.Key != list[0].Key {
		t.Fatalf("another advertiser: %+v %v", other, err)
	}
}

func TestResolve_RefusesAnotherAdvertisersCreativeAsOneThatDoesNotExist(t *testing.T) {
	t.Parallel()
	lib, _ := library(t)
	ctx := context.Background()
	c, _, err := lib.Upload(ctx, "adv_owner", jpegOf(t, 728, 90))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ adv, id string }{{"adv_thief", c.ID}, {"adv_owner", "crv_nope"}, {"adv_owner", "cmp_wrongprefix"}} {
		_, err := lib.Resolve(ctx, tc.adv, tc.id, "creative.creativeId")
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Invalid || fe.Fields[0].Field != "creative.creativeId" {
			t.Fatalf("%s %s: %v", tc.adv, tc.id, err)
		}
	}
}

func TestUpload_RefusesBeforeStoring(t *testing.T) {
	t.Parallel()
	lib, mem := library(t)
	if _, _, err := lib.Upload(context.Background(), "adv_a", []byte("text, declared image/png")); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("text: %v", err)
	}
	if len(mem.objects) != 0 {
		t.Fatal("a refused upload was stored")
	}
}
