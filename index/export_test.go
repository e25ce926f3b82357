package index

import (
	"encoding/binary"
	"net/netip"
)

// Segment is the segment search alone, for benchmarks.
func (ix *Index) Segment(a netip.Addr) int {
	b := a.As4()
	return ix.v4.segment(binary.BigEndian.Uint32(b[:]))
}
