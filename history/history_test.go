package history_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// randomState is a sorted state of up to n ranges, some nested, some IPv6,
// with payloads from a small set so that some survive unchanged.
func randomState(rng *rand.Rand, n int) []ipatlas.Record {
	seen := map[ipatlas.Range]bool{}
	var out []ipatlas.Record
	for range n {
		var r ipatlas.Range
		if rng.IntN(5) == 0 {
			a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(rng.IntN(8))})
			r = ipatlas.Range{From: a, To: netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, a.As16()[4], 0xff})}
		} else {
			first := rng.IntN(64)
			r = ipatlas.Range{From: netip.AddrFrom4([4]byte{10, 0, byte(first), 0}), To: netip.AddrFrom4([4]byte{10, 0, byte(first + rng.IntN(3)), 255})}
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, ipatlas.Record{Range: r, Payload: fmt.Appendf(nil, `{"org":"o%d"}`, rng.IntN(3))})
	}
	slices.SortFunc(out, ipatlas.CompareRecords)
	return out
}

func sameRecords(a, b []ipatlas.Record) bool {
	return slices.EqualFunc(a, b, ipatlas.Record.Same)
}

// TestDiffThenApplyGivesTheNextState, through the encoded form, on seeded
// random states: the delta is exactly what changed, and applying it to the
// previous state gives the next.
func TestDiffThenApplyGivesTheNextState(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		prev, next := randomState(rng, rng.IntN(40)), randomState(rng, rng.IntN(40))
		d := history.Diff(prev, next)
		ops, err := history.Decode(history.Encode(d.Ops))
		if err != nil {
			t.Fatal(err)
		}
		got, err := history.Apply(prev, ops)
		if err != nil || !sameRecords(got, next) {
			t.Fatalf("case %d: Apply(prev, Diff(prev, next)) = %v, %v; want %v", i, got, err, next)
		}
		if kept := len(prev) - d.Removed - d.Changed; kept+d.Changed+d.Added != len(next) || len(ops) != d.Added+d.Removed+d.Changed {
			t.Fatalf("case %d: counts %+v do not add up for %d -> %d records", i, d, len(prev), len(next))
		}
	}
}

func TestDiffOfEqualStatesIsEmpty(t *testing.T) {
	t.Parallel()
	s := randomState(rand.New(rand.NewPCG(3, 4)), 50)
	if d := history.Diff(s, slices.Clone(s)); len(d.Ops) != 0 {
		t.Errorf("Diff of a state with itself: %+v", d)
	}
}

func TestCorruptDeltasAreErrors(t *testing.T) {
	t.Parallel()
	good := history.Encode([]history.Op{{Range: ipatlas.PrefixRange(netip.MustParsePrefix("10.0.0.0/24")), Payload: []byte(`{}`)}})
	for name, data := range map[string][]byte{
		"not zstd":      []byte("garbage"),
		"cut short":     good[:len(good)-3],
		"bad operation": history.EncodeRaw([]byte{9}),
		"bad address":   history.EncodeRaw([]byte{1, 5, 1, 2}),
		"short payload": history.EncodeRaw([]byte{1, 4, 10, 0, 0, 0, 4, 10, 0, 0, 255, 9, '{'}),
		"reversed":      history.EncodeRaw([]byte{2, 4, 10, 0, 0, 9, 4, 10, 0, 0, 1}),
	} {
		if _, err := history.Decode(data); !errors.Is(err, history.ErrCorrupt) {
			t.Errorf("%s: Decode = %v, want ErrCorrupt", name, err)
		}
	}
	remove := []history.Op{{Range: ipatlas.PrefixRange(netip.MustParsePrefix("10.0.0.0/24"))}}
	if _, err := history.Apply(nil, remove); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("removing what is not there: %v, want ErrCorrupt", err)
	}
}

// TestLargeDeltasRoundTrip: a delta larger than one compressed frame (a
// first snapshot of a big file) is compressed in frames side by side and
// reads back whole; cut short, it is corrupt.
func TestLargeDeltasRoundTrip(t *testing.T) {
	t.Parallel()
	var ops []history.Op
	for i := range 20_000 {
		r := ipatlas.Range{From: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), To: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 255})}
		ops = append(ops, history.Op{Range: r, Payload: fmt.Appendf(nil, `{"org":"holder %d","note":"%0500d"}`, i, i*7919)})
	}
	data := history.Encode(ops)
	got, err := history.Decode(data)
	if err != nil || len(got) != len(ops) {
		t.Fatalf("decoded %d ops, %v; want %d", len(got), err, len(ops))
	}
	for i := range ops {
		if got[i].Range != ops[i].Range || string(got[i].Payload) != string(ops[i].Payload) {
			t.Fatalf("op %d: %v %s, want %v %s", i, got[i].Range, got[i].Payload, ops[i].Range, ops[i].Payload)
		}
	}
	if _, err := history.Decode(data[:len(data)/2]); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("half a large delta: %v, want ErrCorrupt", err)
	}
}
