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
// faults on request, and counts everything at /sim/stats.
package regsim
