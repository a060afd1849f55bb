package serving

import "strings"

// CountKey names one counter of a ref's day: its kind (CountServed,
// CountImpressions, CountClicks, CountInvalid+reason) and, for a
// campaign's breakdowns (DESIGN §13), the dim and value it is of. It is
// written kind, or kind|dim|value (impressions|c|SA, clicks|d|mobile,
// inv_bot|k|go; an empty value is an unknown country or device, or no
// keyword), the name of its counter in the store.
type CountKey struct {
	Kind string
	// Dim is DimKeyword, DimCountry, DimDevice or DimSlot; "" for the event's own
	// kind, which then has no Value.
	Dim, Value string
}

// String is the key as stored. No part holds "|" (targeting refuses it
// in keywords; countries, devices and kinds never have it), so it parses
// back as it was.
func (k CountKey) String() string {
	if k.Dim == "" {
		return k.Kind
	}
	return k.Kind + "|" + k.Dim + "|" + k.Value
}

// Breakdown is the dim and value as a campaign's meter names them
// (events.DayDims): dim|value.
func (k CountKey) Breakdown() string { return k.Dim + "|" + k.Value }

// ParseCountKey reads a key String wrote; ok is false for anything else.
func ParseCountKey(s string) (k CountKey, ok bool) {
	kind, rest, isDim := strings.Cut(s, "|")
	if kind == "" {
		return CountKey{}, false
	}
	if !isDim {
		return CountKey{Kind: kind}, true
	}
	dim, value, ok := strings.Cut(rest, "|")
	if !ok || dim == "" || strings.Contains(value, "|") {
		return CountKey{}, false
	}
	return CountKey{Kind: kind, Dim: dim, Value: value}, true
}

// Ref is what a day's counters are of: a flight, or a campaign on one
// community's slots (its report is by community). It is written as the
// flight's id, or campaign/community.
type Ref struct {
	Flight string
	// Campaign and Community are set together, and Flight is then "".
	Campaign, Community string
}

// String is the ref as the Counter and the Tally carry it.
func (r Ref) String() string {
	if r.Campaign != "" {
		return r.Campaign + "/" + r.Community
	}
	return r.Flight
}

// ParseRef reads a ref String wrote; ok is false for anything else.
func ParseRef(s string) (r Ref, ok bool) {
	id, com, isCampaign := strings.Cut(s, "/")
	switch {
	case id == "" || strings.Contains(com, "/"):
		return Ref{}, false
	case isCampaign:
		return Ref{Campaign: id, Community: com}, true
	}
	return Ref{Flight: id}, true
}

// CampaignRef is the counter ref of a campaign's events on a community's
// slots.
func CampaignRef(campaignID, communityID string) string {
	return Ref{Campaign: campaignID, Community: communityID}.String()
}

// dimKinds are the keys an event of an offer counts under: its own kind,
// and for a campaign's, one per dim, in the same update, so that the
// breakdowns sum to it.
func dimKinds(o Offer, kind string) []string {
	if o.Kind != KindCampaign {
		return []string{kind}
	}
	return []string{kind, CountKey{kind, DimKeyword, o.Dims.Keyword}.String(), CountKey{kind, DimCountry, o.Dims.Country}.String(),
		CountKey{kind, DimDevice, o.Dims.Device}.String(), CountKey{kind, DimSlot, o.SlotID}.String()}
}
