package crawl

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// PlanInput is what the planner reads.
type PlanInput struct {
	// Delegated are the registries' delegated-stats files.
	Delegated []*delegated.File
	// Within limits the plan to these prefixes; nil means all space.
	Within []netip.Prefix
	// Registries limits the plan to these registries; nil means all five.
	Registries []ipatlas.Registry
	// Dumped are bulk dumps loaded: the space their registries hold, of
	// their IP versions, is planned for no query (see plandump.go).
	Dumped []ipatlas.Dump
}

// Plan is the work of a crawl.
type Plan struct {
	Units []ipatlas.Unit
	// Declared counts the addresses registries declare available or
	// reserved: not queried.
	Declared float64
	// Dropped lists delegated records that overlap an earlier one.
	Dropped []string
}

// span is a range of one family as integers, with its registry.
type span struct {
	first, last u128.U128
	is4         bool
	reg         ipatlas.Registry
	digest      string // the delegated record's, for a unit planned from one
}

func (s span) rangeOf() ipatlas.Range {
	return ipatlas.Range{From: s.first.Addr(s.is4), To: s.last.Addr(s.is4)}
}

// MakePlan turns delegated-stats files into work units: one unit per
// allocated or assigned record (tagged with the registry that holds it), and
// probe units for the space a registry administers (per IANA) but lists
// nowhere. Space a registry declares available or reserved, and IANA's
// special-purpose space, is never queried.
func MakePlan(in PlanInput) (*Plan, error) {
	p := &Plan{}
	scope := in.scope()
	want := registrySet(in.Registries)
	dumped := dumpedSet(in.Dumped)
	delegatedSpans, declared, err := p.readDelegated(in.Delegated, scope)
	if err != nil {
		return nil, err
	}
	for _, s := range delegatedSpans {
		if want[s.reg] && !dumped.holds(s) {
			p.Units = append(p.Units, unitOf(s, ipatlas.UnitDelegated))
		}
	}
	for _, d := range declared {
		p.Declared += d.last.Sub(d.first).Add64(1).Float64()
	}
	known := append(append([]span(nil), delegatedSpans...), declared...)
	for _, s := range unlisted(scope, known) {
		if want[s.reg] && !dumped.holds(s) {
			p.Units = append(p.Units, unitOf(s, ipatlas.UnitProbe))
		}
	}
	sortUnits(p.Units)
	return p, nil
}

func unitOf(s span, k ipatlas.UnitKind) ipatlas.Unit {
	r := s.rangeOf()
	return ipatlas.Unit{Registry: s.reg, Kind: k, Range: r, Cursor: r.From, State: ipatlas.UnitPending, Digest: s.digest}
}

func sortUnits(us []ipatlas.Unit) {
	sort.Slice(us, func(i, j int) bool {
		a, b := us[i].Range.From, us[j].Range.From
		if a.Is4() != b.Is4() {
			return a.Is4()
		}
		return a.Less(b)
	})
}

func registrySet(rs []ipatlas.Registry) map[ipatlas.Registry]bool {
	if len(rs) == 0 {
		rs = ipatlas.Registries()
	}
	out := map[ipatlas.Registry]bool{}
	for _, r := range rs {
		out[r] = true
	}
	return out
}

// scope is the space to plan: the IANA blocks of the RIRs, cut to Within,
// minus special-purpose space, each part tagged with IANA's registry.
func (in PlanInput) scope() []span {
	var out []span
	for _, s := range iana.IPv4Slash8s() {
		if s.Registry != "" {
			out = append(out, in.clip(s.Prefix(), s.Registry)...)
		}
	}
	for _, b := range iana.IPv6Blocks() {
		out = append(out, in.clip(b.Prefix, b.Registry)...)
	}
	sort.Slice(out, func(i, j int) bool { return spanLess(out[i], out[j]) })
	var special []span
	for _, sp := range iana.Specials() {
		special = append(special, spanOf(ipatlas.PrefixRange(sp.Prefix), ""))
	}
	return cut(out, special)
}

// clip cuts an IANA block to the Within prefixes.
func (in PlanInput) clip(block netip.Prefix, reg ipatlas.Registry) []span {
	if in.Within == nil {
		return []span{spanOf(ipatlas.PrefixRange(block), reg)}
	}
	var out []span
	for _, w := range outermost(in.Within) {
		if !w.Overlaps(block) {
			continue
		}
		inner := block
		if w.Bits() > block.Bits() {
			inner = w.Masked()
		}
		out = append(out, spanOf(ipatlas.PrefixRange(inner), reg))
	}
	return out
}

func spanOf(r ipatlas.Range, reg ipatlas.Registry) span {
	return span{first: u128.FromAddr(r.From), last: u128.FromAddr(r.To), is4: r.Is4(), reg: reg}
}

// outermost drops the prefixes another one holds, so overlapping --within
// prefixes plan each address once.
func outermost(ps []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range ps {
		held := false
		for _, q := range ps {
			if q != p && q.Bits() <= p.Bits() && q.Contains(p.Addr()) && (q.Bits() < p.Bits() || q.Addr().Less(p.Addr())) {
				held = true
				break
			}
		}
		if !held && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func contains(ps []netip.Prefix, p netip.Prefix) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// cut is within (sorted, disjoint) minus every taken span (any order,
// overlaps allowed), each piece keeping its within span's registry.
func cut(within, taken []span) []span {
	var out []span
	for _, is4 := range []bool{true, false} {
		w, regs := family(within, is4)
		t, _ := family(taken, is4)
		u128.SortSpans(t)
		u128.Gaps(w, t, func(i int, g u128.Span) {
			out = append(out, span{first: g.First, last: g.Last, is4: is4, reg: regs[i]})
		})
	}
	return out
}

// family is the spans of one IP version as plain spans, in order, with
// their registries.
func family(spans []span, is4 bool) ([]u128.Span, []ipatlas.Registry) {
	var out []u128.Span
	var regs []ipatlas.Registry
	for _, s := range spans {
		if s.is4 == is4 {
			out = append(out, u128.Span{First: s.first, Last: s.last})
			regs = append(regs, s.reg)
		}
	}
	return out, regs
}

// intersect cuts s to the scope (sorted, disjoint); a record outside it
// yields nothing.
func intersect(s span, scope []span) []span {
	i := sort.Search(len(scope), func(i int) bool {
		return !spanLess(scope[i], s) || (scope[i].is4 == s.is4 && !scope[i].last.Less(s.first))
	})
	var out []span
	for ; i < len(scope) && scope[i].is4 == s.is4 && !s.last.Less(scope[i].first); i++ {
		sc := scope[i]
		if sc.last.Less(s.first) {
			continue
		}
		c := s
		if c.first.Less(sc.first) {
			c.first = sc.first
		}
		if sc.last.Less(c.last) {
			c.last = sc.last
		}
		out = append(out, c)
	}
	return out
}

// unlisted is the scope minus every known span, tagged with IANA's
// registry: the space to probe.
func unlisted(scope, known []span) []span { return cut(scope, known) }

func spanLess(a, b span) bool {
	if a.is4 != b.is4 {
		return a.is4
	}
	return a.first.Less(b.first)
}

// readDelegated collects the held blocks (in scope, overlaps dropped) and
// the declared available or reserved ones.
func (p *Plan) readDelegated(files []*delegated.File, scope []span) (held, declared []span, err error) {
	blocks, free, dropped, err := delegated.Blocks(files)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: %w", err)
	}
	p.Dropped = dropped
	for _, b := range blocks {
		s := spanOf(b.Range, b.Registry)
		s.digest = b.Digest()
		held = append(held, intersect(s, scope)...)
	}
	for _, b := range free {
		declared = append(declared, intersect(spanOf(b.Range, b.Registry), scope)...)
	}
	return held, declared, nil
}
