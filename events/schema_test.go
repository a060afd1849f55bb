package events

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite schemas/ and samples/ from the Go types")

// The committed schemas are what webhook customers read; they must match
// the Go types exactly.
func TestSchemas_MatchTheGoTypes(t *testing.T) {
	for _, e := range Catalog() {
		got, err := JSONSchema(e)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("schemas", e.DetailType()+".json")
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./events -update)", e.DetailType(), err)
		}
		if !bytes.Equal(bytes.TrimSpace(want), got) {
			t.Errorf("%s is stale: run go test ./events -update", path)
		}
	}
}

// Every detail-type has a sample that decodes strictly into its type and
// carries the fields DESIGN §8 requires of every event.
func TestSamples_DecodeStrictlyAndCarryMeta(t *testing.T) {
	for _, e := range Catalog() {
		path := filepath.Join("samples", e.DetailType()+".json")
		if *update {
			sample := reflect.New(reflect.TypeOf(e).Elem())
			fillSample(sample.Elem(), "")
			b, _ := json.MarshalIndent(sample.Interface(), "", "  ")
			if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: no sample: %v", e.DetailType(), err)
		}
		v := reflect.New(reflect.TypeOf(e).Elem()).Interface().(Event)
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		m := v.Base()
		if !strings.HasPrefix(m.EventID, "evt_") || m.OccurredAt == "" || m.SchemaVersion != 1 {
			t.Errorf("%s: meta incomplete: %+v", path, *m)
		}
	}
}

func TestCatalog_DetailTypesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, dt := range DetailTypes() {
		if seen[dt] {
			t.Fatalf("detail-type %s declared twice", dt)
		}
		seen[dt] = true
	}
}

// fillSample gives every field a plausible value named after the field.
func fillSample(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type().Name() == "Amount" {
			v.FieldByName("Minor").SetInt(1500)
			v.FieldByName("Currency").SetString("USD")
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fillSample(v.Field(i), tag)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillSample(v.Elem(), name)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillSample(s.Index(0), strings.TrimSuffix(name, "s"))
		v.Set(s)
	case reflect.Int, reflect.Int64:
		if name == "schemaVersion" || name == "version" {
			v.SetInt(1)
		} else {
			v.SetInt(1500)
		}
	case reflect.String:
		v.SetString(sampleString(name))
	}
}

func sampleString(name string) string {
	prefixes := map[string]string{
		"eventId": "evt", "communityId": "com", "advertiserId": "adv", "ownerId": "usr",
		"keyId": "key", "auctionId": "auc", "slotId": "slot", "bidId": "bid",
		"winnerAdvertiserId": "adv", "winningBidId": "bid", "flightId": "flt", "bidderId": "adv",
		"sponsorshipId": "spn", "offeringId": "off", "actorId": "usr", "dealId": "deal",
		"programId": "prg", "influencerId": "usr", "conversionId": "cnv", "payoutId": "po",
		"transferId": "txf",
	}
	if p, ok := prefixes[name]; ok {
		return p + "_01jd3k4m5n6p7q8r9s0t1v2w3x"
	}
	switch name {
	case "occurredAt", "flightStart", "flightEnd", "closesAt":
		return "2026-11-23T10:00:00.000Z"
	case "currency":
		return "USD"
	case "accountKind":
		return "advertiser"
	case "from":
		return "pending_review"
	case "to":
		return "approved"
	case "ownerKind":
		return "influencer"
	case "account":
		return "advertiser:adv_01jd3k4m5n6p7q8r9s0t1v2w3x"
	case "kind":
		return "capture"
	case "code":
		return "gophers-7kq2"
	case "externalId":
		return "order-1001"
	case "reason":
		return "account_closed"
	}
	return "example"
}
