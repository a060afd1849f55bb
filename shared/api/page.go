package api

import (
	"strconv"

	"github.com/souqhq/souq/shared/fault"
)

// Page limits (DESIGN §6).
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page reads ?limit= and ?cursor=.
func Page(r *Request) (limit int, cursor string, err error) {
	limit = DefaultLimit
	if s := r.Query("limit"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 || n > MaxLimit {
			return 0, "", fault.InvalidFields("api.Page", "limit is out of range",
				fault.FieldError{Field: "limit", Message: "must be an integer from 1 to 100"})
		}
		limit = n
	}
	return limit, r.Query("cursor"), nil
}

// List is a page of results.
type List[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"nextCursor,omitempty"`
}
