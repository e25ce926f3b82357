package mmdb

import (
	"math/bits"
	"net/netip"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// prefixes appends the fewest CIDR prefixes that cover r exactly, in
// address order, as ipatlas.Range.Prefixes does, but with integer
// arithmetic: that one finds each prefix by trying every length, which
// was a quarter of the export's own work.
func prefixes(dst []netip.Prefix, r ipatlas.Range) []netip.Prefix {
	is4, width := r.Is4(), r.From.BitLen()
	from, to := u128.FromAddr(r.From), u128.FromAddr(r.To)
	for {
		// The largest block that starts at from (aligned) and ends by to.
		n := min(from.TrailingZeros(), width, largestBlock(to.Sub(from)))
		dst = append(dst, netip.PrefixFrom(from.Addr(is4), width-n))
		last := from.Add(blockSpan(n))
		if last == to {
			return dst
		}
		from = last.Add64(1)
	}
}

// largestBlock is the largest n with 2^n - 1 ≤ span.
func largestBlock(span u128.U128) int {
	if span == u128.Max {
		return 128
	}
	s := span.Add64(1)
	if s.Hi != 0 {
		return 64 + bits.Len64(s.Hi) - 1
	}
	return bits.Len64(s.Lo) - 1
}

// blockSpan is 2^n - 1: the last address of a block of 2^n, less its first.
func blockSpan(n int) u128.U128 {
	if n == 128 {
		return u128.Max
	}
	return u128.Pow2(uint(n)).Sub(u128.From64(1))
}
