// Package u128 is unsigned 128-bit arithmetic for IP addresses, so that code
// walking millions of ranges can add, compare and align addresses without
// allocating (netip.Addr has no arithmetic beyond Next and Prev).
package u128

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// U128 is an unsigned 128-bit integer. An IPv4 address is held in the low 32
// bits; the caller keeps track of the IP version. The zero value is 0.
type U128 struct{ Hi, Lo uint64 }

// Max is the largest U128 (and the last IPv6 address).
var Max = U128{^uint64(0), ^uint64(0)}

// From64 returns v as a U128.
func From64(v uint64) U128 { return U128{0, v} }

// FromAddr converts an address; IPv4 (and IPv4-mapped) addresses land in the
// low 32 bits.
func FromAddr(a netip.Addr) U128 {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return U128{0, uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return U128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// Addr converts back to an address of the given version.
func (u U128) Addr(is4 bool) netip.Addr {
	if is4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(u.Lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.Hi)
	binary.BigEndian.PutUint64(b[8:], u.Lo)
	return netip.AddrFrom16(b)
}

// Cmp returns -1, 0 or +1.
func (u U128) Cmp(v U128) int {
	switch {
	case u.Hi < v.Hi:
		return -1
	case u.Hi > v.Hi:
		return 1
	case u.Lo < v.Lo:
		return -1
	case u.Lo > v.Lo:
		return 1
	}
	return 0
}

// Less reports u < v.
func (u U128) Less(v U128) bool { return u.Hi < v.Hi || (u.Hi == v.Hi && u.Lo < v.Lo) }

// IsZero reports u == 0.
func (u U128) IsZero() bool { return u.Hi == 0 && u.Lo == 0 }

// Add returns u+v, wrapping on overflow.
func (u U128) Add(v U128) U128 {
	lo, c := bits.Add64(u.Lo, v.Lo, 0)
	hi, _ := bits.Add64(u.Hi, v.Hi, c)
	return U128{hi, lo}
}

// Add64 returns u+v, wrapping on overflow.
func (u U128) Add64(v uint64) U128 { return u.Add(U128{0, v}) }

// Sub returns u-v, wrapping on underflow.
func (u U128) Sub(v U128) U128 {
	lo, b := bits.Sub64(u.Lo, v.Lo, 0)
	hi, _ := bits.Sub64(u.Hi, v.Hi, b)
	return U128{hi, lo}
}

// Shl returns u << n for n < 128.
func (u U128) Shl(n uint) U128 {
	switch {
	case n == 0:
		return u
	case n >= 64:
		return U128{u.Lo << (n - 64), 0}
	}
	return U128{u.Hi<<n | u.Lo>>(64-n), u.Lo << n}
}

// Pow2 returns 2^n for n < 128.
func Pow2(n uint) U128 { return U128{0, 1}.Shl(n) }

// And returns u & v.
func (u U128) And(v U128) U128 { return U128{u.Hi & v.Hi, u.Lo & v.Lo} }

// TrailingZeros is the number of trailing zero bits (128 for zero): the
// alignment of an address.
func (u U128) TrailingZeros() int {
	if u.Lo != 0 {
		return bits.TrailingZeros64(u.Lo)
	}
	if u.Hi != 0 {
		return 64 + bits.TrailingZeros64(u.Hi)
	}
	return 128
}

// AlignUp rounds u up to a multiple of 2^n, reporting false on overflow.
func (u U128) AlignUp(n uint) (U128, bool) {
	if n == 0 {
		return u, true
	}
	mask := Pow2(n).Sub(U128{0, 1})
	if u.And(mask).IsZero() {
		return u, true
	}
	r := u.Add(mask)
	if r.Less(u) {
		return U128{}, false
	}
	return U128{r.Hi &^ mask.Hi, r.Lo &^ mask.Lo}, true
}

// Float64 is u as a float64 (rounded).
func (u U128) Float64() float64 { return float64(u.Hi)*(1<<64) + float64(u.Lo) }
