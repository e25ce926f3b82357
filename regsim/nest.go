package regsim

import (
	"math/bits"

	"github.com/ipatlas/ipatlas/internal/u128"
)

// addChildren nests sub-allocations and assignments inside the network at
// index p, following its registry's Nesting profile, and recurses into them.
// Children never overlap each other and never equal their parent.
func (b *builder) addChildren(p int) {
	parent := b.nodes[p]
	prof := b.job.w.cfg.Nesting[registries[parent.reg]]
	share := prof.Share
	if parent.depth > 0 {
		share /= 2 // deeper levels are sparser
	}
	if int(parent.depth) >= prof.Depth || b.rng.Float64() >= share {
		return
	}
	minBits, maxBits := prof.MinBitsV4, sizeBits(parent)-1
	if !b.job.is4 {
		minBits = prof.MinBitsV6
	}
	if maxBits < minBits {
		return
	}
	for cur, count := parent.first, 0; !parent.last.Less(cur) && count < prof.MaxChildren; {
		hb := b.childBits(minBits, maxBits)
		start, ok := cur.AlignUp(uint(hb))
		end := start.Add(u128.Pow2(uint(hb))).Sub(u128.From64(1))
		if !ok || parent.last.Less(end) || end.Less(start) {
			return
		}
		if b.rng.Float64() < prof.Fill {
			b.addChild(p, start, end)
			count++
		}
		cur = end.Add64(1)
		if cur.IsZero() {
			return
		}
	}
}

// childBits draws a child's size as host bits, favouring small children the
// way registries hold far more /29s and /48s than /17s and /33s.
func (b *builder) childBits(minBits, maxBits int) int {
	if !b.job.is4 {
		for _, pref := range []int{80, 72, 64, 88} {
			if pref >= minBits && pref <= maxBits && b.rng.Float64() < 0.6 {
				return pref
			}
		}
	}
	u := b.rng.Float64()
	return minBits + int(u*u*u*float64(maxBits-minBits+1))
}

func (b *builder) addChild(p int, first, last u128.U128) {
	parent := b.nodes[p]
	n := node{first: first, last: last, parent: int32(p), reg: parent.reg, depth: parent.depth + 1,
		kind: kindSubAssignment, flags: parent.flags &^ flagTransferred, cc: parent.cc, org: parent.org}
	if b.rng.Float64() < 0.25 {
		n.kind = kindSubAllocation
	}
	if b.rng.Float64() < 0.7 {
		n.org = b.rng.Uint32() & orgMask // a customer, not the holder itself
	}
	if b.rng.Float64() < 0.1 {
		n.cc = b.drawCountry(n.reg)
	}
	span := max(b.epochDay()-int(parent.regDay), 1)
	n.regDay = parent.regDay + uint16(b.rng.IntN(span))
	b.finish(&n)
	b.nodes = append(b.nodes, n)
	b.addChildren(len(b.nodes) - 1)
}

// sizeBits is floor(log2(size)) of a node: the host bits of the largest
// aligned block that could sit inside it.
func sizeBits(n node) int {
	size := n.last.Sub(n.first).Add64(1)
	if size.IsZero() {
		return 128
	}
	if size.Hi != 0 {
		return 127 - bits.LeadingZeros64(size.Hi)
	}
	return 63 - bits.LeadingZeros64(size.Lo)
}
