package index_test

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/ipatlas/ipatlas/index"
)

// TestSpansMatchTheReference: the spans of every snapshot tile the asked
// stretch exactly, in order, and each one's hit is what the reference
// finds at its ends and inside it.
func TestSpansMatchTheReference(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 11))
		w := randomWorld(rng, 1+rng.IntN(5), 1+rng.IntN(40))
		ix := build(t, w)
		for k := range w.snaps {
			for _, win := range [][2]uint32{{0, 1<<32 - 1}, {0x0a000005, 0x0a0000ff}, {rng.Uint32() >> 1, 1<<32 - 1}, {7, 7}} {
				checkSpans(t, seed, k, ix, w, rng, win[0], win[1])
			}
		}
	}
}

func checkSpans(t *testing.T, seed uint64, k int, ix *index.Index, w *world, rng *rand.Rand, first, last uint32) {
	t.Helper()
	next := uint64(first)
	for s := range ix.Spans4(k, first, last) {
		if uint64(s.First) != next || s.Last < s.First || s.Last > last {
			t.Fatalf("seed %d, snapshot %d, [%x, %x]: span [%x, %x] after one ending at %x", seed, k, first, last, s.First, s.Last, next-1)
		}
		next = uint64(s.Last) + 1
		for _, v := range []uint32{s.First, s.Last, s.First + uint32(rng.Uint64N(uint64(s.Last-s.First)+1))} {
			a := addr4(v)
			if got, want := decodeHit(t, s.Hit), w.at(k, a); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, snapshot %d, %s in span [%x, %x]:\n got %v\nwant %v", seed, k, a, s.First, s.Last, got, want)
			}
		}
	}
	if next != uint64(last)+1 {
		t.Fatalf("seed %d, snapshot %d, [%x, %x]: spans end at %x", seed, k, first, last, next-1)
	}
}

// TestSpansOutsideTheSnapshots: no snapshot k, nothing to yield; a
// consumer that stops early is not called again.
func TestSpansOutsideTheSnapshots(t *testing.T) {
	w := randomWorld(rand.New(rand.NewPCG(3, 3)), 2, 20)
	ix := build(t, w)
	for _, k := range []int{-1, len(w.snaps)} {
		for s := range ix.Spans4(k, 0, 1<<32-1) {
			t.Fatalf("snapshot %d: span %+v", k, s)
		}
	}
	n := 0
	for range ix.Spans4(0, 0, 1<<32-1) {
		n++
		break
	}
	if n != 1 {
		t.Fatalf("%d spans after break", n)
	}
}

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
