package crawl

import "github.com/ipatlas/ipatlas"

// A registry whose bulk dump was loaded needs no query: the dump holds
// every network it has of that IP version, nested ones too, which a walk
// would ask about one by one. The planner leaves that space out (a
// registry's delegated blocks and its unlisted space alike), and the
// crawl's snapshot takes the dump's networks instead.

// dumped is the registries and IP versions dumps cover.
type dumped map[ipatlas.Registry][2]bool // by registry: IPv4, IPv6

func dumpedSet(dumps []ipatlas.Dump) dumped {
	out := dumped{}
	for _, d := range dumps {
		v := out[d.Registry]
		v[d.IPVersion/6] = true // 4 → 0, 6 → 1
		out[d.Registry] = v
	}
	return out
}

// holds reports whether a dump covers the span's registry and IP version.
func (d dumped) holds(s span) bool {
	v := d[s.reg]
	if s.is4 {
		return v[0]
	}
	return v[1]
}
