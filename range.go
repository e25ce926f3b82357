package ipatlas

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// Range is an inclusive range of addresses [From, To] of one IP version.
// The zero value is not a valid range. Range is a small value: copy it freely.
type Range struct {
	From netip.Addr `json:"from"`
	To   netip.Addr `json:"to"`
}

// ErrBadRange is wrapped by every error ParseRange and NewRange return.
var ErrBadRange = errors.New("bad address range")

// NewRange builds [from, to], checking that both are the same IP version and
// from ≤ to. IPv4-mapped IPv6 addresses are unmapped first.
func NewRange(from, to netip.Addr) (Range, error) {
	from, to = from.Unmap(), to.Unmap()
	switch {
	case !from.IsValid() || !to.IsValid():
		return Range{}, fmt.Errorf("%w: invalid address", ErrBadRange)
	case from.Is4() != to.Is4():
		return Range{}, fmt.Errorf("%w: %s and %s are of different IP versions", ErrBadRange, from, to)
	case to.Less(from):
		return Range{}, fmt.Errorf("%w: %s is after %s", ErrBadRange, from, to)
	}
	return Range{From: from.WithZone(""), To: to.WithZone("")}, nil
}

// PrefixRange is the range a prefix covers.
func PrefixRange(p netip.Prefix) Range {
	p = p.Masked()
	return Range{From: p.Addr(), To: LastAddr(p)}
}

// LastAddr is the last address of a prefix, or the zero Addr when p is not
// valid.
func LastAddr(p netip.Prefix) netip.Addr {
	if !p.IsValid() {
		return netip.Addr{}
	}
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// ParseRange parses "a - b" (RIPE's inetnum style), "a-b", a CIDR prefix, or
// a single address.
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	if from, to, ok := strings.Cut(s, "-"); ok && !strings.Contains(from, "/") {
		a, err1 := netip.ParseAddr(strings.TrimSpace(from))
		b, err2 := netip.ParseAddr(strings.TrimSpace(to))
		if err := errors.Join(err1, err2); err != nil {
			return Range{}, fmt.Errorf("%w %q: %v", ErrBadRange, s, err)
		}
		return NewRange(a, b)
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Range{}, fmt.Errorf("%w %q: %v", ErrBadRange, s, err)
		}
		return PrefixRange(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return Range{}, fmt.Errorf("%w %q: %v", ErrBadRange, s, err)
	}
	return NewRange(a, a)
}

// Is4 reports whether the range is IPv4.
func (r Range) Is4() bool { return r.From.Is4() }

// IsValid reports whether r is a well-formed range.
func (r Range) IsValid() bool {
	return r.From.IsValid() && r.To.IsValid() && r.From.Is4() == r.To.Is4() && !r.To.Less(r.From)
}

// Contains reports whether a lies in r.
func (r Range) Contains(a netip.Addr) bool {
	a = a.Unmap()
	return a.Is4() == r.From.Is4() && !a.Less(r.From) && !r.To.Less(a)
}

// ContainsRange reports whether o lies wholly inside r.
func (r Range) ContainsRange(o Range) bool { return r.Contains(o.From) && r.Contains(o.To) }

// Overlaps reports whether r and o share an address.
func (r Range) Overlaps(o Range) bool {
	return r.Is4() == o.Is4() && !r.To.Less(o.From) && !o.To.Less(r.From)
}

// String formats the range as "from - to", the way RIPE writes inetnums.
func (r Range) String() string { return r.From.String() + " - " + r.To.String() }

// Size is the number of addresses in r.
func (r Range) Size() *big.Int {
	n := new(big.Int).Sub(addrInt(r.To), addrInt(r.From))
	return n.Add(n, big.NewInt(1))
}

func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

// Prefixes splits r into the fewest CIDR prefixes that cover it exactly, in
// address order. Registries publish ranges that are not CIDR-aligned (RIPE's
// 768-address allocations, for example), so this is exact, never rounding.
// It returns nil when r is not valid. Zones are ignored.
func (r Range) Prefixes() []netip.Prefix {
	if !r.IsValid() {
		// Without from ≤ to of one version the walk below never meets r.To.
		return nil
	}
	var out []netip.Prefix
	// netip.PrefixFrom drops zones, so compare against a zoneless end: a zoned
	// r.To would never equal the last address of a prefix.
	from, to := r.From.WithZone(""), r.To.WithZone("")
	bits := from.BitLen()
	for {
		// Largest aligned block starting at from that ends at or before to.
		n := bits
		for n > 0 {
			p := netip.PrefixFrom(from, n-1)
			if p.Masked().Addr() != from || to.Less(LastAddr(p)) {
				break
			}
			n--
		}
		p := netip.PrefixFrom(from, n)
		out = append(out, p)
		last := LastAddr(p)
		if last == to {
			return out
		}
		from = last.Next()
	}
}
