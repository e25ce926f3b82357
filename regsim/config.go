package regsim

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/iana"
)

// Config says what world to build. The zero value, after WithDefaults, is a
// small world of a few /8s and IPv6 blocks of every registry.
type Config struct {
	// Seed makes the world deterministic: the same Config builds the same
	// world. Defaults to 1.
	Seed uint64

	// IPv4 lists the IPv4 blocks to populate. Each must lie inside one /8
	// that IANA gives to an RIR. Defaults to DefaultIPv4.
	IPv4 []netip.Prefix

	// IPv6 lists the IPv6 blocks to populate. Each must lie inside one of
	// IANA's IPv6 blocks for an RIR. Defaults to DefaultIPv6.
	IPv6 []netip.Prefix

	// IPv6PerBlock is how many top-level allocations to place in each IPv6
	// block (fewer if the block fills). Defaults to 128.
	IPv6PerBlock int

	// TransferShare is the share of top-level IPv4 blocks held by a registry
	// other than the one IANA lists. Defaults to 0.03.
	TransferShare float64

	// GapShare is the share of top-level slots left unregistered. Defaults
	// to 0.05.
	GapShare float64

	// Nesting says how each registry nests sub-allocations and assignments
	// inside its allocations. Registries missing from the map get
	// DefaultNesting's profile.
	Nesting map[ipatlas.Registry]Nesting

	// Delegated, when set, supplies the top-level allocations instead of
	// generating them (real delegated-stats files, for example). Only records
	// inside IPv4 and IPv6 are used when those were given explicitly.
	Delegated []*delegated.File

	// Epoch is the world's "today": no event is later. Defaults to
	// 2026-01-01T00:00:00Z, fixed so worlds do not change with the clock.
	Epoch time.Time
}

// Nesting is how a registry nests networks inside its allocations.
type Nesting struct {
	Share       float64 // share of networks that hold children
	Depth       int     // deepest level below the top level
	Fill        float64 // share of a parent's child slots filled (the rest are gaps)
	MaxChildren int     // children per parent, at most
	MinBitsV4   int     // smallest IPv4 child, as host bits (3 = /29)
	MinBitsV6   int     // smallest IPv6 child, as host bits (64 = /64)
}

// DefaultNesting is each registry's default nesting: RIPE NCC dense and deep,
// APNIC and ARIN with reassignments, LACNIC and AFRINIC shallower.
var DefaultNesting = map[ipatlas.Registry]Nesting{
	ipatlas.RIPENCC: {Share: 0.75, Depth: 3, Fill: 0.65, MaxChildren: 16, MinBitsV4: 3, MinBitsV6: 64},
	ipatlas.APNIC:   {Share: 0.5, Depth: 2, Fill: 0.55, MaxChildren: 12, MinBitsV4: 3, MinBitsV6: 64},
	ipatlas.ARIN:    {Share: 0.45, Depth: 2, Fill: 0.5, MaxChildren: 12, MinBitsV4: 3, MinBitsV6: 64},
	ipatlas.LACNIC:  {Share: 0.3, Depth: 1, Fill: 0.5, MaxChildren: 8, MinBitsV4: 8, MinBitsV6: 80},
	ipatlas.AFRINIC: {Share: 0.35, Depth: 2, Fill: 0.5, MaxChildren: 8, MinBitsV4: 4, MinBitsV6: 80},
}

// DefaultIPv4 is a small world: two /8s of each registry, among them a legacy
// ARIN /8 and a RIPE /8 full of non-power-of-two allocations.
var DefaultIPv4 = mustPrefixes("13.0.0.0/8", "23.0.0.0/8", "41.0.0.0/8", "102.0.0.0/8",
	"1.0.0.0/8", "101.0.0.0/8", "177.0.0.0/8", "200.0.0.0/8", "62.0.0.0/8", "193.0.0.0/8")

// DefaultIPv6 is one IPv6 block of each registry.
var DefaultIPv6 = mustPrefixes("2001:4200::/23", "2001:200::/23", "2001:400::/23",
	"2001:1200::/23", "2001:600::/23")

// FullIPv4 returns every IPv4 /8 IANA gives to an RIR: the full-scale world.
func FullIPv4() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range iana.IPv4Slash8s() {
		if s.Registry != "" {
			out = append(out, s.Prefix())
		}
	}
	return out
}

// FullIPv6 returns every IPv6 block IANA gives to an RIR.
func FullIPv6() []netip.Prefix {
	var out []netip.Prefix
	for _, b := range iana.IPv6Blocks() {
		out = append(out, b.Prefix)
	}
	return out
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.IPv4 == nil && c.Delegated == nil {
		c.IPv4 = DefaultIPv4
	}
	if c.IPv6 == nil && c.Delegated == nil {
		c.IPv6 = DefaultIPv6
	}
	if c.IPv6PerBlock == 0 {
		c.IPv6PerBlock = 128
	}
	if c.TransferShare == 0 {
		c.TransferShare = 0.03
	}
	if c.GapShare == 0 {
		c.GapShare = 0.05
	}
	nest := map[ipatlas.Registry]Nesting{}
	for r, n := range DefaultNesting {
		nest[r] = n
	}
	for r, n := range c.Nesting {
		nest[r] = n
	}
	c.Nesting = nest
	if c.Epoch.IsZero() {
		c.Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c
}

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("bad simulator config")

// Validate names the first bad field of c.
func (c Config) Validate() error {
	for _, p := range c.IPv4 {
		if !p.Addr().Is4() || p.Bits() < 8 {
			return fmt.Errorf("%w: IPv4 block %s: want an IPv4 prefix of /8 or longer", ErrConfig, p)
		}
		if iana.IPv4Slash8(p.Addr().As4()[0]).Registry == "" {
			return fmt.Errorf("%w: IPv4 block %s: IANA gives this /8 to no registry", ErrConfig, p)
		}
	}
	for _, p := range c.IPv6 {
		if _, ok := iana.IPv6BlockOf(p); !ok {
			return fmt.Errorf("%w: IPv6 block %s: not inside an IANA IPv6 block of a registry", ErrConfig, p)
		}
	}
	switch {
	case c.IPv6PerBlock < 0:
		return fmt.Errorf("%w: IPv6PerBlock %d: must not be negative", ErrConfig, c.IPv6PerBlock)
	case c.TransferShare < 0 || c.TransferShare > 1:
		return fmt.Errorf("%w: TransferShare %v: want 0..1", ErrConfig, c.TransferShare)
	case c.GapShare < 0 || c.GapShare >= 1:
		return fmt.Errorf("%w: GapShare %v: want 0..1 (exclusive)", ErrConfig, c.GapShare)
	}
	for r, n := range c.Nesting {
		if err := n.validate(); err != nil {
			return fmt.Errorf("%w: Nesting[%s]: %v", ErrConfig, r, err)
		}
	}
	return nil
}

func (n Nesting) validate() error {
	switch {
	case n.Share < 0 || n.Share > 1:
		return fmt.Errorf("Share %v: want 0..1", n.Share)
	case n.Depth < 0 || n.Depth > 8:
		return fmt.Errorf("Depth %d: want 0..8", n.Depth)
	case n.Fill < 0 || n.Fill > 1:
		return fmt.Errorf("Fill %v: want 0..1", n.Fill)
	case n.MaxChildren < 0:
		return fmt.Errorf("MaxChildren %d: must not be negative", n.MaxChildren)
	case n.MinBitsV4 < 0 || n.MinBitsV4 > 24:
		return fmt.Errorf("MinBitsV4 %d: want 0..24", n.MinBitsV4)
	case n.MinBitsV6 < 0 || n.MinBitsV6 > 96:
		return fmt.Errorf("MinBitsV6 %d: want 0..96", n.MinBitsV6)
	}
	return nil
}
