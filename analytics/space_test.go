package analytics_test

import (
	"math/big"
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/iana"
)

// TestIPv4SpaceIsIANAs: the space is the 3,702,258,432 addresses of the
// /8s IANA gives an RIR, less its special-purpose blocks. The test counts
// it again /24 by /24 (every special-purpose IPv4 block is a /24 or
// larger) from IANA's tables.
func TestIPv4SpaceIsIANAs(t *testing.T) {
	t.Parallel()
	const want = 3_702_258_432
	excluded := make([]bool, 1<<24) // by /24
	for octet := range 256 {
		if iana.IPv4Slash8(byte(octet)).Registry == "" {
			for i := octet << 16; i < (octet+1)<<16; i++ {
				excluded[i] = true
			}
		}
	}
	for _, s := range iana.Specials() {
		if p := s.Prefix; p.Addr().Is4() {
			first := int(p.Addr().As4()[0])<<16 | int(p.Addr().As4()[1])<<8 | int(p.Addr().As4()[2])
			for i := range 1 << (24 - p.Bits()) {
				excluded[first+i] = true
			}
		}
	}
	n := 0
	for _, x := range excluded {
		if !x {
			n += 256
		}
	}
	if n != want {
		t.Fatalf("recount from IANA's tables: %d addresses, want %d", n, want)
	}
	if got := analytics.SpaceSize(true, nil); got.String() != "3702258432" {
		t.Errorf("SpaceSize(IPv4) = %s, want %d", got, want)
	}
}

// TestIPv6SpaceIsIANAs: the IPv6 space is IANA's RIR blocks less the
// special-purpose blocks inside them (2001:db8::/32 lies in APNIC's
// 2001:c00::/23).
func TestIPv6SpaceIsIANAs(t *testing.T) {
	t.Parallel()
	size := func(p netip.Prefix) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(128-p.Bits())) }
	want := new(big.Int)
	for _, b := range iana.IPv6Blocks() {
		want.Add(want, size(b.Prefix))
		for _, s := range iana.Specials() {
			if s.Prefix.Addr().Is6() && b.Prefix.Overlaps(s.Prefix) {
				if s.Prefix.Bits() < b.Prefix.Bits() {
					t.Fatalf("special %s holds RIR block %s", s.Prefix, b.Prefix)
				}
				want.Sub(want, size(s.Prefix))
			}
		}
	}
	if got := analytics.SpaceSize(false, nil); got.String() != want.String() {
		t.Errorf("SpaceSize(IPv6) = %s, want %s", got, want)
	}
}

func TestSpaceWithin(t *testing.T) {
	t.Parallel()
	within := []netip.Prefix{netip.MustParsePrefix("100.0.0.0/8"), netip.MustParsePrefix("100.0.0.0/9"), netip.MustParsePrefix("10.0.0.0/8")}
	got := analytics.Space(within)
	want := []string{"100.0.0.0 - 100.63.255.255 arin", "100.128.0.0 - 100.255.255.255 arin"}
	if len(got) != len(want) {
		t.Fatalf("Space(%v) = %v, want %v", within, got, want)
	}
	for i, h := range got {
		if s := h.Range.String() + " " + string(h.Registry); s != want[i] {
			t.Errorf("range %d: %s, want %s", i, s, want[i])
		}
	}
	// Adjacent /8s of one registry are one range: ARIN's 6.0.0.0/8 to 9.0.0.0/8.
	if got := analytics.Space([]netip.Prefix{netip.MustParsePrefix("4.0.0.0/6"), netip.MustParsePrefix("8.0.0.0/7")}); len(got) != 3 ||
		got[1].Registry != "ripencc" || got[2].Range.String() != "6.0.0.0 - 9.255.255.255" {
		t.Errorf("Space(4.0.0.0/6, 8.0.0.0/7) = %v: want 4/8, RIPE NCC's 5/8, and 6/8–9/8 as one", got)
	}
}
