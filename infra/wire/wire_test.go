package wire

import (
	"testing"

	"github.com/souqhq/souq/shared/topology"
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

func TestSettingsFromEnv_SourceCapsDefaultAboveAPersonAndRefuseNonsense(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := SettingsFromEnv(env(nil))
	if err != nil || s.MaxViewsPerSourceDay != 300 || s.MaxClicksPerSourceDay != 30 {
		t.Fatalf("defaults: views %d, clicks %d, %v", s.MaxViewsPerSourceDay, s.MaxClicksPerSourceDay, err)
	}
	s, err = SettingsFromEnv(env(map[string]string{topology.EnvMaxViewsPerSourceDay: "3", topology.EnvMaxClicksPerSourceDay: "1"}))
	if err != nil || s.MaxViewsPerSourceDay != 3 || s.MaxClicksPerSourceDay != 1 {
		t.Fatalf("set: views %d, clicks %d, %v", s.MaxViewsPerSourceDay, s.MaxClicksPerSourceDay, err)
	}
	for _, bad := range []map[string]string{
		{topology.EnvMaxViewsPerSourceDay: "0"}, {topology.EnvMaxViewsPerSourceDay: "-1"}, {topology.EnvMaxViewsPerSourceDay: "many"},
		{topology.EnvMaxClicksPerSourceDay: "1000001"}, {topology.EnvMaxClicksPerSourceDay: "2.5"},
	} {
		if _, err := SettingsFromEnv(env(bad)); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
