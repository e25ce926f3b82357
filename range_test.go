package ipatlas_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
)

func mustRange(tb testing.TB, from, to string) ipatlas.Range {
	tb.Helper()
	r, err := ipatlas.NewRange(netip.MustParseAddr(from), netip.MustParseAddr(to))
	if err != nil {
		tb.Fatalf("NewRange(%s, %s): %v", from, to, err)
	}
	return r
}

func mustPrefixes(tb testing.TB, ss ...string) []netip.Prefix {
	tb.Helper()
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// prefixesWithin calls r.Prefixes, failing instead of hanging when it does not
// return: a range that ends at the top of the address space is where a naive
// "from = last.Next()" loop never terminates.
func prefixesWithin(tb testing.TB, r ipatlas.Range, d time.Duration) []netip.Prefix {
	tb.Helper()
	done := make(chan []netip.Prefix, 1)
	go func() { done <- r.Prefixes() }()
	select {
	case ps := <-done:
		return ps
	case <-time.After(d):
		tb.Fatalf("(%#v).Prefixes() did not return within %v", r, d)
		return nil
	}
}

// addrInt is an address as an integer, computed from its 4 or 16 bytes.
func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

// intAddr is the inverse of addrInt.
func intAddr(tb testing.TB, n *big.Int, is4 bool) netip.Addr {
	tb.Helper()
	size := 16
	if is4 {
		size = 4
	}
	if n.Sign() < 0 || n.BitLen() > size*8 {
		tb.Fatalf("%v does not fit in %d bytes", n, size)
	}
	a, ok := netip.AddrFromSlice(n.FillBytes(make([]byte, size)))
	if !ok {
		tb.Fatalf("AddrFromSlice(%v) failed", n)
	}
	return a
}

// lastOf is the last address of p, computed with big integers so that it does
// not lean on ipatlas.LastAddr.
func lastOf(tb testing.TB, p netip.Prefix) netip.Addr {
	tb.Helper()
	host := uint(p.Addr().BitLen() - p.Bits())
	n := new(big.Int).Lsh(big.NewInt(1), host)
	n.Sub(n, big.NewInt(1))
	n.Or(n, addrInt(p.Addr()))
	return intAddr(tb, n, p.Addr().Is4())
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		from, to string
	}{
		{"RIPEStyle", "193.0.0.0 - 193.0.2.255", "193.0.0.0", "193.0.2.255"},
		{"NoSpaces", "193.0.0.0-193.0.2.255", "193.0.0.0", "193.0.2.255"},
		{"ExtraWhitespace", "  10.0.0.1 \t-   10.0.0.9 \n", "10.0.0.1", "10.0.0.9"},
		{"FromEqualsTo", "10.0.0.1-10.0.0.1", "10.0.0.1", "10.0.0.1"},
		{"CIDR", "10.0.0.0/8", "10.0.0.0", "10.255.255.255"},
		{"CIDRHostBitsMasked", "10.1.2.3/8", "10.0.0.0", "10.255.255.255"},
		{"CIDRWholeIPv4", "0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"CIDRSlash32", "192.0.2.7/32", "192.0.2.7", "192.0.2.7"},
		{"SingleAddress", "192.0.2.1", "192.0.2.1", "192.0.2.1"},
		{"SingleAddressPadded", " 192.0.2.1 ", "192.0.2.1", "192.0.2.1"},
		{"IPv6Range", "2001:db8:: - 2001:db8::ffff", "2001:db8::", "2001:db8::ffff"},
		{"IPv6RangeNoSpaces", "2001:db8::1-2001:db8::2", "2001:db8::1", "2001:db8::2"},
		{"IPv6CIDR", "2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"IPv6WholeSpace", "::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"IPv6Single", "::1", "::1", "::1"},
		{"IPv4MappedIsUnmapped", "::ffff:10.0.0.1 - ::ffff:10.0.0.2", "10.0.0.1", "10.0.0.2"},
		{"MappedAndPlainIPv4", "::ffff:10.0.0.1 - 10.0.0.2", "10.0.0.1", "10.0.0.2"},
		{"ZoneDropped", "fe80::1%eth0 - fe80::2%eth0", "fe80::1", "fe80::2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRange(tt.in)
			if err != nil {
				t.Fatalf("ParseRange(%q): %v", tt.in, err)
			}
			want := ipatlas.Range{From: netip.MustParseAddr(tt.from), To: netip.MustParseAddr(tt.to)}
			if got != want {
				t.Errorf("ParseRange(%q) = %v, want %v", tt.in, got, want)
			}
			if !got.IsValid() {
				t.Errorf("ParseRange(%q) = %#v is not valid", tt.in, got)
			}
		})
	}
}

func TestParseRangeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		// wantInMsg are strings the error must mention.
		wantInMsg []string
	}{
		{"MixedVersions", "10.0.0.1 - ::1", []string{"10.0.0.1", "::1"}},
		{"MixedVersionsIPv6First", "2001:db8::1-192.0.2.1", []string{"2001:db8::1", "192.0.2.1"}},
		{"Reversed", "10.0.0.9 - 10.0.0.1", []string{"10.0.0.9", "10.0.0.1"}},
		{"ReversedIPv6", "2001:db8::2 - 2001:db8::1", []string{"2001:db8::2", "2001:db8::1"}},
		{"Garbage", "not an address", []string{strconv.Quote("not an address")}},
		{"Empty", "", []string{`""`}},
		{"GarbageEnd", "10.0.0.1 - banana", []string{strconv.Quote("10.0.0.1 - banana")}},
		{"GarbageStart", "banana-10.0.0.1", []string{strconv.Quote("banana-10.0.0.1")}},
		{"MissingEnd", "10.0.0.1 -", []string{strconv.Quote("10.0.0.1 -")}},
		{"MissingStart", "- 10.0.0.1", []string{strconv.Quote("- 10.0.0.1")}},
		{"ThreeParts", "10.0.0.1 - 10.0.0.2 - 10.0.0.3", []string{strconv.Quote("10.0.0.1 - 10.0.0.2 - 10.0.0.3")}},
		{"PrefixLengthTooLong", "10.0.0.0/33", []string{strconv.Quote("10.0.0.0/33")}},
		{"IPv6PrefixLengthTooLong", "2001:db8::/129", []string{strconv.Quote("2001:db8::/129")}},
		{"PrefixThenRange", "10.0.0.0/8 - 11.0.0.0", []string{strconv.Quote("10.0.0.0/8 - 11.0.0.0")}},
		{"RangeThenPrefix", "10.0.0.0 - 10.0.0.0/24", []string{strconv.Quote("10.0.0.0 - 10.0.0.0/24")}},
		{"OctetOutOfRange", "10.0.0.256", []string{strconv.Quote("10.0.0.256")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ipatlas.ParseRange(tt.in)
			if err == nil {
				t.Fatalf("ParseRange(%q) = %v, want an error", tt.in, got)
			}
			if !errors.Is(err, ipatlas.ErrBadRange) {
				t.Errorf("ParseRange(%q) error %q does not wrap ErrBadRange", tt.in, err)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("ParseRange(%q) error %q does not mention %s", tt.in, err, s)
				}
			}
		})
	}
}

func TestNewRangeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to netip.Addr
	}{
		{"ZeroAddrs", netip.Addr{}, netip.Addr{}},
		{"ZeroFrom", netip.Addr{}, netip.MustParseAddr("10.0.0.1")},
		{"ZeroTo", netip.MustParseAddr("10.0.0.1"), netip.Addr{}},
		{"MixedVersions", netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::2")},
		{"Reversed", netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if r, err := ipatlas.NewRange(tt.from, tt.to); !errors.Is(err, ipatlas.ErrBadRange) {
				t.Errorf("NewRange(%v, %v) = %v, %v; want an error wrapping ErrBadRange", tt.from, tt.to, r, err)
			}
		})
	}
}

func TestRangeStringRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	for range 500 {
		want := randomRange(t, rng, rng.IntN(2) == 0)
		got, err := ipatlas.ParseRange(want.String())
		if err != nil {
			t.Fatalf("ParseRange(%q): %v", want.String(), err)
		}
		if got != want {
			t.Fatalf("ParseRange(%q) = %v, want %v", want.String(), got, want)
		}
	}
	if got, want := mustRange(t, "193.0.0.0", "193.0.2.255").String(), "193.0.0.0 - 193.0.2.255"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestLastAddrAndPrefixRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prefix   string
		from, to string
	}{
		{"Slash8", "10.0.0.0/8", "10.0.0.0", "10.255.255.255"},
		{"Slash32", "192.0.2.7/32", "192.0.2.7", "192.0.2.7"},
		{"Slash31", "192.0.2.6/31", "192.0.2.6", "192.0.2.7"},
		{"Slash23", "193.0.0.0/23", "193.0.0.0", "193.0.1.255"},
		{"WholeIPv4", "0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"HostBitsSet", "10.1.2.3/8", "10.0.0.0", "10.255.255.255"},
		{"IPv6Slash32", "2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"IPv6Slash127", "2001:db8::/127", "2001:db8::", "2001:db8::1"},
		{"IPv6Slash128", "2001:db8::5/128", "2001:db8::5", "2001:db8::5"},
		{"IPv6Slash65", "2001:db8::/65", "2001:db8::", "2001:db8::7fff:ffff:ffff:ffff"},
		{"WholeIPv6", "::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := netip.MustParsePrefix(tt.prefix)
			want := ipatlas.Range{From: netip.MustParseAddr(tt.from), To: netip.MustParseAddr(tt.to)}
			if got := ipatlas.LastAddr(p); got != want.To {
				t.Errorf("LastAddr(%v) = %v, want %v", p, got, want.To)
			}
			if got := ipatlas.PrefixRange(p); got != want {
				t.Errorf("PrefixRange(%v) = %v, want %v", p, got, want)
			}
		})
	}
}

// An invalid prefix has no last address; LastAddr must say so, not panic.
func TestLastAddrInvalid(t *testing.T) {
	t.Parallel()
	if got := ipatlas.LastAddr(netip.Prefix{}); got.IsValid() {
		t.Errorf("LastAddr(zero Prefix) = %v, want the zero Addr", got)
	}
}

func TestRangeIsValid(t *testing.T) {
	t.Parallel()
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	tests := []struct {
		name string
		r    ipatlas.Range
		want bool
	}{
		{"Zero", ipatlas.Range{}, false},
		{"Ordered", ipatlas.Range{From: a, To: b}, true},
		{"Single", ipatlas.Range{From: a, To: a}, true},
		{"Reversed", ipatlas.Range{From: b, To: a}, false},
		{"MixedVersions", ipatlas.Range{From: a, To: netip.MustParseAddr("::1")}, false},
		{"MissingTo", ipatlas.Range{From: a}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.IsValid(); got != tt.want {
				t.Errorf("(%#v).IsValid() = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

func TestRangeContains(t *testing.T) {
	t.Parallel()
	r4 := mustRange(t, "10.0.0.10", "10.0.0.20")
	r6 := mustRange(t, "2001:db8::10", "2001:db8::20")
	tests := []struct {
		name string
		r    ipatlas.Range
		addr string
		want bool
	}{
		{"First", r4, "10.0.0.10", true},
		{"Last", r4, "10.0.0.20", true},
		{"Middle", r4, "10.0.0.15", true},
		{"BeforeFirst", r4, "10.0.0.9", false},
		{"AfterLast", r4, "10.0.0.21", false},
		{"IPv4Mapped", r4, "::ffff:10.0.0.15", true},
		{"IPv6InIPv4Range", r4, "::a00:f", false},
		{"IPv6First", r6, "2001:db8::10", true},
		{"IPv6Last", r6, "2001:db8::20", true},
		{"IPv6After", r6, "2001:db8::21", false},
		{"IPv4InIPv6Range", r6, "10.0.0.15", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tt.addr)
			if got := tt.r.Contains(a); got != tt.want {
				t.Errorf("%v.Contains(%v) = %v, want %v", tt.r, a, got, tt.want)
			}
		})
	}
}

func TestRangeOverlapsAndContainsRange(t *testing.T) {
	t.Parallel()
	base := mustRange(t, "10.0.0.10", "10.0.0.20")
	tests := []struct {
		name          string
		r, o          ipatlas.Range
		overlaps      bool
		containsRange bool
	}{
		{"Same", base, base, true, true},
		{"Inside", base, mustRange(t, "10.0.0.12", "10.0.0.18"), true, true},
		{"Around", base, mustRange(t, "10.0.0.0", "10.0.0.30"), true, false},
		{"TouchesStart", base, mustRange(t, "10.0.0.0", "10.0.0.10"), true, false},
		{"TouchesEnd", base, mustRange(t, "10.0.0.20", "10.0.0.30"), true, false},
		{"AdjacentBefore", base, mustRange(t, "10.0.0.0", "10.0.0.9"), false, false},
		{"AdjacentAfter", base, mustRange(t, "10.0.0.21", "10.0.0.30"), false, false},
		{"Disjoint", base, mustRange(t, "192.0.2.0", "192.0.2.255"), false, false},
		{"OtherVersion", mustRange(t, "0.0.0.0", "255.255.255.255"), mustRange(t, "::", "::ffff"), false, false},
		{"IPv6Overlap", mustRange(t, "2001:db8::", "2001:db8::ff"), mustRange(t, "2001:db8::80", "2001:db8::1ff"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.Overlaps(tt.o); got != tt.overlaps {
				t.Errorf("%v.Overlaps(%v) = %v, want %v", tt.r, tt.o, got, tt.overlaps)
			}
			if got := tt.o.Overlaps(tt.r); got != tt.overlaps {
				t.Errorf("%v.Overlaps(%v) = %v, want %v (Overlaps must be symmetric)", tt.o, tt.r, got, tt.overlaps)
			}
			if got := tt.r.ContainsRange(tt.o); got != tt.containsRange {
				t.Errorf("%v.ContainsRange(%v) = %v, want %v", tt.r, tt.o, got, tt.containsRange)
			}
		})
	}
}

func TestRangeSize(t *testing.T) {
	t.Parallel()
	two := big.NewInt(2)
	tests := []struct {
		name string
		r    ipatlas.Range
		want *big.Int
	}{
		{"Single", mustRange(t, "192.0.2.1", "192.0.2.1"), big.NewInt(1)},
		{"RIPE768", mustRange(t, "193.0.0.0", "193.0.2.255"), big.NewInt(768)},
		{"WholeIPv4", mustRange(t, "0.0.0.0", "255.255.255.255"), new(big.Int).Exp(two, big.NewInt(32), nil)},
		{"WholeIPv6", mustRange(t, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), new(big.Int).Exp(two, big.NewInt(128), nil)},
		{"IPv6Slash64", ipatlas.PrefixRange(netip.MustParsePrefix("2001:db8::/64")), new(big.Int).Exp(two, big.NewInt(64), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.Size(); got.Cmp(tt.want) != 0 {
				t.Errorf("%v.Size() = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

func TestRangeSizeRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		r := randomRange(t, rng, rng.IntN(2) == 0)
		var want *big.Int
		if r.Is4() {
			// Independently of big.Int: IPv4 sizes fit a uint64.
			f, l := r.From.As4(), r.To.As4()
			n := uint64(beUint32(l)) - uint64(beUint32(f)) + 1
			want = new(big.Int).SetUint64(n)
		} else {
			f, l := r.From.As16(), r.To.As16()
			want = new(big.Int).Sub(new(big.Int).SetBytes(l[:]), new(big.Int).SetBytes(f[:]))
			want.Add(want, big.NewInt(1))
		}
		if got := r.Size(); got.Cmp(want) != 0 {
			t.Fatalf("%v.Size() = %v, want %v", r, got, want)
		}
	}
}

func beUint32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// randomAddr returns a random address of the version asked for.
func randomAddr(rng *rand.Rand, is4 bool) netip.Addr {
	if is4 {
		return addr4(rng.Uint32())
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return netip.AddrFrom16(b)
}

// randomRange returns a range with a random scale: it takes a random address,
// randomises its low k bits for a random k to get a second one, and orders the
// two. Half the time it also clears the low bits of the start so that the
// range starts on a large aligned boundary, the way registry blocks do.
func randomRange(tb testing.TB, rng *rand.Rand, is4 bool) ipatlas.Range {
	tb.Helper()
	a := randomAddr(rng, is4)
	bitLen := a.BitLen()
	k := rng.IntN(bitLen + 1)
	mask := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(k)), big.NewInt(1))
	ai := addrInt(a)
	bi := new(big.Int).AndNot(ai, mask)
	bi.Or(bi, new(big.Int).And(addrInt(randomAddr(rng, is4)), mask))
	if rng.IntN(2) == 0 {
		j := rng.IntN(k + 1)
		ai.AndNot(ai, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(j)), big.NewInt(1)))
	}
	if ai.Cmp(bi) > 0 {
		ai, bi = bi, ai
	}
	r, err := ipatlas.NewRange(intAddr(tb, ai, is4), intAddr(tb, bi, is4))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
