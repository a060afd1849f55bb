package serving

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/souqhq/souq/shared/api"
	"github.com/souqhq/souq/shared/fault"
)

// handleDirectory adds the directory's routes to the serve function's
// router: GET /v1/directory and GET /v1/directory/{communityId}, both
// public, answered from the instance's cached listing.
func handleDirectory(rt *api.Router, src DirectorySource, log *slog.Logger, now func() time.Time) {
	dir := NewDirectory(src, now, log)
	rt.Handle("GET /v1/directory", func(ctx context.Context, r *api.Request) (api.Response, error) {
		q, err := parseDirectoryQuery(r.Raw.QueryStringParameters)
		if err != nil {
			return api.Response{}, err
		}
		data, next, err := dir.Search(ctx, q)
		if err != nil {
			return api.Response{}, err
		}
		return api.JSON(http.StatusOK, api.List[Listing]{Data: data, NextCursor: next}), nil
	}, api.NoIdempotency)
	rt.Handle("GET /v1/directory/{communityId}", func(ctx context.Context, r *api.Request) (api.Response, error) {
		l, ok, err := dir.Listed(ctx, r.Path("communityId"))
		if err != nil {
			return api.Response{}, err
		}
		if !ok {
			return api.Response{}, fault.New(fault.NotFound, "serving.Directory", "no such listed community")
		}
		return api.JSON(http.StatusOK, l), nil
	}, api.NoIdempotency)
}

var (
	dirTopic    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	dirLanguage = regexp.MustCompile(`^[a-z]{2}$`)
	dirCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
	dirSize     = regexp.MustCompile(`^([1-9][0-9]{0,3})x([1-9][0-9]{0,3})$`)
)

// directoryParams are the query parameters GET /v1/directory reads.
var directoryParams = []string{"q", "topic", "language", "country", "size", "sort", "limit", "cursor"}

// MaxDirectoryQ is the longest search text.
const MaxDirectoryQ = 100

// parseDirectoryQuery reads GET /v1/directory's parameters, naming every
// one it does not know or cannot read.
func parseDirectoryQuery(params map[string]string) (DirectoryQuery, error) {
	var bad fault.Fields
	for _, name := range slices.Sorted(maps.Keys(params)) {
		if !slices.Contains(directoryParams, name) {
			bad.Add(name, "is not a parameter of the directory (it takes "+strings.Join(directoryParams, ", ")+")")
		}
	}
	q := DirectoryQuery{Q: strings.TrimSpace(params["q"]), Topic: strings.ToLower(strings.TrimSpace(params["topic"])),
		Language: strings.ToLower(strings.TrimSpace(params["language"])), Country: strings.ToUpper(strings.TrimSpace(params["country"])),
		Sort: params["sort"], Limit: api.DefaultLimit}
	if len([]rune(q.Q)) > MaxDirectoryQ {
		bad.Add("q", fmt.Sprintf("at most %d characters", MaxDirectoryQ))
	}
	if q.Topic != "" && !dirTopic.MatchString(q.Topic) {
		bad.Add("topic", "a topic is a lower-case word of letters, digits and dashes, like golang")
	}
	if q.Language != "" && !dirLanguage.MatchString(q.Language) {
		bad.Add("language", "a two-letter ISO 639-1 code, like en")
	}
	if q.Country != "" && !dirCountry.MatchString(q.Country) {
		bad.Add("country", "a two-letter ISO 3166 country code, like DE")
	}
	if size := strings.TrimSpace(params["size"]); size != "" {
		m := dirSize.FindStringSubmatch(strings.ToLower(size))
		if m == nil {
			bad.Add("size", "a slot size as widthxheight in pixels, like 300x250")
		} else {
			q.Width, _ = strconv.Atoi(m[1])
			q.Height, _ = strconv.Atoi(m[2])
		}
	}
	switch q.Sort {
	case "", SortAudience, SortName, SortNew:
	default:
		bad.Add("sort", "must be audience (most viewable impressions first), name or new")
	}
	if s, ok := params["limit"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > api.MaxLimit {
			bad.Add("limit", fmt.Sprintf("must be an integer from 1 to %d", api.MaxLimit))
		}
		q.Limit = n
	}
	if s := params["cursor"]; s != "" {
		c, ok := decodeDirectoryCursor(s)
		if !ok || c.Sort != cmp.Or(q.Sort, SortAudience) {
			bad.Add("cursor", "is not a cursor of this directory query (send the nextCursor of the page before, with the same sort)")
		} else {
			q.After = &c
		}
	}
	if err := bad.Err("serving.Directory", "the directory query has invalid parameters"); err != nil {
		return DirectoryQuery{}, err
	}
	return q, nil
}
