package ipatlas_test

import (
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
)

func TestRangePrefixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to string
		want     []string
	}{
		{"WholeIPv4", "0.0.0.0", "255.255.255.255", []string{"0.0.0.0/0"}},
		{"WholeIPv6", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"::/0"}},
		{"SingleIPv4", "192.0.2.7", "192.0.2.7", []string{"192.0.2.7/32"}},
		{"SingleIPv6", "2001:db8::1", "2001:db8::1", []string{"2001:db8::1/128"}},
		{"ExactSlash8", "13.0.0.0", "13.255.255.255", []string{"13.0.0.0/8"}},
		// 768 = 512 + 256, and 193.0.0.0 is aligned to /23.
		{"RIPE768", "193.0.0.0", "193.0.2.255", []string{"193.0.0.0/23", "193.0.2.0/24"}},
		// Same size, but starting on an odd /24: 256 + 512.
		{"RIPE768Unaligned", "193.0.1.0", "193.0.3.255", []string{"193.0.1.0/24", "193.0.2.0/23"}},
		{"StartsAtZero", "0.0.0.0", "0.0.0.2", []string{"0.0.0.0/31", "0.0.0.2/32"}},
		{"CrossesOctet", "10.0.0.255", "10.0.1.0", []string{"10.0.0.255/32", "10.0.1.0/32"}},
		{"UpperHalf", "128.0.0.0", "255.255.255.255", []string{"128.0.0.0/1"}},
		{"TopAddressIPv4", "255.255.255.255", "255.255.255.255", []string{"255.255.255.255/32"}},
		{"EndsAtTopIPv4", "255.255.255.0", "255.255.255.255", []string{"255.255.255.0/24"}},
		{"EndsAtTopIPv4Unaligned", "255.255.255.1", "255.255.255.255", []string{
			"255.255.255.1/32", "255.255.255.2/31", "255.255.255.4/30", "255.255.255.8/29",
			"255.255.255.16/28", "255.255.255.32/27", "255.255.255.64/26", "255.255.255.128/25",
		}},
		{"TopAddressIPv6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"}},
		{"EndsAtTopIPv6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
		{"EndsAtTopIPv6Unaligned", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
		{"EndsAtTopIPv6Half", "8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", []string{"8000::/1"}},
		{"IPv6AcrossHalves", "2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8:0:1::",
			[]string{"2001:db8:0:0:ffff:ffff:ffff:ffff/128", "2001:db8:0:1::/128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustRange(t, tt.from, tt.to)
			got := prefixesWithin(t, r, 10*time.Second)
			if want := mustPrefixes(t, tt.want...); !slices.Equal(got, want) {
				t.Fatalf("%v.Prefixes() = %v, want %v", r, got, want)
			}
			checkCover(t, r, got)
		})
	}
}

// Every address but the first (or last) of the whole space needs one prefix
// per bit: the cover is as long as it can get.
func TestRangePrefixesLongest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"IPv4AllButFirst", "0.0.0.1", "255.255.255.255", 32},
		{"IPv4AllButLast", "0.0.0.0", "255.255.255.254", 32},
		{"IPv4AllButFirstAndLast", "0.0.0.1", "255.255.255.254", 62},
		{"IPv6AllButFirst", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128},
		{"IPv6AllButLast", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 128},
		{"IPv6AllButFirstAndLast", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 254},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustRange(t, tt.from, tt.to)
			got := prefixesWithin(t, r, 10*time.Second)
			if len(got) != tt.want {
				t.Errorf("%v.Prefixes() has %d prefixes, want %d: %v", r, len(got), tt.want, got)
			}
			checkCover(t, r, got)
			if want := refPrefixesBig(t, r); !slices.Equal(got, want) {
				t.Errorf("%v.Prefixes() = %v, want %v", r, got, want)
			}
		})
	}
}

// A Range is a plain struct anyone can fill in, so Prefixes meets ranges that
// NewRange would have refused. It must not loop (or allocate) forever on them.
func TestRangePrefixesInvalid(t *testing.T) {
	t.Parallel()
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.5")
	tests := []struct {
		name string
		r    ipatlas.Range
	}{
		{"Zero", ipatlas.Range{}},
		{"Reversed", ipatlas.Range{From: b, To: a}},
		{"ReversedIPv6", ipatlas.Range{From: netip.MustParseAddr("2001:db8::5"), To: netip.MustParseAddr("2001:db8::1")}},
		{"MixedVersions", ipatlas.Range{From: a, To: netip.MustParseAddr("2001:db8::1")}},
		{"MissingTo", ipatlas.Range{From: a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := prefixesWithin(t, tt.r, 5*time.Second); len(got) != 0 {
				t.Errorf("(%#v).Prefixes() = %v, want none", tt.r, got)
			}
		})
	}
}

// A range built by hand may carry a zone (NewRange strips them); the zone says
// nothing about which addresses are in the range.
func TestRangePrefixesZoned(t *testing.T) {
	t.Parallel()
	r := ipatlas.Range{From: netip.MustParseAddr("fe80::1%eth0"), To: netip.MustParseAddr("fe80::2%eth0")}
	got := prefixesWithin(t, r, 5*time.Second)
	if want := mustPrefixes(t, "fe80::1/128", "fe80::2/128"); !slices.Equal(got, want) {
		t.Errorf("(%#v).Prefixes() = %v, want %v", r, got, want)
	}
}

// TestRangePrefixesWalk compares Prefixes with refPrefixesWalk on small random
// IPv4 ranges.
func TestRangePrefixesWalk(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		from := rng.Uint32()
		if rng.IntN(2) == 0 {
			from &^= 1<<rng.IntN(13) - 1 // often start on an aligned boundary
		}
		n := uint32(1 + rng.IntN(2048))
		if from > ^uint32(0)-n+1 {
			from = ^uint32(0) - n + 1 // keep [from, from+n-1] inside the space
		}
		r := ipatlas.Range{From: addr4(from), To: addr4(from + n - 1)}
		got := r.Prefixes()
		if want := refPrefixesWalk(t, r); !slices.Equal(got, want) {
			t.Fatalf("%v.Prefixes() = %v, want %v", r, got, want)
		}
	}
}

// TestRangePrefixesRandom compares Prefixes with refPrefixesBig on random
// ranges of every scale, IPv4 and IPv6.
func TestRangePrefixesRandom(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		is4  bool
	}{{"IPv4", true}, {"IPv6", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(5, 6))
			for range 1000 {
				r := randomRange(t, rng, tt.is4)
				got := r.Prefixes()
				if want := refPrefixesBig(t, r); !slices.Equal(got, want) {
					t.Fatalf("%v.Prefixes() = %v, want %v", r, got, want)
				}
				checkCover(t, r, got)
			}
		})
	}
}

func FuzzRangePrefixes(f *testing.F) {
	f.Add(uint32(0), ^uint32(0))
	f.Add(uint32(0xc1000000), uint32(0xc10002ff)) // 193.0.0.0 - 193.0.2.255
	f.Add(uint32(1), ^uint32(0))
	f.Add(^uint32(0), ^uint32(0))
	f.Add(uint32(0), uint32(0))
	f.Add(uint32(0x0a0000ff), uint32(0x0a000100))
	f.Fuzz(func(t *testing.T, a, b uint32) {
		if a > b {
			a, b = b, a
		}
		r, err := ipatlas.NewRange(addr4(a), addr4(b))
		if err != nil {
			t.Fatal(err)
		}
		checkCover(t, r, r.Prefixes())
	})
}

// checkCover checks that ps is the minimal exact CIDR cover of r, in order:
// the prefixes are aligned, contiguous and ascending, start at r.From, end at
// r.To, and none could be replaced by a larger aligned prefix (its parent)
// without leaving r.
func checkCover(tb testing.TB, r ipatlas.Range, ps []netip.Prefix) {
	tb.Helper()
	if len(ps) == 0 {
		tb.Fatalf("%v.Prefixes() is empty", r)
	}
	if ps[0].Addr() != r.From {
		tb.Errorf("%v.Prefixes() starts at %v, want %v", r, ps[0].Addr(), r.From)
	}
	for i, p := range ps {
		if !p.IsValid() || p.Addr().Is4() != r.Is4() {
			tb.Fatalf("%v.Prefixes()[%d] = %v is invalid or of the wrong version", r, i, p)
		}
		if p.Masked() != p {
			tb.Errorf("%v.Prefixes()[%d] = %v is not aligned", r, i, p)
		}
		if p.Bits() > 0 {
			parent := netip.PrefixFrom(p.Addr(), p.Bits()-1).Masked()
			if !parent.Addr().Less(r.From) && !r.To.Less(lastOf(tb, parent)) {
				tb.Errorf("%v.Prefixes()[%d] = %v is not maximal: %v is also inside the range", r, i, p, parent)
			}
		}
		if i == 0 {
			continue
		}
		prev := ps[i-1]
		if next := lastOf(tb, prev).Next(); next != p.Addr() {
			tb.Errorf("%v.Prefixes(): %v is followed by %v, want it followed by a prefix at %v", r, prev, p, next)
		}
		if prev.Bits() == p.Bits() && prev.Bits() > 0 && netip.PrefixFrom(prev.Addr(), prev.Bits()-1).Masked().Addr() == prev.Addr() {
			tb.Errorf("%v.Prefixes(): %v and %v could merge into one prefix", r, prev, p)
		}
	}
	if last := lastOf(tb, ps[len(ps)-1]); last != r.To {
		tb.Errorf("%v.Prefixes() ends at %v, want %v", r, last, r.To)
	}
}

// refPrefixesWalk is the minimal cover of a small IPv4 range, found one
// address at a time: each address of r lies in exactly one prefix of the
// minimal cover, the largest prefix holding it that lies wholly inside r. So
// for each address grow a block around it (/32, /31, … masking the address)
// for as long as the block stays inside r, and collect the distinct blocks.
func refPrefixesWalk(tb testing.TB, r ipatlas.Range) []netip.Prefix {
	tb.Helper()
	from, to := uint64(beUint32(r.From.As4())), uint64(beUint32(r.To.As4()))
	if to-from > 1<<16 {
		tb.Fatalf("refPrefixesWalk(%v): range too large to walk", r)
	}
	var out []netip.Prefix
	for a := from; a <= to; a++ {
		var best netip.Prefix
		for bits := 32; bits >= 0; bits-- {
			size := uint64(1) << (32 - bits)
			lo := a &^ (size - 1)
			if lo < from || lo+size-1 > to {
				break // a larger block holds this one, so it leaves r too
			}
			best = netip.PrefixFrom(addr4(uint32(lo)), bits)
		}
		if len(out) == 0 || out[len(out)-1] != best {
			out = append(out, best)
		}
	}
	return out
}

// refPrefixesBig is the greedy cover computed with big integers: from the
// start, take the largest block that is aligned there and ends inside r.
func refPrefixesBig(tb testing.TB, r ipatlas.Range) []netip.Prefix {
	tb.Helper()
	bitLen := r.From.BitLen()
	cur, end := addrInt(r.From), addrInt(r.To)
	one := big.NewInt(1)
	var out []netip.Prefix
	for cur.Cmp(end) <= 0 {
		host := 0
		for host < bitLen {
			size := new(big.Int).Lsh(one, uint(host+1))
			if new(big.Int).Mod(cur, size).Sign() != 0 {
				break
			}
			if last := new(big.Int).Sub(new(big.Int).Add(cur, size), one); last.Cmp(end) > 0 {
				break
			}
			host++
		}
		out = append(out, netip.PrefixFrom(intAddr(tb, cur, r.Is4()), bitLen-host))
		cur = new(big.Int).Add(cur, new(big.Int).Lsh(one, uint(host)))
	}
	return out
}
