package iana

import "net/netip"

// Special is a block from IANA's IPv4 or IPv6 special-purpose address
// registry (RFC 6890): never allocated by a registry, never worth a query.
type Special struct {
	Prefix netip.Prefix
	Name   string
}

// Specials returns the special-purpose blocks of both IP versions that are
// not globally reachable (IANA's special-purpose registries, IPv4 updated
// 2021-02-04, IPv6 updated 2024-09-05), plus multicast and IPv6's ::/8.
// Other IPv6 space outside global unicast (4000::/3, fec0::/10 …) is not
// listed: no registry holds it, so RegistryOf already answers "" for it.
func Specials() []Special {
	out := make([]Special, len(specials))
	for i, s := range specials {
		out[i] = Special{netip.MustParsePrefix(s[0]), s[1]}
	}
	return out
}

// IsSpecial reports whether a lies in a special-purpose block.
func IsSpecial(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range specialPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// OverlapsSpecial reports whether any address of p is special-purpose.
func OverlapsSpecial(p netip.Prefix) bool {
	for _, s := range specialPrefixes {
		if s.Overlaps(p) {
			return true
		}
	}
	return false
}

var specials = [][2]string{
	{"0.0.0.0/8", `"This network"`},
	{"10.0.0.0/8", "Private-Use"},
	{"100.64.0.0/10", "Shared Address Space"},
	{"127.0.0.0/8", "Loopback"},
	{"169.254.0.0/16", "Link Local"},
	{"172.16.0.0/12", "Private-Use"},
	{"192.0.0.0/24", "IETF Protocol Assignments"},
	{"192.0.2.0/24", "Documentation (TEST-NET-1)"},
	{"192.88.99.0/24", "Deprecated 6to4 Relay Anycast"},
	{"192.168.0.0/16", "Private-Use"},
	{"198.18.0.0/15", "Benchmarking"},
	{"198.51.100.0/24", "Documentation (TEST-NET-2)"},
	{"203.0.113.0/24", "Documentation (TEST-NET-3)"},
	{"224.0.0.0/4", "Multicast"},
	{"240.0.0.0/4", "Reserved"},
	{"::/8", "Reserved by IETF (unspecified, loopback, IPv4-mapped)"},
	{"100::/64", "Discard-Only Address Block"},
	{"2001::/23", "IETF Protocol Assignments"},
	{"2001:db8::/32", "Documentation"},
	{"2002::/16", "6to4"},
	{"3fff::/20", "Documentation"},
	{"5f00::/16", "Segment Routing (SRv6) SIDs"},
	{"fc00::/7", "Unique-Local"},
	{"fe80::/10", "Link-Local Unicast"},
	{"ff00::/8", "Multicast"},
}

var specialPrefixes = func() []netip.Prefix {
	out := make([]netip.Prefix, len(specials))
	for i, s := range specials {
		out[i] = netip.MustParsePrefix(s[0])
	}
	return out
}()
