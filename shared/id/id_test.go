package id

import (
	"sort"
	"testing"
	"time"
)

func TestNew_SortsByCreationTime(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i := 0; i < 50; i++ {
		ids = append(ids, New("auc", base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("ids made later must sort later: %v", ids)
	}
	if len(ids[0]) != len("auc_")+26 {
		t.Fatalf("unexpected length %d for %s", len(ids[0]), ids[0])
	}
}

func TestNew_IsUniqueWithinOneMillisecond(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		v := New("bid", now)
		if seen[v] {
			t.Fatalf("duplicate id %s", v)
		}
		seen[v] = true
		if !HasPrefix(v, "bid") {
			t.Fatalf("%s does not have its own prefix", v)
		}
	}
}

func TestHasPrefix_RefusesMalformedIDs(t *testing.T) {
	for _, s := range []string{"", "com", "com_", "adv_abc", "com_a/b", "com_a b", "com_" + string(make([]byte, 65))} {
		if HasPrefix(s, "com") {
			t.Errorf("HasPrefix(%q, com) = true", s)
		}
	}
}
