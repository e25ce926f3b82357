package u128_test

import (
	"math/rand/v2"
	"testing"

	"github.com/ipatlas/ipatlas/internal/u128"
)

// TestGapsMatchesBruteForce compares Gaps with marking every value of a
// small space, on seeded random spans (taken spans overlapping each other).
func TestGapsMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 500 {
		const size = 200
		var within, taken []u128.Span
		for lo := uint64(rng.IntN(10)); lo < size; {
			hi := min(lo+uint64(rng.IntN(30)), size-1)
			within = append(within, u128.Span{First: u128.From64(lo), Last: u128.From64(hi)})
			lo = hi + 1 + uint64(rng.IntN(10))
		}
		for range rng.IntN(20) {
			lo := uint64(rng.IntN(size))
			taken = append(taken, u128.Span{First: u128.From64(lo), Last: u128.From64(min(lo+uint64(rng.IntN(40)), size-1))})
		}
		u128.SortSpans(taken)
		var want [size]int // -1: not in a gap; else the within index
		for v := range want {
			want[v] = -1
		}
		for i, w := range within {
			for v := w.First.Lo; v <= w.Last.Lo; v++ {
				want[v] = i
			}
		}
		for _, tk := range taken {
			for v := tk.First.Lo; v <= tk.Last.Lo; v++ {
				want[v] = -1
			}
		}
		var got [size]int
		for v := range got {
			got[v] = -1
		}
		prev := -1
		u128.Gaps(within, taken, func(i int, g u128.Span) {
			if int(g.First.Lo) <= prev || g.Last.Less(g.First) {
				t.Fatalf("round %d: gaps out of order or empty: %v after %d", round, g, prev)
			}
			prev = int(g.Last.Lo)
			for v := g.First.Lo; v <= g.Last.Lo; v++ {
				got[v] = i
			}
		})
		if got != want {
			t.Fatalf("round %d: within %v taken %v:\n got %v\nwant %v", round, within, taken, got, want)
		}
	}
}
