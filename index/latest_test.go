package index_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/ipatlas/ipatlas/index"
)

// TestEachLatestYieldsTheLatestState: on seeded random histories (nested,
// overlapping, removed and returning ranges), EachLatest yields every
// record of the last snapshot exactly once and nothing else, and RecordOf
// gives each record back by its ref.
func TestEachLatestYieldsTheLatestState(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 11))
		w := randomWorld(rng, 1+rng.IntN(5), 1+rng.IntN(40))
		ix := build(t, w)
		k := len(w.snaps) - 1
		var want []string
		for _, r := range w.states[k] {
			want = append(want, canonical(t, w.record(k, r)))
		}
		var got []string
		refs := map[index.Ref]bool{}
		for ref, rec := range ix.EachLatest() {
			if refs[ref] {
				t.Fatalf("seed %d: ref %d yielded twice", seed, ref)
			}
			refs[ref] = true
			if !reflect.DeepEqual(ix.RecordOf(ref), rec) {
				t.Errorf("seed %d: RecordOf(%d) = %s, want %s", seed, ref, ix.RecordOf(ref), rec)
			}
			var m map[string]any
			if err := json.Unmarshal(rec, &m); err != nil {
				t.Fatalf("seed %d: %s: %v", seed, rec, err)
			}
			got = append(got, canonical(t, m))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("seed %d: latest records\n got %v\nwant %v", seed, got, want)
		}
	}
}

// TestEachLatestStops: a loop that breaks gets no more records.
func TestEachLatestStops(t *testing.T) {
	w := randomWorld(rand.New(rand.NewPCG(3, 3)), 2, 30)
	n := 0
	for range build(t, w).EachLatest() {
		n++
		break
	}
	if want := min(1, len(w.states[1])); n != want {
		t.Errorf("yielded %d records with a break after the first, want %d", n, want)
	}
}

func canonical(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
