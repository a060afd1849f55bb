// Package targeting is a campaign's premium targeting (DESIGN §13): what
// an advertiser may ask (keywords, countries, devices, hours, a frequency
// cap), how it is normalised and checked, and whether a decision's
// request matches it. It is pure: serving matches in memory, never
// reading a table per request, and keeps no profile of the viewer.
package targeting

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/medama-io/go-useragent"
	"golang.org/x/text/unicode/norm"

	"github.com/souqhq/souq/shared/fault"
)

// Limits of a targeting.
const (
	MaxKeywords   = 20
	MaxKeywordLen = 40 // characters, after normalisation
	// A frequency cap shows a campaign at most MaxImpressions times in a
	// window of at most MaxHours.
	MaxImpressions = 100
	MaxHours       = 168
)

// The devices a campaign may target. A tablet counts as mobile.
const (
	Mobile  = "mobile"
	Desktop = "desktop"
)

// Frequency caps how often one browser is shown a campaign: at most
// Impressions times in Hours. The tag keeps the count in the viewer's own
// localStorage and sends it with the decision request.
type Frequency struct {
	Impressions int `json:"impressions"`
	Hours       int `json:"hours"`
}

// Targeting is what a campaign asks of a decision. An empty list asks
// nothing of its dimension; a campaign with none of them is untargeted.
type Targeting struct {
	Keywords  []string   `json:"keywords"`
	Countries []string   `json:"countries"`
	Devices   []string   `json:"devices"`
	Hours     []int      `json:"hours"`
	Frequency *Frequency `json:"frequency"`
}

// IsZero reports an untargeted campaign: it pays no premium.
func (t Targeting) IsZero() bool {
	return len(t.Keywords) == 0 && len(t.Countries) == 0 && len(t.Devices) == 0 && len(t.Hours) == 0 && t.Frequency == nil
}

// Keyword normalises a keyword as both sides are compared: NFKC (so a
// full-width "ｇｏ" is "go"), lower case, spaces trimmed and runs of them
// made one.
func Keyword(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// Normalize checks a targeting and returns it normalised (keywords by
// Keyword, countries upper case, each list sorted without repeats),
// naming every bad field under prefix ("targeting").
func Normalize(t Targeting, prefix string) (Targeting, []fault.FieldError) {
	var bad []fault.FieldError
	field := func(name string) string { return prefix + "." + name }
	out := Targeting{Keywords: []string{}, Countries: []string{}, Devices: []string{}, Hours: []int{}}
	if len(t.Keywords) > MaxKeywords {
		bad = append(bad, fault.FieldError{Field: field("keywords"), Message: fmt.Sprintf("at most %d keywords", MaxKeywords)})
	}
	for i, k := range t.Keywords {
		n := Keyword(k)
		switch {
		case n == "":
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("keywords"), i), Message: "must not be empty"})
		case len([]rune(n)) > MaxKeywordLen:
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("keywords"), i), Message: fmt.Sprintf("at most %d characters", MaxKeywordLen)})
		case strings.ContainsAny(n, "|,") || strings.IndexFunc(n, unicode.IsControl) >= 0:
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("keywords"), i), Message: "must not contain | , or control characters"})
		default:
			out.Keywords = append(out.Keywords, n)
		}
	}
	for i, c := range t.Countries {
		u := strings.ToUpper(strings.TrimSpace(c))
		if !IsCountry(u) {
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("countries"), i), Message: "must be an ISO 3166-1 alpha-2 country code, such as SA or AE"})
			continue
		}
		out.Countries = append(out.Countries, u)
	}
	for i, d := range t.Devices {
		if d != Mobile && d != Desktop {
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("devices"), i), Message: "must be mobile or desktop"})
			continue
		}
		out.Devices = append(out.Devices, d)
	}
	for i, h := range t.Hours {
		if h < 0 || h > 23 {
			bad = append(bad, fault.FieldError{Field: fmt.Sprintf("%s[%d]", field("hours"), i), Message: "must be an hour from 0 to 23 (UTC)"})
			continue
		}
		out.Hours = append(out.Hours, h)
	}
	if f := t.Frequency; f != nil {
		switch {
		case f.Impressions < 1 || f.Impressions > MaxImpressions:
			bad = append(bad, fault.FieldError{Field: field("frequency.impressions"), Message: fmt.Sprintf("must be from 1 to %d", MaxImpressions)})
		case f.Hours < 1 || f.Hours > MaxHours:
			bad = append(bad, fault.FieldError{Field: field("frequency.hours"), Message: fmt.Sprintf("must be from 1 to %d", MaxHours)})
		default:
			out.Frequency = &Frequency{Impressions: f.Impressions, Hours: f.Hours}
		}
	}
	for _, l := range []*[]string{&out.Keywords, &out.Countries, &out.Devices} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	slices.Sort(out.Hours)
	out.Hours = slices.Compact(out.Hours)
	return out, bad
}

// Request is what a decision knows of its viewer and page, and nothing
// more: the page's and the slot's keywords (normalised), the country
// CloudFront saw ("" unknown), the device of the user agent, the UTC hour,
// and how often this browser says it was shown the campaign.
type Request struct {
	Keywords []string
	Country  string
	Device   string
	Hour     int
}

// Matches reports whether the request is one the targeting asks for: a
// keyword in common (when it lists keywords), the viewer's country (an
// unknown country matches no list), device and hour in theirs. The
// frequency cap is the caller's, with the browser's count.
func (t Targeting) Matches(r Request) bool {
	if len(t.Keywords) > 0 && !anyIn(t.Keywords, r.Keywords) {
		return false
	}
	if len(t.Countries) > 0 && (r.Country == "" || !slices.Contains(t.Countries, r.Country)) {
		return false
	}
	if len(t.Devices) > 0 && !slices.Contains(t.Devices, r.Device) {
		return false
	}
	if len(t.Hours) > 0 && !slices.Contains(t.Hours, r.Hour) {
		return false
	}
	return true
}

// anyIn reports whether sorted want and have share an element.
func anyIn(want, have []string) bool {
	for _, h := range have {
		if _, ok := slices.BinarySearch(want, h); ok {
			return true
		}
	}
	return false
}

var (
	parserOnce sync.Once
	parser     *useragent.Parser
	// devices remembers the device of the agents seen (a few browsers'
	// agents make most traffic): parsing one takes microseconds, a
	// lookup a fraction of one.
	devicesMu sync.RWMutex
	devices   = map[string]string{}
)

// maxDevices bounds the agents remembered; past it, they are forgotten.
const maxDevices = 10_000

// DeviceOf is the device of a user agent: desktop, or mobile for phones
// and tablets; "" for what it cannot tell (a TV, a bot, nothing).
func DeviceOf(userAgent string) string {
	devicesMu.RLock()
	d, ok := devices[userAgent]
	devicesMu.RUnlock()
	if ok {
		return d
	}
	parserOnce.Do(func() { parser = useragent.NewParser() })
	ua := parser.Parse(userAgent)
	switch {
	case ua.IsMobile() || ua.IsTablet():
		d = Mobile
	case ua.IsDesktop():
		d = Desktop
	}
	devicesMu.Lock()
	if len(devices) >= maxDevices {
		clear(devices)
	}
	devices[userAgent] = d
	devicesMu.Unlock()
	return d
}

// ParseKeywords reads the tag's ?keywords=go|databases (at most
// MaxKeywords, each normalised; the rest ignored).
func ParseKeywords(raw string) []string {
	if raw == "" {
		return nil
	}
	var out []string
	for _, k := range strings.Split(raw, "|") {
		if n := Keyword(k); n != "" && len([]rune(n)) <= MaxKeywordLen {
			out = append(out, n)
		}
		if len(out) == MaxKeywords {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
