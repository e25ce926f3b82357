// Package hilbert maps positions along a Hilbert curve to the cells of a
// square and back. Laid along the curve, consecutive address blocks stay
// next to each other and every aligned power-of-four run of them (a /8
// of /16s, a /24 of /32s) fills a square of its own, which is why maps of
// the address space use it: a registry's allocations show as regions, not
// as stripes.
//
// The orientation is the classic one (Hilbert's first step visits the
// top-left, bottom-left, bottom-right and top-right quadrants, y growing
// downwards as in an image): position 0 is the top-left cell and the last
// position the top-right one.
package hilbert

// Curve is a Hilbert curve filling a square of Side() × Side() cells.
// Its zero value is the curve of order 0: one cell.
type Curve struct {
	// Order is the number of subdivisions: the square's side is 2^Order.
	Order uint
}

// Side is the number of cells on each side of the square.
func (c Curve) Side() uint32 { return 1 << c.Order }

// Len is the number of cells, and of positions along the curve.
func (c Curve) Len() uint64 { return uint64(c.Side()) * uint64(c.Side()) }

// XY gives the cell (column x, row y) at position d along the curve; d must
// be below Len.
func (c Curve) XY(d uint64) (x, y uint32) {
	t := d
	for s := uint32(1); s < c.Side(); s <<= 1 {
		rx := uint32(1 & (t >> 1))
		ry := uint32(1 & (t ^ uint64(rx)))
		x, y = rotate(s, x, y, rx, ry)
		x += s * rx
		y += s * ry
		t >>= 2
	}
	return x, y
}

// D gives the position along the curve of the cell (x, y); both must be
// below Side.
func (c Curve) D(x, y uint32) uint64 {
	var d uint64
	for s := c.Side() >> 1; s > 0; s >>= 1 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		x, y = rotate(c.Side(), x, y, rx, ry)
	}
	return d
}

// rotate turns or flips a quadrant of side n so the sub-curve inside it
// enters and leaves where its neighbours along the curve are.
func rotate(n, x, y, rx, ry uint32) (uint32, uint32) {
	if ry != 0 {
		return x, y
	}
	if rx == 1 {
		x, y = n-1-x, n-1-y
	}
	return y, x
}
