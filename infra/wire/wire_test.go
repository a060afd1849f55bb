package wire

import (
	"testing"

	"github.com/souqhq/souq/infra/topology"
)

func TestSettingsFromEnv_DefaultsAndRefusals(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := SettingsFromEnv(env(nil))
	if err != nil || s.AuctionFeeBps != 1000 || s.SponsorshipFeeBps != 1000 || s.MinimumPayout != 100 || s.Live || s.Stage != "dev" {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	s, err = SettingsFromEnv(env(map[string]string{topology.EnvStage: "prod", topology.EnvAuctionFeeBps: "0", topology.EnvPayoutMinimum: "500"}))
	if err != nil || !s.Live || s.AuctionFeeBps != 0 || s.MinimumPayout != 500 {
		t.Fatalf("prod, no auction fee: %+v %v", s, err)
	}
	for _, bad := range []map[string]string{
		{topology.EnvAuctionFeeBps: "10001"}, {topology.EnvSponsorshipFeeBps: "-1"}, {topology.EnvPayoutMinimum: "0"}, {topology.EnvAuctionFeeBps: "ten"},
	} {
		if _, err := SettingsFromEnv(env(bad)); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
