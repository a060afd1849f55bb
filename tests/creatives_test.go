package tests

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

type hostedCreative struct {
	ID, AdvertiserID, ImageURL, ContentType, SHA256, CreatedAt string
	Width, Height, Bytes                                       int
}

// banner is a real PNG of w×h pixels (noisy ones are large).
func banner(t *testing.T, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0x00, 0x7d, 0x9c, 0xff}
			if noisy {
				c = color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload sends an image as a form's file part named image, with the file
// name and the declared type given (which Souq never trusts).
func upload(t *testing.T, token, advID string, image []byte, filename, declared string) reply {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename=%q`, filename))
	h.Set("Content-Type", declared)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(image)
	w.Close()
	return doRaw(t, "POST", "/v1/advertisers/"+advID+"/creatives", token, b.Bytes(), w.FormDataContentType())
}

func doRaw(t *testing.T, method, path, token string, body []byte, contentType string) reply {
	t.Helper()
	return do(t, call{method: method, path: path, auth: token, body: string(body), headers: map[string]string{"Content-Type": contentType}})
}

// refusedFor checks a 400 that names image and says why.
func refusedFor(t *testing.T, r reply, says string) {
	t.Helper()
	expect(t, r, 400)
	for _, e := range r.problem.Errors {
		if e.Field == "image" && strings.Contains(e.Message, says) {
			return
		}
	}
	t.Fatalf("a refusal naming image that says %q, got %s", says, r.body)
}

// An advertiser's image hosted by Souq: uploaded, read back byte for byte
// from /creatives/… with its immutable headers, uploaded again as the same
// creative, refused for its type, size, pixels or damage (naming why),
// kept from strangers; a campaign by its creativeId is served with its
// hosted URL, a bid by it holds that URL, and another advertiser's
// creativeId is refused.
func TestCreatives_UploadedServedAndNamedByCampaignsAndBids(t *testing.T) {
	aTok, aID := eurAdvertiser(t, 10_000)
	image := banner(t, 320, 480, false)
	// A PNG named .jpg and declared image/jpeg: the content decides.
	first := expect(t, upload(t, aTok, aID, image, "banner.jpg", "image/jpeg"), 201)
	c := decode[hostedCreative](t, first)
	if !strings.HasPrefix(c.ID, "crv_") || c.AdvertiserID != aID || c.ContentType != "image/png" || c.Width != 320 || c.Height != 480 ||
		c.Bytes != len(image) || len(c.SHA256) != 64 || !strings.HasSuffix(c.ImageURL, "/creatives/"+c.SHA256+".png") || !strings.HasPrefix(c.ImageURL, base) {
		t.Fatalf("creative %+v", c)
	}
	got := do(t, call{method: "GET", path: strings.TrimPrefix(c.ImageURL, base)})
	if got.status != 200 || !bytes.Equal(got.body, image) {
		t.Fatalf("read back: %d, %d bytes", got.status, len(got.body))
	}
	for k, v := range map[string]string{"Content-Type": "image/png", "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"} {
		if h := got.header.Get(k); h != v {
			t.Fatalf("%s: %q, want %q", k, h, v)
		}
	}
	// The same bytes again: the same creative, one in the list.
	again := expect(t, upload(t, aTok, aID, image, "again.png", "image/png"), 200)
	if decode[hostedCreative](t, again).ID != c.ID {
		t.Fatalf("the same image twice made two creatives: %s", again.body)
	}
	list := decode[struct{ Data []hostedCreative }](t, expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + aID + "/creatives", auth: aTok}), 200))
	if len(list.Data) != 1 || list.Data[0].ID != c.ID {
		t.Fatalf("list: %+v", list.Data)
	}

	// Refusals, each naming image and why.
	refusedFor(t, upload(t, aTok, aID, []byte("I am a text file, whatever my type says"), "x.png", "image/png"), "PNG, JPEG, GIF or WebP")
	big := append(banner(t, 20, 20, false), make([]byte, 151*1024)...)[:151*1024]
	refusedFor(t, upload(t, aTok, aID, big, "big.png", "image/png"), "151 KB")
	refusedFor(t, upload(t, aTok, aID, banner(t, 4001, 10, false), "wide.png", "image/png"), "4001×10")
	noisy := banner(t, 60, 60, true)
	refusedFor(t, upload(t, aTok, aID, noisy[:len(noisy)/2], "cut.png", "image/png"), "cut short")
	expect(t, doRaw(t, "POST", "/v1/advertisers/"+aID+"/creatives", aTok, image, "image/png"), 415) // the raw body: a form is asked for
	// Strangers neither upload for nor list another's advertiser.
	_, stranger := newUser(t)
	expect(t, upload(t, stranger, aID, image, "b.png", "image/png"), 404)
	expect(t, do(t, call{method: "GET", path: "/v1/advertisers/" + aID + "/creatives", auth: stranger}), 404)

	// A campaign by creativeId runs with the hosted image and its size (a
	// size no other test's campaign has, so its slot serves it alone).
	ownerToken, com := newCommunityForSlots(t)
	slotID := decode[slot](t, expect(t, do(t, call{method: "POST", path: "/v1/communities/" + com + "/slots", auth: ownerToken,
		body: `{"name":"Rectangle","width":320,"height":480,"reserve":{"amount":100,"currency":"EUR"}}`}), 201)).ID
	expect(t, do(t, call{method: "PATCH", path: "/v1/slots/" + slotID, auth: ownerToken, body: `{"campaigns":{"accept":true,"floorCpm":{"amount":100,"currency":"EUR"}}}`}), 200)
	end := now(t).Add(48 * time.Hour).Truncate(time.Second)
	body := fmt.Sprintf(`{"name":"Hosted","currency":"EUR","pricing":{"model":"cpm","bid":{"amount":250,"currency":"EUR"}},"budget":{"amount":5000,"currency":"EUR"},"end":%q,
	  "creative":{"creativeId":%q,"clickUrl":"https://shop.example/hosted","altText":"A hosted banner"}}`, end.Format(time.RFC3339), c.ID)
	camp := decode[struct {
		ID       string
		Creative struct {
			CreativeID, ImageURL string
			Width, Height        int
		}
	}](t, expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + aID + "/campaigns", auth: aTok, body: body, headers: freshKey()}), 201))
	if camp.Creative.CreativeID != c.ID || camp.Creative.ImageURL != c.ImageURL || camp.Creative.Width != 320 || camp.Creative.Height != 480 {
		t.Fatalf("campaign creative %+v", camp.Creative)
	}
	advance(t, 10*time.Second) // serving hears of it and reads campaigns every 10 s
	served := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + slotID}), 200))
	if served.Kind != "campaign" || served.CampaignID != camp.ID || served.ImageURL != c.ImageURL || served.Width != 320 || served.Height != 480 {
		t.Fatalf("served %+v", served)
	}

	// Another advertiser may not name it, in a campaign or a bid.
	bTok, bID := eurAdvertiser(t, 10_000)
	r := expect(t, do(t, call{method: "POST", path: "/v1/advertisers/" + bID + "/campaigns", auth: bTok, body: body, headers: freshKey()}), 400)
	if !hasFieldError(r, "creative.creativeId") {
		t.Fatalf("another advertiser's creative: %s", r.body)
	}
	// A house ad may name only a creative of an advertiser its owner owns.
	r = expect(t, do(t, call{method: "PUT", path: "/v1/slots/" + slotID + "/house-ad", auth: ownerToken,
		body: fmt.Sprintf(`{"creativeId":%q,"clickUrl":"https://shop.example/house","altText":"House"}`, c.ID)}), 400)
	if !hasFieldError(r, "creativeId") {
		t.Fatalf("a house ad naming another's creative: %s", r.body)
	}
	auction := decode[auctionView](t, expect(t, do(t, call{method: "POST", path: "/v1/slots/" + slotID + "/auctions", auth: ownerToken, body: flightBody(t, 10, 7)}), 201))
	bid := func(advID string) string {
		return fmt.Sprintf(`{"advertiserId":%q,"amount":600,"currency":"EUR","creative":{"creativeId":%q,"clickUrl":"https://shop.example/bid","altText":"Widgets"}}`, advID, c.ID)
	}
	r = expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + auction.ID + "/bid", auth: bTok, body: bid(bID), headers: freshKey()}), 400)
	if !hasFieldError(r, "creative.creativeId") {
		t.Fatalf("a bid naming another advertiser's creative: %s", r.body)
	}
	placed := decode[struct {
		Creative struct{ CreativeID, ImageURL string }
	}](t, expect(t, do(t, call{method: "PUT", path: "/v1/auctions/" + auction.ID + "/bid", auth: aTok, body: bid(aID), headers: freshKey()}), 200))
	if placed.Creative.ImageURL != c.ImageURL || placed.Creative.CreativeID != c.ID {
		t.Fatalf("the bid's creative: %+v", placed.Creative)
	}
}

// The demo's house ad is an image hosted by the local platform: the demo
// slot serves it, and its bytes are a PNG.
func TestCreatives_TheDemoHouseAdIsHosted(t *testing.T) {
	if demo == nil || demo.SlotID == "" {
		t.Fatal("the suite's platform is seeded: it must have the demo slot")
	}
	o := decode[ad](t, expect(t, do(t, call{method: "GET", path: "/v1/serve/" + demo.SlotID}), 200))
	if o.Kind != "house" || !strings.HasPrefix(o.ImageURL, base+"/creatives/") {
		t.Fatalf("the demo slot serves %+v", o)
	}
	r := do(t, call{method: "GET", path: strings.TrimPrefix(o.ImageURL, base)})
	if r.status != 200 || r.header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(r.body, []byte("\x89PNG")) {
		t.Fatalf("the house image: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
