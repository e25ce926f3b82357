package u128_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas/internal/u128"
)

var (
	two128  = new(big.Int).Lsh(big.NewInt(1), 128)
	mask128 = new(big.Int).Sub(two128, big.NewInt(1))
)

func toBig(u u128.U128) *big.Int {
	n := new(big.Int).SetUint64(u.Hi)
	n.Lsh(n, 64)
	return n.Or(n, new(big.Int).SetUint64(u.Lo))
}

// fromBig reduces n modulo 2^128 and returns it as a U128.
func fromBig(tb testing.TB, n *big.Int) u128.U128 {
	tb.Helper()
	m := new(big.Int).And(n, mask128) // two's complement And: also right for negative n
	lo := new(big.Int).And(m, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	hi := new(big.Int).Rsh(m, 64).Uint64()
	return u128.U128{Hi: hi, Lo: lo}
}

// randomU128 returns values of every scale, with the boundaries (0, 2^64-1,
// 2^64, Max) and their neighbours common, since that is where carries go
// wrong.
func randomU128(rng *rand.Rand) u128.U128 {
	switch rng.IntN(6) {
	case 0:
		edges := []u128.U128{{}, {0, 1}, {0, math.MaxUint64}, {1, 0}, {1, 1}, u128.Max, {math.MaxUint64, 0}, {math.MaxUint64 - 1, math.MaxUint64}}
		return edges[rng.IntN(len(edges))]
	case 1:
		return u128.U128{Lo: rng.Uint64()}
	case 2:
		return u128.U128{Hi: rng.Uint64()}
	case 3: // a random number of high bits set: an address near the top
		n := uint(rng.IntN(129))
		return u128.Max.Sub(u128.Pow2(n % 128).Sub(u128.From64(1)))
	}
	return u128.U128{Hi: rng.Uint64(), Lo: rng.Uint64()}
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(0x1234, 0x5678)) }

func TestAddSub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		a, b       u128.U128
		sum, delta u128.U128
	}{
		{"Zero", u128.U128{}, u128.U128{}, u128.U128{}, u128.U128{}},
		{"CarryIntoHi", u128.U128{0, math.MaxUint64}, u128.From64(1), u128.U128{1, 0}, u128.U128{0, math.MaxUint64 - 1}},
		{"WrapAtMax", u128.Max, u128.From64(1), u128.U128{}, u128.U128{math.MaxUint64, math.MaxUint64 - 1}},
		{"BorrowFromHi", u128.U128{1, 0}, u128.From64(1), u128.U128{1, 1}, u128.U128{0, math.MaxUint64}},
		{"WrapBelowZero", u128.U128{}, u128.From64(1), u128.From64(1), u128.Max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.a.Add(tt.b); got != tt.sum {
				t.Errorf("%v.Add(%v) = %v, want %v", tt.a, tt.b, got, tt.sum)
			}
			if got := tt.a.Sub(tt.b); got != tt.delta {
				t.Errorf("%v.Sub(%v) = %v, want %v", tt.a, tt.b, got, tt.delta)
			}
		})
	}
}

func TestAddSubRandom(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 20000 {
		a, b := randomU128(rng), randomU128(rng)
		checkAddSub(t, a, b)
		c := rng.Uint64()
		if got, want := a.Add64(c), fromBig(t, new(big.Int).Add(toBig(a), new(big.Int).SetUint64(c))); got != want {
			t.Fatalf("%v.Add64(%d) = %v, want %v", a, c, got, want)
		}
	}
}

func FuzzAddSub(f *testing.F) {
	f.Add(uint64(0), uint64(math.MaxUint64), uint64(0), uint64(1))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(0), uint64(1))
	f.Add(uint64(0), uint64(0), uint64(0), uint64(1))
	f.Add(uint64(1), uint64(0), uint64(math.MaxUint64), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, ahi, alo, bhi, blo uint64) {
		checkAddSub(t, u128.U128{Hi: ahi, Lo: alo}, u128.U128{Hi: bhi, Lo: blo})
	})
}

func checkAddSub(tb testing.TB, a, b u128.U128) {
	tb.Helper()
	if got, want := a.Add(b), fromBig(tb, new(big.Int).Add(toBig(a), toBig(b))); got != want {
		tb.Fatalf("%v.Add(%v) = %v, want %v", a, b, got, want)
	}
	if got, want := a.Sub(b), fromBig(tb, new(big.Int).Sub(toBig(a), toBig(b))); got != want {
		tb.Fatalf("%v.Sub(%v) = %v, want %v", a, b, got, want)
	}
	if got := a.Add(b).Sub(b); got != a {
		tb.Fatalf("%v.Add(%v).Sub(%v) = %v, want %v", a, b, b, got, a)
	}
}

func TestCmpLess(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 20000 {
		a := randomU128(rng)
		b := a
		switch rng.IntN(3) {
		case 0:
			b = randomU128(rng)
		case 1: // same Hi, so Lo decides
			b.Lo = rng.Uint64()
		}
		want := toBig(a).Cmp(toBig(b))
		if got := a.Cmp(b); got != want {
			t.Fatalf("%v.Cmp(%v) = %d, want %d", a, b, got, want)
		}
		if got := a.Less(b); got != (want < 0) {
			t.Fatalf("%v.Less(%v) = %v, want %v", a, b, got, want < 0)
		}
		if got := a.IsZero(); got != (toBig(a).Sign() == 0) {
			t.Fatalf("%v.IsZero() = %v", a, got)
		}
	}
}

func TestShl(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 5000 {
		u := randomU128(rng)
		for _, n := range []uint{0, 1, 63, 64, 65, 127, uint(rng.IntN(128))} {
			want := fromBig(t, new(big.Int).Lsh(toBig(u), n))
			if got := u.Shl(n); got != want {
				t.Fatalf("%v.Shl(%d) = %v, want %v", u, n, got, want)
			}
		}
	}
}

func TestPow2(t *testing.T) {
	t.Parallel()
	for n := range uint(128) {
		want := fromBig(t, new(big.Int).Lsh(big.NewInt(1), n))
		if got := u128.Pow2(n); got != want {
			t.Errorf("Pow2(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestAnd(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 5000 {
		a, b := randomU128(rng), randomU128(rng)
		if got, want := a.And(b), fromBig(t, new(big.Int).And(toBig(a), toBig(b))); got != want {
			t.Fatalf("%v.And(%v) = %v, want %v", a, b, got, want)
		}
	}
}

func TestTrailingZeros(t *testing.T) {
	t.Parallel()
	if got := (u128.U128{}).TrailingZeros(); got != 128 {
		t.Errorf("TrailingZeros(0) = %d, want 128", got)
	}
	rng := newRand()
	for range 20000 {
		u := randomU128(rng)
		u = u.And(u128.Max.Sub(u128.Pow2(uint(rng.IntN(128))).Sub(u128.From64(1)))) // clear some low bits
		if u.IsZero() {
			continue
		}
		want := int(toBig(u).TrailingZeroBits())
		if got := u.TrailingZeros(); got != want {
			t.Fatalf("%v.TrailingZeros() = %d, want %d", u, got, want)
		}
	}
}

func TestAlignUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		u      u128.U128
		n      uint
		want   u128.U128
		wantOK bool
	}{
		{"ZeroBits", u128.From64(7), 0, u128.From64(7), true},
		{"AlreadyAligned", u128.From64(256), 8, u128.From64(256), true},
		{"RoundsUp", u128.From64(257), 8, u128.From64(512), true},
		{"CarryIntoHi", u128.U128{0, math.MaxUint64}, 64, u128.U128{1, 0}, true},
		{"MaxOverflows", u128.Max, 1, u128.U128{}, false},
		{"TopBlockOverflows", u128.U128{math.MaxUint64, 1}, 64, u128.U128{}, false},
		{"TopBlockAligned", u128.U128{math.MaxUint64, 0}, 64, u128.U128{math.MaxUint64, 0}, true},
		{"ZeroAt128", u128.U128{}, 128, u128.U128{}, true},
		{"OneAt128Overflows", u128.From64(1), 128, u128.U128{}, false},
		{"HalfAt127", u128.From64(1), 127, u128.U128{1 << 63, 0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.u.AlignUp(tt.n)
			if ok != tt.wantOK || (ok && got != tt.want) {
				t.Errorf("%v.AlignUp(%d) = %v, %v; want %v, %v", tt.u, tt.n, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAlignUpRandom(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 20000 {
		u, n := randomU128(rng), uint(rng.IntN(129))
		// want = ceil(u / 2^n) * 2^n, which must fit in 128 bits.
		size := new(big.Int).Lsh(big.NewInt(1), n)
		want := new(big.Int).Add(toBig(u), new(big.Int).Sub(size, big.NewInt(1)))
		want.Div(want, size).Mul(want, size)
		got, ok := u.AlignUp(n)
		if wantOK := want.Cmp(two128) < 0; ok != wantOK {
			t.Fatalf("%v.AlignUp(%d) ok = %v, want %v (aligned value %v)", u, n, ok, wantOK, want)
		}
		if ok && toBig(got).Cmp(want) != 0 {
			t.Fatalf("%v.AlignUp(%d) = %v, want %v", u, n, toBig(got), want)
		}
	}
}

func TestAddrRoundTrip(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 10000 {
		var b4 [4]byte
		var b16 [16]byte
		for i := range b16 {
			b16[i] = byte(rng.Uint32())
		}
		copy(b4[:], b16[:4])

		a4 := netip.AddrFrom4(b4)
		u := u128.FromAddr(a4)
		if want := new(big.Int).SetBytes(b4[:]); toBig(u).Cmp(want) != 0 {
			t.Fatalf("FromAddr(%v) = %v, want %v", a4, toBig(u), want)
		}
		if got := u.Addr(true); got != a4 {
			t.Fatalf("FromAddr(%v).Addr(true) = %v", a4, got)
		}
		if got := u128.FromAddr(netip.AddrFrom16(a4.As16())); got != u {
			t.Fatalf("FromAddr(%v) = %v, want the IPv4 value %v", netip.AddrFrom16(a4.As16()), got, u)
		}

		a6 := netip.AddrFrom16(b16)
		if a6.Is4In6() {
			continue // unmapped by FromAddr; covered above
		}
		u = u128.FromAddr(a6)
		if want := new(big.Int).SetBytes(b16[:]); toBig(u).Cmp(want) != 0 {
			t.Fatalf("FromAddr(%v) = %v, want %v", a6, toBig(u), want)
		}
		if got := u.Addr(false); got != a6 {
			t.Fatalf("FromAddr(%v).Addr(false) = %v", a6, got)
		}
	}
}

func TestAddrEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		want u128.U128
	}{
		{"IPv4Zero", "0.0.0.0", u128.U128{}},
		{"IPv4Max", "255.255.255.255", u128.From64(math.MaxUint32)},
		{"IPv4Mapped", "::ffff:1.2.3.4", u128.From64(0x01020304)},
		{"IPv6Zero", "::", u128.U128{}},
		{"IPv6One", "::1", u128.From64(1)},
		{"IPv6Max", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", u128.Max},
		{"IPv6HiLo", "1:2:3:4:5:6:7:8", u128.U128{Hi: 0x0001000200030004, Lo: 0x0005000600070008}},
		{"IPv6Zone", "fe80::1%eth0", u128.U128{Hi: 0xfe80 << 48, Lo: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tt.addr)
			if got := u128.FromAddr(a); got != tt.want {
				t.Errorf("FromAddr(%v) = %#v, want %#v", a, got, tt.want)
			}
			if back := tt.want.Addr(a.Unmap().Is4()); back != a.Unmap().WithZone("") {
				t.Errorf("%#v.Addr(%v) = %v, want %v", tt.want, a.Unmap().Is4(), back, a.Unmap().WithZone(""))
			}
		})
	}
}

func TestFloat64(t *testing.T) {
	t.Parallel()
	rng := newRand()
	for range 10000 {
		u := randomU128(rng)
		exact, _ := new(big.Float).SetInt(toBig(u)).Float64()
		got := u.Float64()
		// Float64 rounds twice (each half, then the sum), so allow one ulp.
		if diff := math.Abs(got - exact); diff > exact*0x1p-52 {
			t.Fatalf("%v.Float64() = %v, want %v", u, got, exact)
		}
	}
}
