package regsim

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// Route is what Team Cymru's IP-to-ASN service knows of an address: the
// origin AS and BGP prefix of the most specific route holding it with the
// AS's name, and the country, registry and date of the delegated-stats
// record holding it (Cymru takes those from the registries' files, so an
// address that is not routed still has them).
type Route struct {
	AS        uint32           // origin AS; 0 when the address is not routed
	Prefix    netip.Prefix     // BGP prefix; invalid when not routed
	ASName    string           // "HANDLE Name, CC" as cidr-report names ASes; "" when not routed
	Country   string           // of the delegated block; "" when none lists the address
	Registry  ipatlas.Registry // of the delegated block, else the one IANA gives the space; "" for neither
	Allocated time.Time        // of the delegated block; zero when none lists the address
}

// Routed reports whether some route holds the address.
func (r Route) Routed() bool { return r.AS != 0 }

// RouteOf is the route Team Cymru would report for a. An address inside a
// network takes the route of the innermost network holding it that is
// announced; one no registry delegated has only IANA's registry.
func (w *World) RouteOf(a netip.Addr) Route {
	a = a.Unmap()
	ref := w.Lookup(a)
	if !ref.Valid() {
		return Route{Registry: ianaRegistry(a)}
	}
	t := w.table(ref.is4)
	i := int(ref.i - 1)
	top := i
	for t[top].parent >= 0 {
		top = int(t[top].parent)
	}
	rt := Route{Country: string(t[top].cc[:]), Registry: registries[t[top].reg],
		Allocated: dayZero.AddDate(0, 0, int(t[top].regDay))}
	for j := i; j >= 0; j = int(t[j].parent) {
		if w.announced(t[j]) {
			rt.AS = originAS(t[j].org)
			rt.Prefix = prefixHolding(t[j], a)
			rt.ASName = w.asName(rt.AS)
			break
		}
	}
	return rt
}

// Origin is the route of a network: the route at OriginAddr, the first
// address for which the network is the most specific one. That address
// decides, because a lookup there answers with this network, while its
// first address may lie in a nested network with a route of its own.
func (w *World) Origin(r NetRef) Route { return w.RouteOf(w.OriginAddr(r)) }

// OriginAddr is the network's first address outside every network nested
// in it, or its first address when nested networks cover it whole.
func (w *World) OriginAddr(r NetRef) netip.Addr {
	t, i := w.table(r.is4), int(r.i-1)
	n := t[i]
	cur := n.first
	for j := i + 1; j < len(t) && !n.last.Less(t[j].first); j++ {
		c := t[j]
		switch {
		case int(c.parent) != i: // deeper: inside a child already passed
		case cur.Less(c.first):
			return cur.Addr(r.is4)
		case c.last == n.last:
			return n.first.Addr(r.is4)
		default:
			cur = c.last.Add64(1)
		}
	}
	return cur.Addr(r.is4)
}

// routeSalt separates the announcement hash from the world's other draws.
const routeSalt = 0x726f757465

// announced reports whether a network is announced in BGP by its holder's
// AS. Every ARIN network is, by the AS it publishes (see Network), so RDAP
// and Cymru agree there. Elsewhere most top-level blocks are and a few
// nested ones (customers with an AS of their own); the rest of the space
// rides on the route of a network holding it, or is not routed at all.
func (w *World) announced(n node) bool {
	if registries[n.reg] == ipatlas.ARIN {
		return true
	}
	h := mix(mix(w.cfg.Seed^routeSalt, n.first.Hi^n.first.Lo), n.last.Hi^n.last.Lo) % 100
	if n.parent < 0 {
		return h < 85
	}
	return h < 20
}

// prefixHolding is the prefix of the network's CIDR cover that holds a: a
// network that is not one prefix is announced as the prefixes it is made of.
func prefixHolding(n node, a netip.Addr) netip.Prefix {
	is4 := a.Is4()
	for _, p := range (ipatlas.Range{From: n.first.Addr(is4), To: n.last.Addr(is4)}).Prefixes() {
		if p.Contains(a) {
			return p
		}
	}
	return netip.Prefix{} // unreachable: the cover holds every address of the network
}

// asName names an AS as cidr-report does ("HANDLE-AS Name, CC"), after the
// organisation its number derives from, so that one AS has one name
// wherever it is seen. Organisations whose ids differ by a multiple of
// 64,000 share an AS, the way customers ride on their provider's.
func (w *World) asName(as uint32) string {
	o := w.org(as-1000, uint8(mix(w.cfg.Seed^routeSalt, uint64(as))%uint64(len(registries))))
	return fmt.Sprintf("%s-AS %s, %s", o.Short(), o.Name(), o.cc)
}

// ianaRegistry is the registry IANA gives a's space to, or "".
func ianaRegistry(a netip.Addr) ipatlas.Registry {
	if a.Is4() {
		return iana.IPv4Slash8(a.As4()[0]).Registry
	}
	if b, ok := iana.IPv6BlockOf(netip.PrefixFrom(a, 128)); ok {
		return b.Registry
	}
	return ""
}
