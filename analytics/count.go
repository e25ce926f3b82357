package analytics

import (
	"math/big"
	"strconv"

	"github.com/ipatlas/ipatlas/internal/u128"
)

// Count is a number of addresses: IPv6 counts need 128 bits. The zero
// value is 0; Count is a small value, copy it freely.
type Count struct{ v u128.U128 }

// CountOf returns n as a Count.
func CountOf(n uint64) Count { return Count{u128.From64(n)} }

// Uint64 is the count when it fits in 64 bits; ok is false when it does
// not.
func (c Count) Uint64() (n uint64, ok bool) { return c.v.Lo, c.v.Hi == 0 }

// Float64 is the count, rounded to a float64.
func (c Count) Float64() float64 { return c.v.Float64() }

// Big is the count as a big.Int.
func (c Count) Big() *big.Int {
	n := new(big.Int).SetUint64(c.v.Hi)
	return n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(c.v.Lo))
}

// String is the count in decimal.
func (c Count) String() string {
	if c.v.Hi == 0 {
		return strconv.FormatUint(c.v.Lo, 10)
	}
	return c.Big().String()
}

// MarshalJSON writes the count as an exact JSON number. IPv6 counts pass
// 2^53, past which a float64 loses digits: read them with a big-number
// parser.
func (c Count) MarshalJSON() ([]byte, error) { return []byte(c.String()), nil }

// Percent is c as a share of whole, 0 to 100 (0 when whole is 0).
func (c Count) Percent(whole Count) float64 {
	if whole.v.IsZero() {
		return 0
	}
	return 100 * c.Float64() / whole.Float64()
}

func (c Count) add(o Count) Count { return Count{c.v.Add(o.v)} }

func (c Count) sub(o Count) Count { return Count{c.v.Sub(o.v)} }

func (c Count) less(o Count) bool { return c.v.Less(o.v) }

// spanSize is the number of values in s: 2^128 for all of IPv6 does not
// fit, and wraps to 0, which no registry's data comes near.
func spanSize(s u128.Span) Count { return Count{s.Last.Sub(s.First).Add64(1)} }
