package mmdb

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/ipatlas/ipatlas"
)

// TestPrefixesMatchRangePrefixes: on the edges of both families and on
// seeded random ranges, prefixes splits as ipatlas.Range.Prefixes does.
func TestPrefixesMatchRangePrefixes(t *testing.T) {
	t.Parallel()
	ranges := []ipatlas.Range{
		{From: netip.MustParseAddr("0.0.0.0"), To: netip.MustParseAddr("255.255.255.255")},
		{From: netip.MustParseAddr("::"), To: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},
		{From: netip.MustParseAddr("::1"), To: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")},
		{From: netip.MustParseAddr("0.0.0.1"), To: netip.MustParseAddr("255.255.255.254")},
		{From: netip.MustParseAddr("1.0.2.0"), To: netip.MustParseAddr("1.0.4.255")},
		{From: netip.MustParseAddr("9.9.9.9"), To: netip.MustParseAddr("9.9.9.9")},
	}
	r := rand.New(rand.NewPCG(3, 3))
	for range 2000 {
		var a, b [16]byte
		for i := range a {
			a[i], b[i] = byte(r.IntN(256)), byte(r.IntN(256))
		}
		from, to := netip.AddrFrom16(a), netip.AddrFrom16(b)
		if r.IntN(2) == 0 {
			from, to = netip.AddrFrom4([4]byte(a[:4])), netip.AddrFrom4([4]byte(b[:4]))
		}
		if to.Less(from) {
			from, to = to, from
		}
		ranges = append(ranges, ipatlas.Range{From: from, To: to})
	}
	for _, rg := range ranges {
		if got, want := prefixes(nil, rg), rg.Prefixes(); !slices.Equal(got, want) {
			t.Fatalf("prefixes(%s) = %v, want %v", rg, got, want)
		}
	}
}
