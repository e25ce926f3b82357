package regsim_test

import (
	"encoding/json"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// TestEvolveChangesOnlyTheChosenBlocks: an evolved world re-registers about
// the share of top-level blocks asked for; every network outside them is
// published exactly as before, and each changed block's delegated record
// changed too.
func TestEvolveChangesOnlyTheChosenBlocks(t *testing.T) {
	w := regsim.MustNew(regsim.Config{Seed: 5, IPv4: []netipPrefix{mustPrefix("62.0.0.0/12"), mustPrefix("200.0.0.0/12")}})
	later, changed, err := w.Evolve(0.05, 9, w.Config().Epoch.AddDate(0, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	tops := 0
	w.Each(func(r regsim.NetRef) bool {
		if w.TopLevel(r) {
			tops++
		}
		return true
	})
	if len(changed) < tops/40 || len(changed) > tops/10 {
		t.Fatalf("%d of %d blocks changed, want about 5%%", len(changed), tops)
	}
	inChanged := func(r ipatlas.Range) bool {
		for _, c := range changed {
			if c.ContainsRange(r) {
				return true
			}
		}
		return false
	}
	before, after := publishedOutside(w, inChanged), publishedOutside(later, inChanged)
	if len(before) != len(after) || len(before) == 0 {
		t.Fatalf("%d networks outside the changed blocks before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("network %s outside the changed blocks changed", k)
		}
	}
	records := func(w *regsim.World) map[string]string {
		out := map[string]string{}
		for _, reg := range ipatlas.Registries() {
			for _, rec := range w.Delegated(reg, true).Records {
				out[rec.Type+" "+rec.Start] = rec.Date + " " + rec.OpaqueID
			}
		}
		return out
	}
	old, now := records(w), records(later)
	for _, c := range changed {
		k := map[bool]string{true: "ipv4", false: "ipv6"}[c.Is4()] + " " + c.From.String()
		if old[k] == "" || old[k] == now[k] {
			t.Errorf("block %s: delegated record %q then %q, want a changed record", c, old[k], now[k])
		}
	}
	if _, _, err := w.Evolve(0.1, 1, w.Config().Epoch); err == nil {
		t.Error("evolving to the world's own epoch was accepted")
	}
}

// publishedOutside maps each network outside the changed blocks to its
// published form.
func publishedOutside(w *regsim.World, changed func(ipatlas.Range) bool) map[string]string {
	out := map[string]string{}
	w.Each(func(r regsim.NetRef) bool {
		if !changed(w.Range(r)) {
			b, _ := json.Marshal(w.Network(r))
			out[w.Range(r).String()+" "+w.Handle(r)] = string(b)
		}
		return true
	})
	return out
}
