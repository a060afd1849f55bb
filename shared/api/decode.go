package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/souqhq/souq/shared/fault"
)

// MaxBody is the largest request body accepted (DESIGN §6).
const MaxBody = 64 << 10

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

// Validator returns the shared validator, which names fields by their JSON
// names so that errors[] speak the client's language.
func Validator() *validator.Validate {
	validateOnce.Do(func() {
		validate = validator.New(validator.WithRequiredStructEnabled())
		validate.RegisterTagNameFunc(func(f reflect.StructField) string {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				return ""
			}
			return name
		})
	})
	return validate
}

// RawBody is the request's body exactly as it was sent (base64 decoded),
// for a handler that must check a signature over it (Stripe's events).
func (r *Request) RawBody() ([]byte, error) { return r.body() }

// Upload is the body of an upload route (an image in a form), which may be
// larger than MaxBody: base64 decoded, refused over max bytes. It is read
// apart from body, which such a route never calls (it takes no
// Idempotency-Key and no JSON).
func (r *Request) Upload(max int) ([]byte, error) {
	const op = "api.Upload"
	raw := r.Raw.Body
	tooLarge := fault.New(fault.TooLarge, op, fmt.Sprintf("request body is over %d bytes", max))
	if len(raw) > max*4/3+4 {
		return nil, tooLarge
	}
	b := []byte(raw)
	if r.Raw.IsBase64Encoded {
		d, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fault.New(fault.Invalid, op, "request body is not valid base64")
		}
		b = d
	}
	if len(b) > max {
		return nil, tooLarge
	}
	return b, nil
}

// body returns the raw request body, refusing oversized ones. It is
// decoded once per request: the size check, the idempotency fingerprint
// and Decode all read the same bytes.
func (r *Request) body() ([]byte, error) {
	if !r.bodyRead {
		r.rawBody, r.bodyErr = r.decodeBody()
		r.bodyRead = true
	}
	return r.rawBody, r.bodyErr
}

func (r *Request) decodeBody() ([]byte, error) {
	const op = "api.Decode"
	raw := r.Raw.Body
	if len(raw) > MaxBody*4/3+4 {
		return nil, fault.New(fault.TooLarge, op, fmt.Sprintf("request body is over %d bytes", MaxBody))
	}
	b := []byte(raw)
	if r.Raw.IsBase64Encoded {
		d, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fault.New(fault.Invalid, op, "request body is not valid base64")
		}
		b = d
	}
	if len(b) > MaxBody {
		return nil, fault.New(fault.TooLarge, op, fmt.Sprintf("request body is over %d bytes", MaxBody))
	}
	return b, nil
}

// Decode reads the JSON body into v strictly: it must be JSON (by
// Content-Type), at most MaxBody bytes, one object with no unknown fields
// and no trailing data; then v is validated by its `validate` tags.
// Every failure is a 4xx fault with field errors where a field is to blame.
func Decode(r *Request, v any) error {
	const op = "api.Decode"
	b, err := r.body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return fault.New(fault.Invalid, op, "a JSON request body is required")
	}
	if ct := r.Header("content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.New(fault.UnsupportedMediaType, op, "send the body as application/json")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fault.New(fault.Invalid, op, "the body must hold exactly one JSON object")
	}
	if field := duplicateKey(b); field != "" {
		// encoding/json keeps the last of two equal keys; something in
		// front of the API may read the first. One meaning only.
		return fault.InvalidFields(op, "the request has invalid fields", fault.FieldError{Field: field, Message: "is given more than once"})
	}
	return Validate(v)
}

// duplicateKey is the dotted path of the first key an object of b names
// twice, or "" (b is valid JSON: Decode read it).
func duplicateKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		keys   map[string]bool
		path   string
		want   bool // an object's next string token is a key
	}
	var stack []*frame
	path := func(key string) string {
		if len(stack) == 0 || stack[len(stack)-1].path == "" {
			return key
		}
		return stack[len(stack)-1].path + "." + key
	}
	child := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := child
				if top != nil && !top.object {
					p = top.path
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, path: p, want: true})
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].want = true
				}
			}
			continue
		case string:
			if top != nil && top.object && top.want {
				if top.keys[t] {
					return path(t)
				}
				top.keys[t] = true
				top.want, child = false, path(t)
				continue
			}
		}
		if top != nil && top.object {
			top.want = true
		}
	}
}

// DecodeOptional is Decode for bodies that may be left out: an empty body
// leaves v as it is (and valid).
func DecodeOptional(r *Request, v any) error {
	b, err := r.body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return Validate(v)
	}
	return Decode(r, v)
}

// Validate runs the struct's validate tags and reports field errors.
func Validate(v any) error {
	err := Validator().Struct(v)
	if err == nil {
		return nil
	}
	var ve validator.ValidationErrors
	if !errors.As(err, &ve) {
		return fault.New(fault.Invalid, "api.Validate", "the request could not be validated")
	}
	fields := make([]fault.FieldError, 0, len(ve))
	for _, fe := range ve {
		msg := message(fe)
		if fe.Tag() == "required" && isNumber(fe.Kind()) {
			// A number that is 0 is indistinguishable from one left out:
			// say the rule it breaks (height 0: "must be at least 10"),
			// not "is required".
			if rule := numberRule(reflect.TypeOf(v), fe.StructNamespace()); rule != "" {
				msg = rule
			}
		}
		fields = append(fields, fault.FieldError{Field: fieldPath(fe), Message: msg})
	}
	return fault.InvalidFields("api.Validate", "the request has invalid fields", fields...)
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// numberRule finds the field at ns ("DepositInput.Amount") in t and says
// its lower bound, from its validate tag ("" when it has none).
func numberRule(t reflect.Type, ns string) string {
	parts := strings.Split(ns, ".")
	for _, name := range parts[1:] {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return ""
		}
		f, ok := t.FieldByName(strings.SplitN(name, "[", 2)[0])
		if !ok {
			return ""
		}
		if name == parts[len(parts)-1] {
			for _, rule := range strings.Split(f.Tag.Get("validate"), ",") {
				k, p, _ := strings.Cut(rule, "=")
				switch k {
				case "gt":
					return "must be greater than " + p
				case "gte", "min":
					return "must be at least " + p
				}
			}
			return ""
		}
		t = f.Type
	}
	return ""
}

// fieldPath drops the root struct's name: "CreateCommunity.name" → "name".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

func message(fe validator.FieldError) string {
	p := fe.Param()
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if fe.Kind() == reflect.String {
			return "must be at most " + p + " characters"
		}
		return "must be at most " + p
	case "min":
		if fe.Kind() == reflect.String {
			return "must be at least " + p + " characters"
		}
		return "must be at least " + p
	case "gt":
		return "must be greater than " + p
	case "gte":
		return "must be at least " + p
	case "lte":
		return "must be at most " + p
	case "oneof":
		return "must be one of: " + p
	case "url", "http_url":
		return "must be an absolute http(s) URL"
	case "len":
		return "must be exactly " + p + " characters"
	case "iso4217":
		return "must be an ISO 4217 currency code such as USD"
	case "printascii":
		return "must be printable ASCII"
	}
	return "is invalid (" + fe.Tag() + ")"
}

func decodeError(err error) error {
	const op = "api.Decode"
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fault.New(fault.Invalid, op, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fault.New(fault.Invalid, op, "the body must be a JSON object")
		}
		return fault.InvalidFields(op, "the request has invalid fields",
			fault.FieldError{Field: field, Message: "must be " + jsonKind(typ.Type)})
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fault.New(fault.Invalid, op, "the JSON body ends too early")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fault.InvalidFields(op, "the request has unknown fields",
			fault.FieldError{Field: strings.Trim(name, `"`), Message: "is not a known field"})
	}
	return fault.New(fault.Invalid, op, "the body is not valid JSON for this request")
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of type " + t.String()
}
