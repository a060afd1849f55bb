package patterns

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/souqhq/souq/events"
)

// event is one event of the corpus: the JSON both engines read, and what
// it is for the listing of a failure.
type event struct {
	Label string
	JSON  []byte
	// Catalog is true for the events of the events package's catalog.
	Catalog bool
	// Of is the index of the catalog event this one varies, or -1.
	Of int
	// Expect says what the engines' agreed matches must be, beyond their
	// agreement: see the expect constants.
	Expect expect
	// Rules are the expected matches when Expect is exactly.
	Rules []string
}

type expect int

const (
	anything   expect = iota // only that the engines agree
	exactly                  // the rules in Rules, no more, no fewer
	nothing                  // no rule at all
	sameAsOf                 // what the catalog event it varies matches
	sourceOnly               // what that event matches, less every rule naming a detail-type
)

// corpusTime is when the corpus's events happened.
var corpusTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// envelope is an event as the local bus builds it (Bus.EventJSON) and
// EventBridge hands it to a rule: EventBridge's fields around the detail.
// Its fields are kept raw so that a variant can change one.
func envelope(source, detailType string, detail json.RawMessage) map[string]json.RawMessage {
	bus, err := newBus(nil)
	if err != nil {
		panic(err)
	}
	b, err := bus.EventJSON(events.Envelope{Source: source, DetailType: detailType, Time: corpusTime, Detail: detail})
	if err != nil {
		panic(err) // a fixed shape of our own: cannot fail
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

func encode(m map[string]json.RawMessage) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func quote(s string) json.RawMessage { b, _ := json.Marshal(s); return b }

// catalogEvents are one event of every detail-type the events package
// defines, with the detail of its committed sample (events/samples), and
// a second one with the detail its Go type marshals to when only the meta
// is set: every omitempty field gone, nil slices as null.
func catalogEvents() ([]event, error) {
	var out []event
	for _, e := range events.Catalog() {
		dt := e.DetailType()
		sample, err := os.ReadFile(filepath.Join("..", "..", "events", "samples", dt+".json"))
		if err != nil {
			return nil, fmt.Errorf("the sample of %s: %w", dt, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, sample); err != nil {
			return nil, fmt.Errorf("the sample of %s: %w", dt, err)
		}
		out = append(out, event{Label: dt + " (its sample)", JSON: encode(envelope(e.Source(), dt, compact.Bytes())), Catalog: true, Of: -1})

		sparse := reflect.New(reflect.TypeOf(e).Elem()).Interface().(events.Event)
		*sparse.Base() = events.Meta{EventID: "evt_01jd3k4m5n6p7q8r9s0t1v2w3y", OccurredAt: "2026-11-23T10:00:00.000Z", SchemaVersion: 1}
		detail, err := json.Marshal(sparse)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dt, err)
		}
		out = append(out, event{Label: dt + " (only its required fields)", JSON: encode(envelope(e.Source(), dt, detail)), Catalog: true, Of: -1})
	}
	return out, nil
}

// nearMisses varies the envelope of each catalog event (at index i of
// catalog): sources and detail-types one edit away, missing, null, of
// another JSON type, in an array, escaped.
func nearMisses(catalog []event) []event {
	var out []event
	for i, c := range catalog {
		var orig map[string]json.RawMessage
		if err := json.Unmarshal(c.JSON, &orig); err != nil {
			panic(err)
		}
		var source, dt string
		_ = json.Unmarshal(orig["source"], &source)
		_ = json.Unmarshal(orig["detail-type"], &dt)
		vary := func(label string, want expect, change func(m map[string]json.RawMessage)) {
			m := map[string]json.RawMessage{}
			for k, v := range orig {
				m[k] = v
			}
			change(m)
			out = append(out, event{Label: c.Label + ", " + label, JSON: encode(m), Of: i, Expect: want})
		}
		set := func(field string, raw json.RawMessage) func(map[string]json.RawMessage) {
			return func(m map[string]json.RawMessage) { m[field] = raw }
		}

		vary("source in capitals", nothing, set("source", quote(strings.ToUpper(source))))
		vary("source with a trailing space", nothing, set("source", quote(source+" ")))
		vary("source without its context", nothing, set("source", quote("souq")))
		vary("source one letter short", nothing, set("source", quote(source[:len(source)-1])))
		vary("source of another system", nothing, set("source", quote("aws.events")))
		vary("source missing", nothing, func(m map[string]json.RawMessage) { delete(m, "source") })
		vary("source null", nothing, set("source", json.RawMessage(`null`)))
		vary("source a number", nothing, set("source", json.RawMessage(`1`)))
		vary("source an object", nothing, set("source", json.RawMessage(`{"name":`+string(quote(source))+`}`)))
		vary("source in an array", sameAsOf, set("source", json.RawMessage(`[`+string(quote(source))+`]`)))
		vary("source in an array with another", sameAsOf, set("source", json.RawMessage(`["aws.events",`+string(quote(source))+`]`)))
		vary("source with an escaped dot", sameAsOf, set("source", json.RawMessage(`"`+strings.Replace(source, ".", `\u002e`, 1)+`"`)))
		vary("source of another context", anything, set("source", quote(otherSource(source))))

		vary("detail-type in lower case", sourceOnly, set("detail-type", quote(strings.ToLower(dt))))
		vary("detail-type with a suffix", sourceOnly, set("detail-type", quote(dt+"V2")))
		vary("detail-type missing", sourceOnly, func(m map[string]json.RawMessage) { delete(m, "detail-type") })
		vary("detail-type null", sourceOnly, set("detail-type", json.RawMessage(`null`)))
		vary("detail-type a number", sourceOnly, set("detail-type", json.RawMessage(`0`)))
		vary("detail-type in an array", sameAsOf, set("detail-type", json.RawMessage(`[`+string(quote(dt))+`]`)))
		vary("detail-type with an escaped letter", sameAsOf, set("detail-type", json.RawMessage(`"\u00`+fmt.Sprintf("%x", dt[0])+dt[1:]+`"`)))
		vary("detail empty", anything, set("detail", json.RawMessage(`{}`)))
		vary("detail null", anything, set("detail", json.RawMessage(`null`)))
	}
	return out
}

// otherSource is the next of Souq's sources after s, so that a detail-type
// arrives from a context that does not publish it.
func otherSource(s string) string {
	all := []string{events.SourceAccounts, events.SourceAuctions, events.SourceSponsorships, events.SourceReferrals,
		events.SourcePayouts, events.SourceLedger, events.SourceWebhooks, events.SourceCampaigns, events.SourceServing,
		events.SourceMemberships}
	for i, x := range all {
		if x == s {
			return all[(i+1)%len(all)]
		}
	}
	return all[0]
}

// ledgerEvents are transfers whose postings the accounts-ledger rule
// reads (a prefix inside an array of objects), with the rules each must
// match.
func ledgerEvents() []event {
	posted := func(label, source, postings string, rules ...string) event {
		detail := `{"eventId":"evt_01jd3k4m5n6p7q8r9s0t1v2w3z","occurredAt":"2026-11-23T10:00:00.000Z","schemaVersion":1,` +
			`"transferId":"txf_01jd3k4m5n6p7q8r9s0t1v2w3x","kind":"capture","postings":` + postings + `}`
		return event{Label: "LedgerTransferPosted, " + label, JSON: encode(envelope(source, "LedgerTransferPosted", json.RawMessage(detail))),
			Of: -1, Expect: exactly, Rules: rules}
	}
	p := func(account string) string {
		return `{"account":` + account + `,"amount":{"amount":1500,"currency":"USD"}}`
	}
	ledger := events.SourceLedger
	return []event{
		posted("a capture from an advertiser to the platform", ledger, `[`+p(`"advertiser:adv_01"`)+`,`+p(`"platform:fees"`)+`]`, "accounts-ledger"),
		posted("a settlement to a community", ledger, `[`+p(`"platform:fees"`)+`,`+p(`"community:com_01"`)+`]`, "accounts-ledger"),
		posted("to an advertiser and a community", ledger, `[`+p(`"external:deposits"`)+`,`+p(`"advertiser:adv_01"`)+`,`+p(`"community:com_01"`)+`]`, "accounts-ledger"),
		posted("between system accounts and an influencer", ledger, `[`+p(`"platform:fees"`)+`,`+p(`"influencer:usr_01"`)+`,`+p(`"external:payouts"`)+`]`),
		posted("a person's membership payment", ledger, `[`+p(`"person:usr_01"`)+`,`+p(`"platform:fees"`)+`]`),
		posted("an advertiser's debt (the prefix is not a substring)", ledger, `[`+p(`"debt:advertiser:adv_01"`)+`,`+p(`"platform:disputes"`)+`]`),
		posted("a community's payout in transit", ledger, `[`+p(`"transit:community:com_01"`)+`,`+p(`"external:payouts"`)+`]`),
		posted("an account in capitals", ledger, `[`+p(`"Advertiser:adv_01"`)+`,`+p(`"COMMUNITY:com_01"`)+`]`),
		posted("an account that is the prefix alone", ledger, `[`+p(`"advertiser:"`)+`]`, "accounts-ledger"),
		posted("an account without the colon", ledger, `[`+p(`"advertiser"`)+`,`+p(`"community"`)+`]`),
		posted("an account with non-ASCII letters", ledger, `[`+p(`"community:com_çà😀"`)+`]`, "accounts-ledger"),
		posted("an account with an escaped letter", ledger, `[`+p(`"\u0061dvertiser:adv_01"`)+`]`, "accounts-ledger"),
		posted("an account that is a number", ledger, `[`+p(`5`)+`]`),
		posted("an account that is null", ledger, `[`+p(`null`)+`]`),
		posted("accounts in an array", ledger, `[`+p(`["platform:fees","community:com_01"]`)+`]`, "accounts-ledger"),
		posted("postings an object, not an array", ledger, p(`"advertiser:adv_01"`), "accounts-ledger"),
		posted("postings empty", ledger, `[]`),
		posted("postings null", ledger, `null`),
		posted("an account one level deeper", ledger, `[{"from":{"account":"advertiser:adv_01"}}]`),
		posted("from the accounts context", events.SourceAccounts, `[`+p(`"advertiser:adv_01"`)+`]`, "webhooks-all"),
		posted("from an unknown source", "souq.ledgers", `[`+p(`"advertiser:adv_01"`)+`]`),
	}
}

// extraCorpus reads the events in the files of SOUQ_PATTERN_CORPUS (a
// directory): JSON arrays of events, or one event per line.
func extraCorpus(dir string) ([]event, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("SOUQ_PATTERN_CORPUS: %w", err)
	}
	var out []event
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 && trimmed[0] == '[' {
			var arr []json.RawMessage
			if err := json.Unmarshal(trimmed, &arr); err != nil {
				return nil, fmt.Errorf("%s: not a JSON array of events: %w", path, err)
			}
			for i, raw := range arr {
				ev, err := corpusEvent(fmt.Sprintf("%s[%d]", path, i), raw)
				if err != nil {
					return nil, err
				}
				out = append(out, ev)
			}
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20) // EventBridge's events are at most 256 KB
		for n := 1; sc.Scan(); n++ {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				ev, err := corpusEvent(fmt.Sprintf("%s:%d", path, n), line)
				if err != nil {
					return nil, err
				}
				out = append(out, ev)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return out, nil
}

func corpusEvent(label string, raw []byte) (event, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return event{}, fmt.Errorf("%s: not a JSON object: %w", label, err)
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, raw)
	return event{Label: label, JSON: compact.Bytes(), Of: -1}, nil
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}
