package regsim_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/regsim"
)

// smallWorld is a world small enough for brute-force checks: a few /16s and
// two IPv6 blocks, with every registry present.
func smallWorld(tb testing.TB, seed uint64) *regsim.World {
	tb.Helper()
	w, err := regsim.New(regsim.Config{
		Seed: seed,
		IPv4: []netip.Prefix{
			netip.MustParsePrefix("13.64.0.0/16"), netip.MustParsePrefix("41.10.0.0/16"),
			netip.MustParsePrefix("1.2.0.0/16"), netip.MustParsePrefix("200.57.0.0/16"),
			netip.MustParsePrefix("193.0.0.0/15"),
		},
		IPv6:         []netip.Prefix{netip.MustParsePrefix("2001:600::/23"), netip.MustParsePrefix("2001:1200::/23")},
		IPv6PerBlock: 40,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func TestWorldIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := smallWorld(t, 7), smallWorld(t, 7)
	if a.Len() != b.Len() {
		t.Fatalf("same seed, different sizes: %d vs %d", a.Len(), b.Len())
	}
	var na, nb []ipatlas.Network
	a.Each(func(r regsim.NetRef) bool { na = append(na, a.Network(r)); return true })
	b.Each(func(r regsim.NetRef) bool { nb = append(nb, b.Network(r)); return true })
	for i := range na {
		if na[i].Handle != nb[i].Handle || na[i].Name != nb[i].Name || na[i].Range != nb[i].Range {
			t.Fatalf("network %d differs: %+v vs %+v", i, na[i], nb[i])
		}
	}
	if c := smallWorld(t, 8); c.Len() == a.Len() && c.Network(firstRef(c)).Name == a.Network(firstRef(a)).Name {
		t.Errorf("different seeds built the same world")
	}
}

func firstRef(w *regsim.World) (out regsim.NetRef) {
	w.Each(func(r regsim.NetRef) bool { out = r; return false })
	return out
}

// TestWorldStructure checks the invariants every consumer relies on: children
// lie inside their parent and never overlap their siblings or equal their
// parent, top-level blocks are disjoint and never special-purpose.
func TestWorldStructure(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 3)
	var prevTop ipatlas.Range
	children := map[regsim.NetRef][]ipatlas.Range{}
	nested, transferred := 0, 0
	w.Each(func(r regsim.NetRef) bool {
		rg := w.Range(r)
		if !rg.IsValid() {
			t.Fatalf("invalid range %v", rg)
		}
		if iana.IsSpecial(rg.From) || iana.IsSpecial(rg.To) {
			t.Errorf("%v lies in special-purpose space", rg)
		}
		p := w.Parent(r)
		if !p.Valid() {
			if prevTop.IsValid() && prevTop.Is4() == rg.Is4() && prevTop.Overlaps(rg) {
				t.Errorf("top-level blocks %v and %v overlap", prevTop, rg)
			}
			prevTop = rg
			if w.Registry(r) != iana.RegistryOf(rg.From) {
				transferred++
			}
			return true
		}
		nested++
		pr := w.Range(p)
		if !pr.ContainsRange(rg) || pr == rg {
			t.Errorf("child %v not strictly inside parent %v", rg, pr)
		}
		if w.Registry(p) != w.Registry(r) {
			t.Errorf("child %v of %s inside parent of %s", rg, w.Registry(r), w.Registry(p))
		}
		for _, s := range children[p] {
			if s.Overlaps(rg) {
				t.Errorf("siblings %v and %v overlap", s, rg)
			}
		}
		children[p] = append(children[p], rg)
		return true
	})
	if nested == 0 || transferred == 0 {
		t.Errorf("want nested and transferred networks, got %d nested, %d transferred", nested, transferred)
	}
}

// bruteLookup is the obviously right reference: the smallest network that
// holds a, found by looking at every network.
func bruteLookup(w *regsim.World, a netip.Addr) (best regsim.NetRef) {
	w.Each(func(r regsim.NetRef) bool {
		rg := w.Range(r)
		if rg.Contains(a) && (!best.Valid() || w.Range(best).ContainsRange(rg)) {
			best = r
		}
		return true
	})
	return best
}

func TestLookupMatchesBruteForce(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 5)
	var probes []netip.Addr
	w.Each(func(r regsim.NetRef) bool {
		rg := w.Range(r)
		probes = append(probes, rg.From, rg.To, rg.From.Prev(), rg.To.Next())
		return len(probes) < 4000
	})
	for _, a := range probes {
		if !a.IsValid() {
			continue
		}
		if got, want := w.Lookup(a), bruteLookup(w, a); got != want {
			t.Fatalf("Lookup(%s) = %v, brute force says %v", a, rangeOrNone(w, got), rangeOrNone(w, want))
		}
	}
}

func rangeOrNone(w *regsim.World, r regsim.NetRef) string {
	if !r.Valid() {
		return "none"
	}
	return w.Range(r).String()
}

// TestTruthMatchesBruteForceWalk walks every top-level block with the
// brute-force lookup and compares the recorded networks with Truth.
func TestTruthMatchesBruteForceWalk(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 11)
	var want []ipatlas.Range
	w.Each(func(r regsim.NetRef) bool {
		if !w.TopLevel(r) {
			return true
		}
		top := w.Range(r)
		for cur := top.From; ; {
			got := w.Range(bruteLookup(w, cur))
			want = append(want, got)
			if got.To == top.To {
				break
			}
			cur = got.To.Next()
		}
		return true
	})
	truth := w.Truth()
	var got []ipatlas.Range
	for _, s := range truth.Steps {
		got = append(got, w.Range(s.Net))
		if !w.Range(s.Net).Contains(s.Query) {
			t.Errorf("step %v does not hold its query %s", w.Range(s.Net), s.Query)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("truth has %d steps, brute-force walk %d", len(got), len(want))
	}
	total := 0
	for _, rt := range truth.ByRegistry {
		total += rt.Networks
	}
	if total != len(want) {
		t.Errorf("per-registry counts sum to %d, want %d", total, len(want))
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	t.Parallel()
	cases := map[string]regsim.Config{
		"IPv4 block 10.0.0.0/8":  {IPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		"IPv6 block 3000::/16":   {IPv6: []netip.Prefix{netip.MustParsePrefix("3000::/16")}},
		"GapShare":               {GapShare: 1.5},
		"Nesting[arin]: Depth":   {Nesting: map[ipatlas.Registry]regsim.Nesting{ipatlas.ARIN: {Depth: 99}}},
		"blocks 13.0.0.0/8 and ": {IPv4: []netip.Prefix{netip.MustParsePrefix("13.0.0.0/8"), netip.MustParsePrefix("13.1.0.0/16")}},
	}
	for want, c := range cases {
		_, err := regsim.New(c)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%+v) = %v, want an error naming %q", c, err, want)
		}
	}
}
