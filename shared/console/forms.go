package console

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Typed forms (CONVENTIONS, after miniflux's internal/ui/form): a page's
// form parses into a struct (parseXForm), and its Request is the API's
// request body, typed after the schema of docs/openapi.yaml that it
// mirrors (types_openapi_test.go holds them to it). A field the console
// sends only when typed is a pointer or omitempty, so that it is left out
// as it always was. Request structs list their fields in the order of
// their JSON names, the order in which the maps they replace were sent.

// fieldErrors are what the console itself refuses in a form, by field:
// each message is shown beside its field, and nothing is sent.
type fieldErrors map[string]string

// EmptyRequest is the body of a step that takes nothing ({}).
type EmptyRequest struct{}

// Nullable is a field of a PATCH: left out (its zero value), null (Null)
// or a value (Some).
type Nullable[T any] struct {
	value *T
	set   bool
}

// Null is a field sent as null: what it names is removed.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true} }

// Some is a field sent with its value.
func Some[T any](v T) Nullable[T] { return Nullable[T]{value: &v, set: true} }

// IsZero says the field is left out (for omitzero).
func (n Nullable[T]) IsZero() bool { return !n.set }

func (n Nullable[T]) MarshalJSON() ([]byte, error) { return json.Marshal(n.value) }

// formValue is a field as typed, without the spaces around it.
func formValue(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

// moneyField reads an amount typed in currency into *to, or names what is
// wrong with it in bad.
func moneyField(r *http.Request, name, currency string, to *int64, bad fieldErrors) {
	n, err := ParseMoney(r.PostForm.Get(name), currency)
	if err != nil {
		bad[name] = err.Error()
		return
	}
	*to = n
}
