package creatives

import (
	"testing"

	"github.com/souqhq/souq/shared/fault"
)

// Whatever bytes arrive, Check answers an image within the limits or a
// 400 naming image: never a panic, never another kind.
func FuzzCheck(f *testing.F) {
	f.Add(pngOf(f, 12, 12, false))
	f.Add(gifOf(f, 10, 10))
	f.Add(jpegOf(f, 16, 16))
	f.Add(webpFile(f))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8L"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Check(b)
		if err != nil {
			if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || fe.Fields[0].Field != Field {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if img.Width < MinSide || img.Height < MinSide || img.Width > MaxSide || img.Height > MaxSide || len(b) > MaxBytes {
			t.Fatalf("accepted %+v of %d bytes", img, len(b))
		}
	})
}

// FormImage refuses what is not one image part with a 4xx, never more.
func FuzzFormImage(f *testing.F) {
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nabc\r\n--x--\r\n"))
	f.Add("multipart/form-data", []byte(""))
	f.Add("image/png", []byte("abc"))
	f.Fuzz(func(t *testing.T, ct string, b []byte) {
		_, err := FormImage(ct, b)
		if err != nil {
			if k := fault.KindOf(err); k != fault.Invalid && k != fault.UnsupportedMediaType {
				t.Fatalf("%v", err)
			}
		}
	})
}
