package creatives

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"

	"github.com/souqhq/souq/shared/fault"
)

// Limits of a hosted creative: the size of a campaign's creative (DESIGN
// §12) and 150 KB, the IAB's usual ceiling for a display banner.
const (
	MaxBytes = 150 * 1024
	MinSide  = 10
	MaxSide  = 4000
)

// Field is the name of the upload's file part, which every refusal of the
// image names.
const Field = "image"

// Image is what the checks read from an image's bytes.
type Image struct {
	// ContentType is the type its content proves (image/png, image/jpeg,
	// image/gif, image/webp); Ext its key's extension.
	ContentType string
	Ext         string
	Width       int
	Height      int
}

type format struct {
	name, contentType, ext string
	magic                  func([]byte) bool
	config                 func([]byte) (image.Config, error)
	decode                 func([]byte) error
}

// formats are the types Souq hosts, each known by its magic bytes and
// then read by its own decoder: the declared type is never asked.
var formats = []format{
	{"PNG", "image/png", "png",
		func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) },
		func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) error { _, err := png.Decode(bytes.NewReader(b)); return err }},
	{"JPEG", "image/jpeg", "jpg",
		func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) },
		func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) error { _, err := jpeg.Decode(bytes.NewReader(b)); return err }},
	{"GIF", "image/gif", "gif",
		func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
		},
		func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
		// The first frame, as a browser shows it first: a GIF whose
		// first frame is whole is an image.
		func(b []byte) error { _, err := gif.Decode(bytes.NewReader(b)); return err }},
	{"WebP", "image/webp", "webp",
		func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" },
		func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
		func(b []byte) error { _, err := webp.Decode(bytes.NewReader(b)); return err }},
}

// Check reads an upload's bytes and says what image they are, or why they
// are refused: a type other than PNG, JPEG, GIF or WebP (by content), more
// than MaxBytes, a pixel size outside MinSide..MaxSide, or a file its
// decoder cannot read whole. The pixel size is checked from the header
// before the image is decoded, so a tiny file that claims a huge image is
// never inflated.
func Check(b []byte) (Image, error) {
	const op = "creatives.Check"
	refuse := func(msg string) (Image, error) {
		return Image{}, fault.InvalidFields(op, "the image is refused", fault.FieldError{Field: Field, Message: msg})
	}
	if len(b) == 0 {
		return refuse("is required: send the image file (PNG, JPEG, GIF or WebP) as the form's file part named image")
	}
	if len(b) > MaxBytes {
		return refuse(fmt.Sprintf("must be at most 150 KB (%d bytes); it is %s (%d bytes)", MaxBytes, kb(len(b)), len(b)))
	}
	var f *format
	for i := range formats {
		if formats[i].magic(b) {
			f = &formats[i]
			break
		}
	}
	if f == nil {
		return refuse("must be a PNG, JPEG, GIF or WebP image: its content is none of these, whatever its name or declared type")
	}
	cfg, err := f.config(b)
	if err != nil {
		return refuse(fmt.Sprintf("is not a readable %s: its header is damaged or cut short", f.name))
	}
	if cfg.Width < MinSide || cfg.Height < MinSide || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return refuse(fmt.Sprintf("must be %d×%d to %d×%d pixels; it is %d×%d", MinSide, MinSide, MaxSide, MaxSide, cfg.Width, cfg.Height))
	}
	if err := f.decode(b); err != nil {
		return refuse(fmt.Sprintf("is not a readable %s: its data is damaged or cut short", f.name))
	}
	return Image{ContentType: f.contentType, Ext: f.ext, Width: cfg.Width, Height: cfg.Height}, nil
}

// kb is a size as people read it, rounded up to a tenth so that a size
// over the limit never reads as the limit: 151 KB, 150.1 KB.
func kb(n int) string {
	tenths := (n*10 + 1023) / 1024
	if tenths%10 == 0 {
		return fmt.Sprintf("%d KB", tenths/10)
	}
	return fmt.Sprintf("%d.%d KB", tenths/10, tenths%10)
}
