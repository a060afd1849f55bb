package schedule

import "testing"

func TestUnqualified_DropsAliasOrVersion(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions":      "arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions",
		"arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions:live": "arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions",
		"arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions:7":    "arn:aws:lambda:eu-west-1:123456789012:function:souq-auctions",
	} {
		if got := unqualified(in); got != want {
			t.Errorf("unqualified(%q) = %q, want %q", in, got, want)
		}
	}
}
