package hilbert_test

import (
	"testing"

	"github.com/ipatlas/ipatlas/hilbert"
)

// TestFirstOrder pins the orientation the maps and their legends rely on:
// top-left, bottom-left, bottom-right, top-right.
func TestFirstOrder(t *testing.T) {
	t.Parallel()
	c := hilbert.Curve{Order: 1}
	want := [][2]uint32{{0, 0}, {0, 1}, {1, 1}, {1, 0}}
	for d, w := range want {
		if x, y := c.XY(uint64(d)); x != w[0] || y != w[1] {
			t.Errorf("XY(%d) = (%d, %d), want %v", d, x, y, w)
		}
	}
}

// TestInverseAndBijective: every position maps to a cell no other
// position maps to, and D gives the position back.
func TestInverseAndBijective(t *testing.T) {
	t.Parallel()
	for order := uint(0); order <= 8; order++ {
		c := hilbert.Curve{Order: order}
		seen := make([]bool, c.Len())
		for d := range c.Len() {
			x, y := c.XY(d)
			if x >= c.Side() || y >= c.Side() {
				t.Fatalf("order %d: XY(%d) = (%d, %d) outside the square", order, d, x, y)
			}
			if i := uint64(y)*uint64(c.Side()) + uint64(x); seen[i] {
				t.Fatalf("order %d: cell (%d, %d) visited twice", order, x, y)
			} else {
				seen[i] = true
			}
			if back := c.D(x, y); back != d {
				t.Fatalf("order %d: D(XY(%d)) = %d", order, d, back)
			}
		}
	}
}

// TestConsecutiveBlocksAreAdjacent: the curve never jumps, so address
// blocks next to each other are pixels next to each other.
func TestConsecutiveBlocksAreAdjacent(t *testing.T) {
	t.Parallel()
	for order := uint(1); order <= 8; order++ {
		c := hilbert.Curve{Order: order}
		px, py := c.XY(0)
		for d := uint64(1); d < c.Len(); d++ {
			x, y := c.XY(d)
			if dist(px, x)+dist(py, y) != 1 {
				t.Fatalf("order %d: positions %d and %d are (%d,%d) and (%d,%d), not neighbours", order, d-1, d, px, py, x, y)
			}
			px, py = x, y
		}
		if x, y := c.XY(c.Len() - 1); x != c.Side()-1 || y != 0 {
			t.Errorf("order %d: the curve ends at (%d, %d), want the top-right cell", order, x, y)
		}
	}
}

// TestAlignedRunsFillSquares: each aligned run of 4^k positions (a /8 of
// /16s) covers a square of side 2^k, which is what lets the map's /8s
// read as squares.
func TestAlignedRunsFillSquares(t *testing.T) {
	t.Parallel()
	c := hilbert.Curve{Order: 8}
	for k := uint(1); k <= 4; k++ {
		run, side := uint64(1)<<(2*k), uint32(1)<<k
		for start := uint64(0); start < c.Len(); start += run {
			x0, y0 := c.XY(start)
			x0, y0 = x0&^(side-1), y0&^(side-1)
			for d := start; d < start+run; d++ {
				if x, y := c.XY(d); x-x0 >= side || y-y0 >= side {
					t.Fatalf("run of %d at %d: position %d at (%d,%d) leaves the square at (%d,%d)", run, start, d, x, y, x0, y0)
				}
			}
		}
	}
}

func FuzzInverse(f *testing.F) {
	f.Add(uint64(12345), uint8(16))
	f.Fuzz(func(t *testing.T, d uint64, order uint8) {
		c := hilbert.Curve{Order: uint(order % 32)}
		d %= c.Len()
		if x, y := c.XY(d); c.D(x, y) != d {
			t.Fatalf("order %d: D(XY(%d)) = %d", c.Order, d, c.D(x, y))
		}
	})
}

func BenchmarkXY(b *testing.B) {
	c := hilbert.Curve{Order: 8}
	var sink uint32
	for b.Loop() {
		for d := range c.Len() {
			x, y := c.XY(d)
			sink += x ^ y
		}
	}
	_ = sink
}

func dist(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
