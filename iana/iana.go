// Package iana knows what IANA publishes about the address space: which
// Regional Internet Registry administers each IPv4 /8 and IPv6 block, and
// which blocks are special-purpose (private, loopback, documentation …) and so
// never allocated to anyone.
//
// The tables are encoded as data in code, taken from IANA's registries; the
// planner may replace them with fresher copies parsed from IANA's XML.
package iana

import (
	"net/netip"

	"github.com/ipatlas/ipatlas"
)

// Status is IANA's status of an IPv4 /8.
type Status string

// IANA's statuses for IPv4 /8s.
const (
	StatusAllocated Status = "ALLOCATED"
	StatusLegacy    Status = "LEGACY"
	StatusReserved  Status = "RESERVED"
)

// Slash8 is one row of IANA's IPv4 address-space registry.
type Slash8 struct {
	Octet       int              // the /8's first octet
	Registry    ipatlas.Registry // RIR that answers for it; empty when reserved
	Status      Status
	Designation string // IANA's designation, e.g. "Administered by ARIN"
	Date        string // yyyy-mm of IANA's allocation
}

// Prefix is the /8 as a prefix.
func (s Slash8) Prefix() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(s.Octet)}), 8)
}

// IPv4Slash8 returns IANA's row for the /8 starting with octet.
func IPv4Slash8(octet byte) Slash8 { return ipv4Slash8[octet] }

// IPv4Slash8s returns all 256 rows, in order.
func IPv4Slash8s() []Slash8 { return append([]Slash8(nil), ipv4Slash8[:]...) }

// Block is an IPv6 block IANA assigned to a registry.
type Block struct {
	Prefix   netip.Prefix
	Registry ipatlas.Registry
}

// IPv6Blocks returns IANA's IPv6 global-unicast assignments to the RIRs (the
// "IPv6 Global Unicast Address Assignments" registry, updated 2024-09-10), in
// address order.
func IPv6Blocks() []Block { return append([]Block(nil), ipv6Parsed...) }

// IPv6BlockOf returns the IANA block of an RIR that holds all of p.
func IPv6BlockOf(p netip.Prefix) (Block, bool) {
	for _, b := range ipv6Parsed {
		if b.Prefix.Bits() <= p.Bits() && b.Prefix.Contains(p.Addr()) {
			return b, true
		}
	}
	return Block{}, false
}

// RegistryOf returns the RIR IANA lists as administering a, or "" when IANA
// lists none (reserved, special-purpose or unassigned space).
func RegistryOf(a netip.Addr) ipatlas.Registry {
	a = a.Unmap()
	if IsSpecial(a) {
		return ""
	}
	if a.Is4() {
		return ipv4Slash8[a.As4()[0]].Registry
	}
	if b, ok := IPv6BlockOf(netip.PrefixFrom(a, 128)); ok {
		return b.Registry
	}
	return ""
}

var ipv6Blocks = []struct {
	prefix   string
	registry ipatlas.Registry
}{
	{"2001:200::/23", ipatlas.APNIC}, {"2001:400::/23", ipatlas.ARIN},
	{"2001:600::/23", ipatlas.RIPENCC}, {"2001:800::/22", ipatlas.RIPENCC},
	{"2001:c00::/23", ipatlas.APNIC}, {"2001:e00::/23", ipatlas.APNIC},
	{"2001:1200::/23", ipatlas.LACNIC}, {"2001:1400::/22", ipatlas.RIPENCC},
	{"2001:1800::/23", ipatlas.ARIN}, {"2001:1a00::/23", ipatlas.RIPENCC},
	{"2001:1c00::/22", ipatlas.RIPENCC}, {"2001:2000::/19", ipatlas.RIPENCC},
	{"2001:4000::/23", ipatlas.RIPENCC}, {"2001:4200::/23", ipatlas.AFRINIC},
	{"2001:4400::/23", ipatlas.APNIC}, {"2001:4600::/23", ipatlas.RIPENCC},
	{"2001:4800::/23", ipatlas.ARIN}, {"2001:4a00::/23", ipatlas.RIPENCC},
	{"2001:4c00::/23", ipatlas.RIPENCC}, {"2001:5000::/20", ipatlas.RIPENCC},
	{"2001:8000::/19", ipatlas.APNIC}, {"2001:a000::/20", ipatlas.APNIC},
	{"2001:b000::/20", ipatlas.APNIC}, {"2003::/18", ipatlas.RIPENCC},
	{"2400::/12", ipatlas.APNIC}, {"2600::/12", ipatlas.ARIN},
	{"2610::/23", ipatlas.ARIN}, {"2620::/23", ipatlas.ARIN},
	{"2630::/12", ipatlas.ARIN}, {"2800::/12", ipatlas.LACNIC},
	{"2a00::/12", ipatlas.RIPENCC}, {"2a10::/12", ipatlas.RIPENCC},
	{"2c00::/12", ipatlas.AFRINIC},
}

// ipv6Parsed is ipv6Blocks parsed once: RegistryOf runs for every query.
var ipv6Parsed = func() []Block {
	out := make([]Block, len(ipv6Blocks))
	for i, b := range ipv6Blocks {
		out[i] = Block{netip.MustParsePrefix(b.prefix), b.registry}
	}
	return out
}()
