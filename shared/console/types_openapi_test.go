package console

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The console's request and response types are held to the API's
// document (CONVENTIONS: typed forms): every JSON field of a type must be
// a property of the schema it mirrors, nested objects and lists included,
// so that a field renamed on either side fails here and not in a person's
// browser.

const openAPIDocument = "../../docs/openapi.yaml"

// mirrors names the schema each type mirrors: a component schema by name
// ("Campaign"), or, where the document writes the schema inline, an
// operation's request body ("POST /v1/…") or answer ("GET /v1/… 200").
// Types reached through a row's fields (HistoryEntry, DealStats) are held
// by that row.
var mirrors = []struct {
	v      any
	schema string
}{
	// Answers.
	{Problem{}, "Problem"},
	{Money{}, "Money"},
	{Owned{}, "Owned"},
	{Me{}, "Me"},
	{Community{}, "Community"},
	{Advertiser{}, "Advertiser"},
	{Balance{}, "Balance"},
	{Posting{}, "Posting"},
	{List[Posting]{}, "GET /v1/ledger/statement 200"},
	{Deposit{}, "Deposit"},
	{List[Deposit]{}, "GET /v1/advertisers/{advertiserId}/deposits 200"},
	{Deposit{}, "GET /v1/deposits/{depositId} 200"},
	{List[SavedCard]{}, "GET /v1/advertisers/{advertiserId}/payment-methods 200"},
	{CardSetup{}, "POST /v1/advertisers/{advertiserId}/payment-methods 201"},
	{Advertiser{}, "PATCH /v1/advertisers/{advertiserId} 200"},
	{Refund{}, "POST /v1/advertisers/{advertiserId}/refunds 201"},
	{Refund{}, "GET /v1/refunds/{refundId} 200"},
	{PayoutAccount{}, "GET /v1/me/payout-account 200"},
	{PayoutOnboarding{}, "POST /v1/me/payout-account 201"},
	{PayoutDashboard{}, "POST /v1/me/payout-account/dashboard 201"},
	// The created key's answer, with its secret (a listed key has none:
	// it reads as "").
	{APIKey{}, "POST /v1/advertisers/{advertiserId}/api-keys 201"},
	{Creative{}, "Creative"},
	{MembershipJoinInfo{}, "JoinInfo"},
	{MembershipPass{}, "Pass"},
	{Membership{}, "Membership"},
	{List[Membership]{}, "GET /v1/me/memberships 200"},
	{MembersReport{}, "MembersReport"},
	{List[Tier]{}, "GET /v1/communities/{communityId}/tiers 200"},
	{JoinRequest{}, "JoinInput"},
	{ReferralCode{}, "GET /v1/referral-codes/{code} 200"},
	{MembershipChangeRequest{}, "MembershipChange"},
	{TierRequest{}, "TierInput"},
	{MembershipRefundRequest{}, "MembershipRefundInput"},
	{Slot{}, "Slot"},
	{Auction{}, "Auction"},
	{Bid{}, "Bid"},
	{Flight{}, "Flight"},
	{FlightStats{}, "FlightStats"},
	{Offering{}, "Offering"},
	{Availability{}, "GET /v1/offerings/{offeringId}/availability 200"},
	{Content{}, "SponsorshipContent"},
	{Version{}, "SponsorshipVersion"},
	{Sponsorship{}, "Sponsorship"},
	{List[Sponsorship]{}, "GET /v1/communities/{communityId}/sponsorships 200"},
	{Commission{}, "Commission"},
	{Program{}, "Program"},
	{Deal{}, "Deal"},
	{ProgramReport{}, "ProgramReport"},
	{Conversion{}, "Conversion"},
	{ReferredMember{}, "ReferredMember"},
	{Earnings{}, "Earnings"},
	{Payout{}, "Payout"},
	{Webhook{}, "Endpoint"},
	{Delivery{}, "Delivery"},
	{Campaign{}, "Campaign"},
	{List[Campaign]{}, "GET /v1/advertisers/{advertiserId}/campaigns 200"},
	{ReportFigures{}, "ReportFigures"},
	{CampaignReport{}, "CampaignReport"},
	{Reach{}, "GET /v1/reach 200"},
	{CampaignBreakdown{}, "CampaignBreakdown"},
	{CommunityBreakdown{}, "EarningsBreakdown"},
	{EarningsReport{}, "EarningsReport"},
	{DirectoryListing{}, "DirectoryListing"},
	{List[DirectoryListing]{}, "GET /v1/directory 200"},
	{CampaignReviewList{}, "GET /v1/communities/{communityId}/campaign-reviews 200"},
	{CampaignReviewDecision{}, "CampaignReviewDecision"},
	{Me{}, "PATCH /v1/me 200"},
	{HostedCreative{}, "HostedCreative"},
	{List[HostedCreative]{}, "GET /v1/advertisers/{advertiserId}/creatives 200"},

	// Requests.
	{EmptyRequest{}, "POST /v1/sponsorships/{sponsorshipId}/cancel"},
	{CreateCommunityRequest{}, "CreateCommunity"},
	{CreateAdvertiserRequest{}, "CreateAdvertiser"},
	{UpdateCommunityRequest{}, "PATCH /v1/communities/{communityId}"},
	{DepositRequest{}, "POST /v1/advertisers/{advertiserId}/deposits"},
	{DepositRequest{}, "POST /v1/communities/{communityId}/deposits"},
	{AmountRequest{}, "POST /v1/advertisers/{advertiserId}/refunds"},
	{UpdateAdvertiserRequest{}, "PATCH /v1/advertisers/{advertiserId}"},
	{AmountRequest{}, "POST /v1/payouts"},
	{AmountRequest{}, "POST /v1/programs/{programId}/budget"},
	{CreateAPIKeyRequest{}, "POST /v1/communities/{communityId}/api-keys"},
	{CreateSlotRequest{}, "CreateSlot"},
	{UpdateSlotRequest{}, "PATCH /v1/slots/{slotId}"},
	{OpenAuctionRequest{}, "POST /v1/slots/{slotId}/auctions"},
	{PlaceBidRequest{}, "PlaceBid"},
	{CreateWebhookRequest{}, "EndpointInput"},
	{CreateOfferingRequest{}, "OfferingInput"},
	{UpdateOfferingRequest{}, "OfferingInput"},
	{BookRequest{}, "POST /v1/offerings/{offeringId}/sponsorships"},
	{ApproveRequest{}, "POST /v1/sponsorships/{sponsorshipId}/approve"},
	{RequestChangesRequest{}, "POST /v1/sponsorships/{sponsorshipId}/request-changes"},
	{RejectRequest{}, "POST /v1/sponsorships/{sponsorshipId}/reject"},
	{PublishRequest{}, "POST /v1/sponsorships/{sponsorshipId}/publish"},
	{ProposeRequest{}, "POST /v1/sponsorships/{sponsorshipId}/propose"},
	{Content{}, "PUT /v1/sponsorships/{sponsorshipId}/content"},
	{CreateProgramRequest{}, "ProgramInput"},
	{ApplyRequest{}, "POST /v1/programs/{programId}/deals"},
	{DealDecisionRequest{}, "POST /v1/deals/{dealId}/approve"},
	{CreateCampaignRequest{}, "CampaignInput"},
	{UpdateCampaignRequest{}, "CampaignUpdate"},
	{UpdateListingRequest{}, "PATCH /v1/communities/{communityId}"},
	{BlockedAdvertisersRequest{}, "PATCH /v1/communities/{communityId}"},
	{ApproveCampaignRequest{}, "POST /v1/communities/{communityId}/campaigns/{campaignId}/approve"},
	{RejectCampaignRequest{}, "POST /v1/communities/{communityId}/campaigns/{campaignId}/reject"},
	{UpdateProfileRequest{}, "PATCH /v1/me"},
}

func TestTypes_MirrorOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	reached := map[string]bool{}
	for _, m := range mirrors {
		typ := reflect.TypeOf(m.v)
		schema, err := doc.lookup(m.schema)
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		for _, problem := range doc.check(typ, schema, typ.Name(), reached) {
			t.Errorf("%s mirrors %s: %s", typ, m.schema, problem)
		}
	}
	// Every type of types.go, Problem, and every API request type
	// (…Request) is held by a row, or reached from one.
	for _, name := range apiTypes(t) {
		if !reached[name] {
			t.Errorf("%s is in no row of mirrors, nor reached from one: name the schema it mirrors", name)
		}
	}
}

// The check finds a field the schema does not have, however deep, and a
// renamed one: the test above can fail.
func TestTypes_MirrorOpenAPICanFail(t *testing.T) {
	doc := loadOpenAPI(t)
	type renamed struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"curency"`
	}
	type deep struct {
		ID      string `json:"id"`
		Pricing struct {
			Model string  `json:"model"`
			Bid   renamed `json:"bid"`
		} `json:"pricing"`
		Targeting *struct {
			Frequency *struct {
				Views int `json:"views"`
			} `json:"frequency"`
		} `json:"targeting"`
		Rows []struct {
			Day string `json:"dayz"`
		} `json:"rows"`
	}
	schema, err := doc.lookup("Campaign")
	if err != nil {
		t.Fatal(err)
	}
	got := doc.check(reflect.TypeOf(deep{}), schema, "deep", map[string]bool{})
	want := []string{"deep.pricing.bid.curency", "deep.rows", "deep.targeting.frequency.views"}
	if len(got) != len(want) {
		t.Fatalf("problems = %q, want one for each of %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+" ") {
			t.Errorf("problem %d = %q, want one about %s", i, got[i], want[i])
		}
	}
	if _, err := doc.lookup("NoSuchSchema"); err == nil {
		t.Error("a schema the document does not have was found")
	}
}

type openAPI struct{ root map[string]any }

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	raw, err := os.ReadFile(openAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatalf("%s: %v", openAPIDocument, err)
	}
	return openAPI{root: root}
}

// lookup finds a row's schema: "Name", "METHOD /path" (its request
// body) or "METHOD /path STATUS" (its answer's body).
func (d openAPI) lookup(name string) (map[string]any, error) {
	parts := strings.Fields(name)
	if len(parts) == 1 {
		s := d.at("components", "schemas", name)
		if s == nil {
			return nil, fmt.Errorf("no schema %s in %s", name, openAPIDocument)
		}
		return s, nil
	}
	op := d.at("paths", parts[1], strings.ToLower(parts[0]))
	if op == nil {
		return nil, fmt.Errorf("no operation %s %s in %s", parts[0], parts[1], openAPIDocument)
	}
	var body map[string]any
	if len(parts) == 2 {
		body = d.deref(asMap(op["requestBody"]))
	} else {
		body = d.deref(asMap(asMap(op["responses"])[parts[2]]))
	}
	s := asMap(asMap(asMap(asMap(body)["content"])["application/json"])["schema"])
	if s == nil {
		return nil, fmt.Errorf("%s has no application/json schema in %s", name, openAPIDocument)
	}
	return s, nil
}

// at walks the document from its root.
func (d openAPI) at(keys ...string) map[string]any {
	m := d.root
	for _, k := range keys {
		m = asMap(m[k])
		if m == nil {
			return nil
		}
	}
	return m
}

// deref follows a local $ref (#/components/…) to what it names.
func (d openAPI) deref(s map[string]any) map[string]any {
	for range 10 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = d.at(strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
	}
	return s
}

// variants are a schema and, through $ref, allOf, oneOf and anyOf, every
// schema it is made of.
func (d openAPI) variants(s map[string]any) []map[string]any {
	s = d.deref(s)
	if s == nil {
		return nil
	}
	out := []map[string]any{s}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := s[k].([]any)
		for _, sub := range list {
			out = append(out, d.variants(asMap(sub))...)
		}
	}
	return out
}

// properties are the properties of a schema and of what it is made of.
func (d openAPI) properties(s map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, v := range d.variants(s) {
		for name, p := range asMap(v["properties"]) {
			if _, seen := out[name]; !seen {
				out[name] = asMap(p)
			}
		}
	}
	return out
}

// items is an array schema's item schema (nil when it has none).
func (d openAPI) items(s map[string]any) map[string]any {
	for _, v := range d.variants(s) {
		if it := asMap(v["items"]); it != nil {
			return it
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// check compares t's JSON fields with schema's properties: one line for
// each field the schema does not name, at its JSON path. reached records
// the package's named types it went through.
func (d openAPI) check(t reflect.Type, schema map[string]any, path string, reached map[string]bool) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() != "" && t.PkgPath() == reflect.TypeOf(Money{}).PkgPath() {
		reached[t.Name()] = true
		if strings.HasPrefix(t.Name(), "Nullable[") {
			// A PATCH's field that may be null: its value's.
			v, _ := t.FieldByName("value")
			return d.check(v.Type, schema, path, reached)
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == timeType {
			return nil
		}
		props := d.properties(schema)
		var out []string
		for _, f := range fields(t) {
			p, ok := props[f.name]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s is not a property of the schema (it has %s)", path, f.name, keys(props)))
				continue
			}
			out = append(out, d.check(f.typ, p, path+"."+f.name, reached)...)
		}
		sort.Strings(out)
		return out
	case reflect.Slice, reflect.Array:
		elem := t.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if elem.Kind() != reflect.Struct || elem == timeType {
			return nil
		}
		it := d.items(schema)
		if it == nil {
			return []string{path + " is a list of objects, but the schema's is not a list of them"}
		}
		return d.check(elem, it, path+"[]", reached)
	}
	return nil
}

type jsonField struct {
	name string
	typ  reflect.Type
}

// fields are a struct's JSON fields as encoding/json writes them: by tag
// or name, with untagged embedded structs' fields promoted.
func fields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, fields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, typ: f.Type})
	}
	return out
}

func keys(m map[string]map[string]any) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func asMap(v any) map[string]any {
	switch m := v.(type) {
	case map[string]any:
		return m
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[fmt.Sprint(k)] = v
		}
		return out
	}
	return nil
}

// apiTypes are the types the table must hold: the structs of types.go,
// Problem, and every struct of the package named …Request.
func apiTypes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); !isStruct || ts.TypeParams != nil {
					continue
				}
				name := ts.Name.Name
				if file == "types.go" || name == "Problem" || strings.HasSuffix(name, "Request") {
					out = append(out, name)
				}
			}
		}
	}
	if len(out) < 30 {
		t.Fatalf("found only %d API types: %v", len(out), out)
	}
	return out
}
