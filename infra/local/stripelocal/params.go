package stripelocal

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// params are one API request's parameters as stripe-go encodes them: the
// form body of a POST or the query of a GET, nested keys in brackets
// (metadata[souq_charge_id], line_items[0][price_data][unit_amount],
// expand[0]; expand[] from other clients).
type params struct{ v url.Values }

func (p params) str(key string) string { return p.v.Get(key) }

func (p params) has(key string) bool { _, ok := p.v[key]; return ok }

func (p params) flag(key string) bool { return p.v.Get(key) == "true" }

// int reads a whole number; ok is false when the key is absent, and err
// names the parameter when it is not a number.
func (p params) int(key string) (n int64, ok bool, err error) {
	if !p.has(key) {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(p.v.Get(key), 10, 64)
	if perr != nil {
		return 0, true, invalid(key, "Invalid integer: %s", p.v.Get(key))
	}
	return n, true, nil
}

// hash is a map parameter: hash("metadata") reads metadata[k]=v, and
// hash("payment_intent_data[metadata]") the metadata nested in it. Keys
// with further brackets are not part of it.
func (p params) hash(prefix string) map[string]string {
	out := map[string]string{}
	for k, vs := range p.v {
		if !strings.HasPrefix(k, prefix+"[") || !strings.HasSuffix(k, "]") || len(vs) == 0 {
			continue
		}
		inner := k[len(prefix)+1 : len(k)-1]
		if inner == "" || strings.ContainsAny(inner, "[]") {
			continue
		}
		out[inner] = vs[0]
	}
	return out
}

// list is an array parameter in index order: key[0], key[1]… as stripe-go
// sends it, or key[] and key repeated as others do.
func (p params) list(key string) []string {
	type item struct {
		idx int
		v   string
	}
	var items []item
	for k, vs := range p.v {
		idx := -1
		switch {
		case k == key || k == key+"[]":
		case strings.HasPrefix(k, key+"[") && strings.HasSuffix(k, "]"):
			n, err := strconv.Atoi(k[len(key)+1 : len(k)-1])
			if err != nil || n < 0 {
				continue
			}
			idx = n
		default:
			continue
		}
		for _, v := range vs {
			items = append(items, item{idx, v})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].idx < items[j].idx })
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.v)
	}
	return out
}

// expansion is the expand[] of a request, relative to the object being
// rendered: "payment_intent.payment_method" on a Checkout Session expands
// the session's payment_intent, and that intent's payment_method.
type expansion []string

// has says the field is to be expanded.
func (e expansion) has(field string) bool {
	for _, p := range e {
		if p == field || strings.HasPrefix(p, field+".") {
			return true
		}
	}
	return false
}

// sub is the expansion inside field.
func (e expansion) sub(field string) expansion {
	var out expansion
	for _, p := range e {
		if rest, ok := strings.CutPrefix(p, field+"."); ok {
			out = append(out, rest)
		}
	}
	return out
}

// lower is Stripe's currency spelling.
func lower(currency string) string { return strings.ToLower(currency) }
