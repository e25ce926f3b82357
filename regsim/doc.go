// Package regsim simulates the five Regional Internet Registries, so that
// ipatlas can be tested, benchmarked and demonstrated without touching a real
// registry.
//
// # The world
//
// A [World] is built deterministically from a [Config]: top-level allocations
// inside each RIR's IANA blocks, following the real registries' size
// distributions (or loaded from real delegated-stats files), with nested
// sub-allocations and assignments, transfers between registries, and gaps of
// unregistered space. Networks are held compactly (about 56 bytes each) and
// their published details — names, handles, entities with vCards, events —
// are derived on demand from a hash of the network, so a world of millions of
// networks is cheap to build and always renders the same.
//
// # Ground truth
//
// [World.Truth] lists exactly the networks a perfect walk records: query the
// first address of each top-level block, record the most specific network
// holding it, continue at its end + 1. Tests compare a crawl against it.
//
// # The servers
//
// [Server] serves the world on 127.0.0.1 the way the registries do: RDAP per
// RIR with each registry's answer shape and quirks, redirects for space
// another registry holds, the RFC 9224 bootstrap files, and delegated-stats
// files. It enforces per-registry, per-client-address rate limits (LACNIC's
// "Rate Limit Notice" and block, RIPE's HTML 429, Retry-After or not), injects
// faults on request, and counts everything at /sim/stats. Beside them it
// serves Team Cymru's bulk whois service, answering each address with the
// route the world gives it ([World.RouteOf]).
//
// Each registry also answers WHOIS on a port of its own ([Server.WhoisAddr])
// in its real text format — RPSL for RIPE NCC, APNIC and AFRINIC (honouring
// -r and -B), ARIN's NetRange records for "n + ADDR", LACNIC's inetnum
// blocks — with referrals to the registry that holds the space, the same
// limits (each registry's real refusal text) and faults, counted apart
// ([Server.WhoisStats], /sim/whois-stats). [World.WhoisNetwork] is what a
// perfect parse of an answer yields, so a crawl over WHOIS can be checked
// with [World.CheckView].
//
// # Dumps
//
// RIPE NCC, APNIC and AFRINIC publish their databases as split RPSL dumps;
// the data server serves the world's at /dumps/<rir>/<file>
// ([Server.DumpURLs]) and [World.WriteDumps] writes them to a directory:
// every inetnum and inet6num of the registry, the organisation, role and irt
// objects they name, each registry's header and way of dummifying personal
// data. [World.DumpNetwork] is what a perfect load of a network's objects
// yields, and [World.DumpView] the view to check a load against.
package regsim
