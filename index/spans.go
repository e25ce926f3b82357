package index

import "iter"

// Span4 is a stretch of IPv4 addresses that one hit covers throughout.
// Addresses are numbers: a.b.c.d is a<<24 | b<<16 | c<<8 | d.
type Span4 struct {
	First, Last uint32
	Hit         Hit // not Found where nothing covered the span
}

// Spans4 yields the spans of IPv4 addresses from first to last (clipped
// to them) as snapshot k (an index into Snapshots) saw them, in address
// order, uncovered spans included: what a map of the address space reads,
// one segment at a time, instead of looking up every block. Neighbouring
// spans may carry the same hit. A k outside the snapshots yields nothing.
func (ix *Index) Spans4(k int, first, last uint32) iter.Seq[Span4] {
	return func(yield func(Span4) bool) {
		if k < 0 || k >= len(ix.snaps) || first > last {
			return
		}
		f := &ix.v4
		for i := f.segment(first); i < len(f.starts) && f.starts[i] <= last; i++ {
			s := Span4{First: max(f.starts[i], first), Last: last}
			if i+1 < len(f.starts) && f.starts[i+1]-1 < last {
				s.Last = f.starts[i+1] - 1
			}
			s.Hit = Hit{ix, ix.refAt(f.segs[2*i], f.segs[2*i+1], k)}
			if !yield(s) {
				return
			}
		}
	}
}
