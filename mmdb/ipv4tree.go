package mmdb

import (
	"net/netip"

	"github.com/ipatlas/ipatlas"
)

// ipv4Tree are the IPv6 networks whose lookups answer from the IPv4 data,
// sorted: ::/96, where an IPv6 MMDB keeps its IPv4 tree (1.2.3.4 is found
// at ::1.2.3.4), and the networks mmdbwriter aliases to that tree, as
// MaxMind's databases do, so that IPv4-mapped (::ffff:1.2.3.4), Teredo and
// 6to4 addresses find their IPv4 record.
var ipv4Tree = []ipatlas.Range{
	ipatlas.PrefixRange(netip.MustParsePrefix("::/96")),
	ipatlas.PrefixRange(netip.MustParsePrefix("::ffff:0:0/96")),
	ipatlas.PrefixRange(netip.MustParsePrefix("2001::/32")),
	ipatlas.PrefixRange(netip.MustParsePrefix("2002::/16")),
}

// AnswersFromIPv4 reports whether a lookup of the IPv6 address a answers
// from the file's IPv4 data: no IPv6 record is stored there.
func AnswersFromIPv4(a netip.Addr) bool {
	for _, r := range ipv4Tree {
		// Not r.Contains, which reads an IPv4-mapped address as IPv4.
		if a.Is6() && !a.Less(r.From) && !r.To.Less(a) {
			return true
		}
	}
	return false
}

// storable is the parts of a range an IPv6 MMDB can hold for it: all of an
// IPv4 range, an IPv6 range less the networks that answer from the IPv4
// data. Registries register nothing there, but the records of the whole
// IPv6 space some publish (RIPE NCC's ::/0) would otherwise overwrite the
// IPv4 tree.
func storable(r ipatlas.Range) []ipatlas.Range {
	if r.Is4() {
		return []ipatlas.Range{r}
	}
	var out []ipatlas.Range
	for _, t := range ipv4Tree {
		if !r.Overlaps(t) {
			continue
		}
		if r.From.Less(t.From) {
			out = append(out, ipatlas.Range{From: r.From, To: t.From.Prev()})
		}
		if !t.To.Less(r.To) {
			return out
		}
		r.From = t.To.Next()
	}
	return append(out, r)
}
