package creatives

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"

	"github.com/souqhq/souq/shared/fault"
)

// MaxUploadBody bounds an upload's whole request: the image, up to
// MaxBytes, and its form around it. Up to it, an image too large is
// refused naming image and its size; past it, the request is 413.
const MaxUploadBody = 1 << 20

// maxParts bounds the parts a form may have before it is refused.
const maxParts = 8

// FormImage reads the image from an upload's body: multipart/form-data
// with one file part named image. The part's declared type and file name
// are ignored: Check decides by content.
func FormImage(contentType string, body []byte) ([]byte, error) {
	const op = "creatives.FormImage"
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, fault.New(fault.UnsupportedMediaType, op, "send the image as multipart/form-data with one file part named image (curl -F image=@banner.png)")
	}
	bad := func(field, msg string) error {
		return fault.InvalidFields(op, "the upload is refused", fault.FieldError{Field: field, Message: msg})
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var img []byte
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || n >= maxParts {
			return nil, fault.New(fault.Invalid, op, "the body is not a well-formed multipart/form-data form")
		}
		name := part.FormName()
		if name != Field {
			return nil, bad(name, "is not a known field: send one file part named image")
		}
		if img != nil {
			return nil, bad(Field, "is given more than once: upload one image per request")
		}
		if img, err = io.ReadAll(io.LimitReader(part, MaxUploadBody+1)); err != nil {
			return nil, fault.New(fault.Invalid, op, "the body is not a well-formed multipart/form-data form")
		}
		if img == nil {
			img = []byte{}
		}
	}
	if img == nil {
		return nil, bad(Field, "is required: send the image file as the form's file part named image")
	}
	return img, nil
}
