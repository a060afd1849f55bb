package creatives

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"os"
	"strings"
	"testing"

	"github.com/souqhq/souq/shared/fault"
)

// The images the tests upload are drawn here, so each is real and tiny;
// the WebP (Go has no encoder) is x/image's own test file
// (testdata/gopher.lossless.webp, 75×100 pixels, from golang.org/x/image's
// testdata, BSD licensed).

func picture(w, h int, noisy bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0x7d, 0x9c, 0xff}
			if noisy {
				c = color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 0xff}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func pngOf(t testing.TB, w, h int, noisy bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h, noisy)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h, false), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, picture(w, h, false), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func webpFile(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/gopher.lossless.webp")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheck_AcceptsEachTypeByContent_WithItsPixelSize(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, ext string
		body                   []byte
		w, h                   int
	}{
		{"png", "image/png", "png", pngOf(t, 300, 250, false), 300, 250},
		{"jpeg", "image/jpeg", "jpg", jpegOf(t, 728, 90), 728, 90},
		{"gif", "image/gif", "gif", gifOf(t, 10, 10), 10, 10},
		{"webp", "image/webp", "webp", webpFile(t), 75, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Check(tc.body)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if img.ContentType != tc.contentType || img.Ext != tc.ext {
				t.Fatalf("got %s .%s, want %s .%s", img.ContentType, img.Ext, tc.contentType, tc.ext)
			}
			if img.Width != tc.w || img.Height != tc.h {
				t.Fatalf("got %d×%d, want %d×%d", img.Width, img.Height, tc.w, tc.h)
			}
		})
	}
}

// refusal is the message Check gives the image field, failing the test
// when the error is not a 400 naming image.
func refusal(t *testing.T, err error) string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != Field {
		t.Fatalf("want an Invalid fault naming image, got %v", err)
	}
	return fe.Fields[0].Message
}

func TestCheck_RefusesWhatIsNotAnImageItsSizeOrItsPixels_SayingWhy(t *testing.T) {
	whole := pngOf(t, 100, 100, true)
	big := append(pngOf(t, 300, 250, false), make([]byte, 151*1024)...)[:151*1024]
	forged := append([]byte("\x89PNG\r\n\x1a\n"), []byte("not really a png at all, just its magic")...)
	for _, tc := range []struct {
		name string
		body []byte
		says string
	}{
		{"empty", nil, "is required"},
		{"text", []byte("hello, I am a text file with image/png as my declared type"), "PNG, JPEG, GIF or WebP"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="300" height="250"></svg>`), "PNG, JPEG, GIF or WebP"},
		{"151 KB", big, "it is 151 KB"},
		{"4001 px wide", pngOf(t, 4001, 10, false), "it is 4001×10"},
		{"4001 px high", gifOf(t, 10, 4001), "it is 10×4001"},
		{"9 px", jpegOf(t, 9, 300), "it is 9×300"},
		{"forged header", forged, "header is damaged"},
		{"truncated png", whole[:len(whole)/2], "data is damaged or cut short"},
		{"truncated jpeg", jpegOf(t, 300, 250)[:200], "damaged or cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.body)
			if msg := refusal(t, err); !strings.Contains(msg, tc.says) {
				t.Fatalf("message %q does not say %q", msg, tc.says)
			}
		})
	}
}

func TestCheck_TheSizeLimitIs153600Bytes(t *testing.T) {
	// A PNG padded after its end (decoders stop at IEND) to the limit,
	// then one byte past it.
	pad := func(n int) []byte {
		b := pngOf(t, 300, 250, false)
		return append(b, make([]byte, n-len(b))...)
	}
	if _, err := Check(pad(MaxBytes)); err != nil {
		t.Fatalf("%d bytes: %v", MaxBytes, err)
	}
	if msg := refusal(t, second(Check(pad(MaxBytes+1)))); !strings.Contains(msg, "it is 150.1 KB (153601 bytes)") {
		t.Fatalf("one byte over: %q", msg)
	}
}

func form(t *testing.T, parts map[string][]byte, filename, declared string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for name, body := range parts {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="` + name + `"; filename="` + filename + `"`}
		h["Content-Type"] = []string{declared}
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(body)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func TestFormImage_ContentDecides_NotTheNameOrDeclaredType(t *testing.T) {
	body := pngOf(t, 300, 250, false)
	ct, raw := form(t, map[string][]byte{"image": body}, "banner.jpg", "image/jpeg")
	got, err := FormImage(ct, raw)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Check(got)
	if err != nil || img.ContentType != "image/png" || !bytes.Equal(got, body) {
		t.Fatalf("a PNG named .jpg: %+v %v", img, err)
	}
	ct, raw = form(t, map[string][]byte{"image": []byte("just text")}, "banner.png", "image/png")
	got, err = FormImage(ct, raw)
	if err != nil {
		t.Fatal(err)
	}
	if msg := refusal(t, second(Check(got))); !strings.Contains(msg, "PNG, JPEG, GIF or WebP") {
		t.Fatalf("text declared image/png: %q", msg)
	}
}

func second(_ Image, err error) error { return err }

func TestFormImage_RefusesOtherShapes(t *testing.T) {
	ct, raw := form(t, map[string][]byte{"file": pngOf(t, 20, 20, false)}, "a.png", "image/png")
	if _, err := FormImage(ct, raw); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("a part not named image: %v", err)
	}
	ct, raw = form(t, map[string][]byte{}, "a.png", "image/png")
	if _, err := FormImage(ct, raw); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("no part: %v", err)
	}
	if _, err := FormImage("image/png", pngOf(t, 20, 20, false)); fault.KindOf(err) != fault.UnsupportedMediaType {
		t.Fatalf("a raw body: %v", err)
	}
	if _, err := FormImage("multipart/form-data; boundary=x", []byte("garbage")); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("a broken form: %v", err)
	}
}

func TestMemory_ServesBytesWithImmutableHeaders(t *testing.T) {
	m := &Memory{Base: "http://127.0.0.1:1/creatives/"}
	body := pngOf(t, 20, 20, false)
	key, sum := KeyOf(body, Image{Ext: "png"})
	if key != "creatives/"+sum+".png" || m.URL(key) != "http://127.0.0.1:1/creatives/"+sum+".png" {
		t.Fatalf("key %s url %s", key, m.URL(key))
	}
	_ = m.Put(t.Context(), key, "image/png", body)
	rec := serve(m, "GET", "/"+key)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), body) {
		t.Fatalf("GET: %d", rec.Code)
	}
	for k, v := range map[string]string{"Content-Type": "image/png", "Cache-Control": CacheControl, "X-Content-Type-Options": "nosniff"} {
		if got := rec.Header().Get(k); got != v {
			t.Fatalf("%s: %q, want %q", k, got, v)
		}
	}
	if rec := serve(m, "GET", "/creatives/nope.png"); rec.Code != 404 {
		t.Fatalf("a missing key: %d", rec.Code)
	}
}
