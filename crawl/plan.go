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
	delegatedSpans, declared, err := p.readDelegated(in.Delegated, scope)
	if err != nil {
		return nil, err
	}
	for _, s := range delegatedSpans {
		if want[s.reg] {
			p.Units = append(p.Units, unitOf(s, ipatlas.UnitDelegated))
		}
	}
	for _, d := range declared {
		p.Declared += d.last.Sub(d.first).Add64(1).Float64()
	}
	known := append(append([]span(nil), delegatedSpans...), declared...)
	for _, s := range unlisted(scope, known) {
		if want[s.reg] {
			p.Units = append(p.Units, unitOf(s, ipatlas.UnitProbe))
		}
	}
	sortUnits(p.Units)
	return p, nil
}

func unitOf(s span, k ipatlas.UnitKind) ipatlas.Unit {
	r := s.rangeOf()
	return ipatlas.Unit{Registry: s.reg, Kind: k, Range: r, Cursor: r.From, State: ipatlas.UnitPending}
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
	for _, sp := range iana.Specials() {
		out = subtractSpan(out, spanOf(ipatlas.PrefixRange(sp.Prefix), ""))
	}
	sort.Slice(out, func(i, j int) bool { return spanLess(out[i], out[j]) })
	return out
}

// clip cuts an IANA block to the Within prefixes.
func (in PlanInput) clip(block netip.Prefix, reg ipatlas.Registry) []span {
	if in.Within == nil {
		return []span{spanOf(ipatlas.PrefixRange(block), reg)}
	}
	var out []span
	for _, w := range in.Within {
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

// subtractSpan removes cut from every span it overlaps.
func subtractSpan(spans []span, cut span) []span {
	var out []span
	for _, s := range spans {
		if s.is4 != cut.is4 || s.last.Less(cut.first) || cut.last.Less(s.first) {
			out = append(out, s)
			continue
		}
		if s.first.Less(cut.first) {
			out = append(out, span{first: s.first, last: cut.first.Sub(u128.From64(1)), is4: s.is4, reg: s.reg})
		}
		if cut.last.Less(s.last) {
			out = append(out, span{first: cut.last.Add64(1), last: s.last, is4: s.is4, reg: s.reg})
		}
	}
	return out
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
func unlisted(scope, known []span) []span {
	merged := merge(known)
	var out []span
	for _, sc := range scope {
		i := sort.Search(len(merged), func(i int) bool {
			return merged[i].is4 == sc.is4 && !merged[i].last.Less(sc.first) || (sc.is4 && !merged[i].is4)
		})
		cur := sc.first
		done := false
		for ; i < len(merged) && merged[i].is4 == sc.is4 && !sc.last.Less(merged[i].first); i++ {
			if cur.Less(merged[i].first) {
				out = append(out, span{first: cur, last: merged[i].first.Sub(u128.From64(1)), is4: sc.is4, reg: sc.reg})
			}
			if !merged[i].last.Less(sc.last) {
				done = true
				break
			}
			cur = merged[i].last.Add64(1)
		}
		if !done && !sc.last.Less(cur) {
			out = append(out, span{first: cur, last: sc.last, is4: sc.is4, reg: sc.reg})
		}
	}
	return out
}

// merge sorts spans and joins overlapping or adjacent ones (registries are
// dropped: only the space matters).
func merge(spans []span) []span {
	sorted := append([]span(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return spanLess(sorted[i], sorted[j]) })
	var out []span
	for _, s := range sorted {
		if n := len(out); n > 0 && out[n-1].is4 == s.is4 && !out[n-1].last.Add64(1).Less(s.first) && !out[n-1].last.Add64(1).IsZero() {
			if out[n-1].last.Less(s.last) {
				out[n-1].last = s.last
			}
			continue
		}
		out = append(out, span{first: s.first, last: s.last, is4: s.is4})
	}
	return out
}

func spanLess(a, b span) bool {
	if a.is4 != b.is4 {
		return a.is4
	}
	return a.first.Less(b.first)
}

// readDelegated collects the allocated and assigned records (in scope,
// overlaps dropped) and the declared available or reserved ones.
func (p *Plan) readDelegated(files []*delegated.File, scope []span) (held, declared []span, err error) {
	for _, f := range files {
		for i, rec := range f.Records {
			if rec.Type != "ipv4" && rec.Type != "ipv6" {
				continue
			}
			s, ok, err := recordSpan(rec)
			if err != nil {
				return nil, nil, fmt.Errorf("plan from %s record %d: %w", f.Name, i+1, err)
			}
			switch {
			case !ok:
			case rec.Status == "allocated" || rec.Status == "assigned":
				held = append(held, intersect(s, scope)...)
			default:
				declared = append(declared, intersect(s, scope)...)
			}
		}
	}
	return p.dropOverlaps(held), declared, nil
}

func recordSpan(rec delegated.Record) (span, bool, error) {
	reg, err := ipatlas.ParseRegistry(rec.Registry)
	if err != nil {
		return span{}, false, nil // IANA's or the NRO's own rows
	}
	r, err := rec.Range()
	if err != nil {
		return span{}, false, err
	}
	switch rec.Status {
	case "allocated", "assigned", "available", "reserved":
		return spanOf(r, reg), true, nil
	}
	return span{}, false, nil
}

// dropOverlaps keeps the first of any overlapping records, noting the rest.
func (p *Plan) dropOverlaps(spans []span) []span {
	sort.SliceStable(spans, func(i, j int) bool { return spanLess(spans[i], spans[j]) })
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].is4 == s.is4 && !out[n-1].last.Less(s.first) {
			p.Dropped = append(p.Dropped, fmt.Sprintf("%s %s overlaps %s %s", s.reg, s.rangeOf(), out[n-1].reg, out[n-1].rangeOf()))
			continue
		}
		out = append(out, s)
	}
	return out
}
