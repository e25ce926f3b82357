// Package analytics computes the figures analysts of the address space
// have drawn from registry data since the first delegated-stats files:
// allocation sizes per registry, how much of the IPv4 and IPv6 space each
// registry holds, the unregistered gaps, the top countries and holders,
// and networks per type and status; and how much of the registered space
// a snapshot covers, with its holes.
//
// It is pure computation: callers turn a snapshot's records ([FromRecord])
// or delegated-stats files ([FromDelegated]) into [Block] values, and
// [Analyze] and [Coverage] do the rest. Nothing here reads a file, a
// database or the network.
//
// # Top level
//
// Registries nest networks (an allocation holds sub-allocations, which
// hold assignments), and a snapshot keeps them all. Address figures count
// each address once, so they are taken from the top-level networks only.
// A network is top level when no other network of the input contains it:
// the decision is made by containment, never by parent handles, which
// registries publish unreliably (LACNIC publishes none, others name their
// own /8 as every allocation's parent). Of two networks with the same
// range, the first in input order is top level. A network that overlaps
// an earlier top-level one without being inside it (registries' data has
// such ranges) is top level too, but only its addresses past the earlier
// one's end are counted.
//
// # The space
//
// Percentages and gaps are measured against the space IANA gives the
// five registries: its IPv4 /8s administered by an RIR and its IPv6
// blocks assigned to one, minus IANA's special-purpose blocks (private,
// loopback, documentation, multicast, …). For IPv4 that is 3,702,258,432
// addresses, derived from the iana package's tables, not written down
// here. Addresses of networks outside that space (a registry's record of
// 10.0.0.0/8, say) are reported as outside and counted nowhere else.
//
// # Sizes
//
// The size histogram counts prefixes: each top-level network is split
// into the fewest CIDR prefixes that cover it exactly, and each prefix
// counts once at its length. A 768-address RIPE NCC allocation counts one
// /23 and one /24; [Family.NonCIDR] says how many networks were split.
//
// IPv4 and IPv6 are always reported apart: a single IPv6 /32 holds more
// addresses than the whole IPv4 space, so any figure mixing them would
// say nothing about IPv4.
package analytics
