package regsim

import (
	"math/bits"
	"math/rand/v2"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// builder generates the networks of one block.
type builder struct {
	job   blockJob
	rng   *rand.Rand
	nodes []node
}

func (j blockJob) build() []node {
	b := &builder{job: j, rng: j.rng()}
	switch {
	case j.tops != nil:
		for _, t := range j.tops {
			b.addTop(t.first, t.last, t.reg, t.assigned, b.presetDay(t), countryOf(t.cc))
		}
	case j.is4:
		for _, r := range j.freeRanges() {
			b.fillV4(r.First, r.Last)
		}
	default:
		b.fillV6()
	}
	return b.nodes
}

// fillV4 lays top-level allocations over [lo, hi] in address order, drawing
// sizes from the registry's distribution. A block that needs a larger
// alignment than the cursor has is placed at the next aligned address and
// the hole before it filled with smaller blocks, so big blocks keep their
// real share.
func (b *builder) fillV4(lo, hi u128.U128) {
	dist := ipv4Sizes[b.job.reg]
	for cur := lo; !hi.Less(cur); {
		if b.rng.Float64() < b.job.w.cfg.GapShare {
			cur = b.skipGap(cur, hi, dist.draw(b.rng))
			continue
		}
		size := dist.draw(b.rng)
		start, ok := cur.AlignUp(alignBits(size))
		if !ok || hi.Less(start.Add64(size-1)) || start.Add64(size-1).Less(start) {
			size, start = b.fitAt(cur, hi, dist), cur
		} else if start != cur {
			b.fillHole(cur, start.Sub(u128.From64(1)), dist)
		}
		b.addTop(start, start.Add64(size-1), b.job.reg, b.topAssigned(size), b.topDay(), [2]byte{})
		cur = start.Add64(size)
		if cur.IsZero() { // wrapped past the end of the space
			return
		}
	}
}

func (b *builder) skipGap(cur, hi u128.U128, size uint64) u128.U128 {
	next := cur.Add64(size)
	if hi.Less(next) || next.Less(cur) {
		return hi.Add64(1)
	}
	return next
}

// fillHole fills [lo, hi] with the fewest aligned blocks that cover it
// exactly, the way a registry carves the space left before a larger
// allocation.
func (b *builder) fillHole(lo, hi u128.U128, dist sizeDist) {
	for cur := lo; !hi.Less(cur); {
		size := largestAligned(cur, hi)
		b.addTop(cur, cur.Add64(size-1), b.job.reg, b.topAssigned(size), b.topDay(), [2]byte{})
		cur = cur.Add64(size)
	}
}

// largestAligned is the largest power of two that starts at cur (aligned)
// and ends by hi.
func largestAligned(cur, hi u128.U128) uint64 {
	room := hi.Sub(cur).Add64(1)
	n := min(cur.TrailingZeros(), 62)
	if room.Hi == 0 {
		n = min(n, 63-bits.LeadingZeros64(room.Lo))
	}
	return 1 << n
}

// fitAt draws a size that can start at cur and end by hi, falling back to the
// largest aligned power of two that fits.
func (b *builder) fitAt(cur, hi u128.U128, dist sizeDist) uint64 {
	room := hi.Sub(cur).Add64(1)
	for range 6 {
		s := dist.draw(b.rng)
		if int(alignBits(s)) <= cur.TrailingZeros() && (room.Hi > 0 || s <= room.Lo) {
			return s
		}
	}
	return largestAligned(cur, hi)
}

// fillV6 places the block's top-level IPv6 allocations: sparse, as the
// registries leave room for each holder to grow.
func (b *builder) fillV6() {
	dist := ipv6Sizes[b.job.reg]
	cur := u128.FromAddr(b.job.prefix.Addr())
	last := u128.FromAddr(ipatlas.LastAddr(b.job.prefix))
	for range b.job.w.cfg.IPv6PerBlock {
		plen := max(int(dist.draw(b.rng)), b.job.prefix.Bits()+1)
		host := uint(128 - plen)
		start, ok := cur.AlignUp(host)
		if b.rng.Float64() < b.job.w.cfg.GapShare*8 {
			start = start.Add(u128.Pow2(host).Shl(uint(b.rng.IntN(4))))
		}
		end := start.Add(u128.Pow2(host)).Sub(u128.From64(1))
		if !ok || last.Less(end) || end.Less(start) {
			return
		}
		b.addTop(start, end, b.job.reg, plen >= 44, b.topDay(), [2]byte{})
		cur = end.Add64(1)
	}
}

// topAssigned decides whether a top-level IPv4 block is an assignment (PI,
// direct assignment) rather than an allocation: small blocks often are.
func (b *builder) topAssigned(size uint64) bool { return size <= 1024 && b.rng.Float64() < 0.4 }

// addTop adds a top-level network, maybe transferred to another registry,
// and then its children. A zero cc draws a country from the registry's region.
func (b *builder) addTop(first, last u128.U128, reg ipatlas.Registry, assigned bool, day uint16, cc [2]byte) {
	n := node{first: first, last: last, parent: -1, regDay: day, reg: regIndex(reg), kind: kindAllocation}
	if assigned {
		n.kind = kindAssignment
	}
	if b.job.legacy && b.rng.Float64() < 0.7 {
		n.flags |= flagLegacy
	}
	if b.job.is4 && b.job.tops == nil && b.rng.Float64() < b.job.w.cfg.TransferShare {
		n.reg = (n.reg + 1 + uint8(b.rng.IntN(len(registries)-1))) % uint8(len(registries))
		n.flags |= flagTransferred
	}
	n.org = b.rng.Uint32() & orgMask
	n.cc = cc
	if cc == ([2]byte{}) {
		n.cc = b.drawCountry(n.reg)
	}
	b.finish(&n)
	b.nodes = append(b.nodes, n)
	b.addChildren(len(b.nodes) - 1)
}

// finish sets the last-changed date, after registration and before the epoch.
func (b *builder) finish(n *node) {
	span := max(b.epochDay()-int(n.regDay), 1)
	n.chgDay = n.regDay + uint16(b.rng.IntN(span))
}

func (b *builder) epochDay() int { return int(b.job.w.cfg.Epoch.Sub(dayZero).Hours() / 24) }

// topDay draws a registration date after the registry opened.
func (b *builder) topDay() uint16 {
	open := registryOpened[b.job.reg]
	return uint16(open + b.rng.IntN(max(b.epochDay()-open, 1)))
}
