package analytics

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// Analyze computes the figures of a set of networks (a snapshot's, or a
// delegated-stats file's blocks), in any order. Blocks with an invalid
// range are skipped. It does not change blocks.
func Analyze(blocks []Block, o Options) Report {
	o = o.withDefaults()
	space := spaceOf(o.Within)
	limit := [2][]u128.Span{withinSpans(o.Within, true), withinSpans(o.Within, false)}
	var n4 int
	for _, b := range blocks {
		if b.Range.Is4() {
			n4++
		}
	}
	items := [2][]item{make([]item, 0, n4), make([]item, 0, len(blocks)-n4)}
	for i, b := range blocks {
		if !b.Range.IsValid() {
			continue
		}
		f := familyOf(b.Range.Is4())
		it := item{span: spanOfRange(b.Range), i: i}
		if o.Within == nil || overlapsAny(it.span, limit[f]) {
			items[f] = append(items[f], it)
		}
	}
	return Report{
		IPv4: analyzeFamily(blocks, items[v4], space[v4], o, 32),
		IPv6: analyzeFamily(blocks, items[v6], space[v6], o, 128),
	}
}

// item is a block's span and its index in the input.
type item struct {
	span u128.Span
	i    int
}

// overlapsAny reports whether s overlaps one of the sorted, disjoint
// spans.
func overlapsAny(s u128.Span, spans []u128.Span) bool {
	i, _ := slices.BinarySearchFunc(spans, s.First, func(sp u128.Span, a u128.U128) int { return sp.Last.Cmp(a) })
	return i < len(spans) && spans[i].Overlaps(s)
}

// topLevel is a top-level network: its index, its span, the part of it
// no earlier network holds (all of it, unless it overlaps one), and the
// tallies it counts in.
type topLevel struct {
	i          int
	span, excl u128.Span
	tallies    [numFields]*Tally
}

// family is the work of one IP version.
type family struct {
	blocks  []Block
	space   []regSpan
	o       Options
	bits    int // address length
	out     Family
	tallies [numFields]map[string]*Tally
	sizes   map[Size]int
}

// The fields networks are grouped by.
const (
	fieldRegistry = iota
	fieldCountry
	fieldHolder
	fieldType
	fieldStatus
	numFields
)

func analyzeFamily(blocks []Block, items []item, space []regSpan, o Options, addrBits int) Family {
	f := &family{blocks: blocks, space: space, o: o, bits: addrBits, sizes: map[Size]int{}}
	for k := range f.tallies {
		f.tallies[k] = map[string]*Tally{}
	}
	for _, r := range ipatlas.Registries() {
		f.tallies[fieldRegistry][string(r)] = &Tally{Key: string(r)}
	}
	f.out.Space = total(space)
	tops := f.topLevel(items)
	inSpace := f.measure(tops)
	for k, t := range tops {
		f.countTop(t, inSpace[k])
	}
	f.gaps(tops)
	f.finish()
	return f.out
}

// topLevel sorts the items by first address, widest first (so a network
// comes before those inside it; equal ranges keep input order), counts
// every network, and returns the top-level ones in address order.
func (f *family) topLevel(items []item) []topLevel {
	slices.SortFunc(items, func(a, b item) int {
		if c := a.span.First.Cmp(b.span.First); c != 0 {
			return c
		}
		return cmp.Or(b.span.Last.Cmp(a.span.Last), cmp.Compare(a.i, b.i))
	})
	var tops []topLevel
	var end u128.U128 // the last address any earlier network holds
	for n, it := range items {
		tallies := f.countNetwork(&f.blocks[it.i])
		if n > 0 && !end.Less(it.span.Last) {
			continue // inside an earlier network
		}
		t := topLevel{i: it.i, span: it.span, excl: it.span, tallies: tallies}
		if n > 0 && !end.Less(t.excl.First) {
			t.excl.First = end.Add64(1)
		}
		tops, end = append(tops, t), it.span.Last
	}
	return tops
}

// measure is how many addresses of each top-level network's own part lie
// in the space: both lists are in address order, so one pass does.
func (f *family) measure(tops []topLevel) []Count {
	out := make([]Count, len(tops))
	j := 0
	for k, t := range tops {
		for j < len(f.space) && f.space[j].Last.Less(t.excl.First) {
			j++
		}
		for s := j; s < len(f.space) && !t.excl.Last.Less(f.space[s].First); s++ {
			out[k] = out[k].add(spanSize(intersection(t.excl, f.space[s].Span)))
		}
	}
	return out
}

func (f *family) keys(b *Block) [numFields]string {
	return [numFields]string{string(b.Registry), b.Country, b.Holder, b.Type, b.Status}
}

func (f *family) tally(field int, key string) *Tally {
	t := f.tallies[field][key]
	if t == nil {
		t = &Tally{Key: key}
		f.tallies[field][key] = t
	}
	return t
}

// countNetwork counts a network in the tallies of its values, and
// returns them.
func (f *family) countNetwork(b *Block) [numFields]*Tally {
	f.out.Networks++
	var ts [numFields]*Tally
	for field, key := range f.keys(b) {
		ts[field] = f.tally(field, key)
		ts[field].Networks++
	}
	return ts
}

// countTop adds a top-level network's blocks, sizes and addresses.
func (f *family) countTop(t topLevel, inSpace Count) {
	b := &f.blocks[t.i]
	f.out.TopLevel++
	f.out.Addresses = f.out.Addresses.add(inSpace)
	f.out.Outside = f.out.Outside.add(spanSize(t.excl).sub(inSpace))
	for _, tl := range t.tallies {
		tl.Blocks++
		tl.Addresses = tl.Addresses.add(inSpace)
	}
	n := eachPrefix(t.span, f.bits, func(bits int) { f.sizes[Size{Registry: b.Registry, Bits: bits}]++ })
	if n > 1 {
		f.out.NonCIDR++
	}
}

// eachPrefix calls fn with the length of each prefix of the exact CIDR
// cover of s, in address order, and returns how many there are.
func eachPrefix(s u128.Span, addrBits int, fn func(bits int)) int {
	n := 0
	for cur := s.First; ; n++ {
		k := min(cur.TrailingZeros(), floorLog2Size(s.Last.Sub(cur)), addrBits)
		fn(addrBits - k)
		last := cur.Add(u128.Pow2(uint(k)).Sub(u128.From64(1)))
		if last == s.Last {
			return n + 1
		}
		cur = last.Add64(1)
	}
}

// floorLog2Size is ⌊log2(d+1)⌋: the largest k with 2^k ≤ d+1, where d+1
// is the addresses left. d+1 = 2^128 (all of IPv6) is 128.
func floorLog2Size(d u128.U128) int {
	x := d.Add64(1)
	switch {
	case x.IsZero():
		return 128
	case x.Hi != 0:
		return 64 + bits.Len64(x.Hi) - 1
	}
	return bits.Len64(x.Lo) - 1
}

// gaps finds the space no top-level network holds.
func (f *family) gaps(tops []topLevel) {
	taken := make([]u128.Span, len(tops))
	for k, t := range tops {
		taken[k] = t.excl
	}
	within := make([]u128.Span, len(f.space))
	for k, s := range f.space {
		within[k] = s.Span
	}
	var all []Gap
	is4 := f.bits == 32
	u128.Gaps(within, taken, func(i int, g u128.Span) {
		all = append(all, Gap{Range: rangeOfSpan(g, is4), Registry: f.space[i].reg, Addresses: spanSize(g)})
		f.out.Gaps.Addresses = f.out.Gaps.Addresses.add(spanSize(g))
	})
	slices.SortFunc(all, largestFirst)
	f.out.Gaps.Count, f.out.Gaps.Largest = len(all), all[:min(f.o.Gaps, len(all))]
	f.out.Gaps.Percent = f.out.Gaps.Addresses.Percent(f.out.Space)
}

// finish turns the tallies into the report's lists.
func (f *family) finish() {
	f.out.Percent = f.out.Addresses.Percent(f.out.Space)
	lists := [numFields][]Tally{}
	for field, m := range f.tallies {
		for _, t := range m {
			t.Percent = t.Addresses.Percent(f.out.Space)
			lists[field] = append(lists[field], *t)
		}
	}
	f.out.Registries = registryOrder(lists[fieldRegistry])
	f.out.Countries = Ranking{top(lists[fieldCountry], f.o.Top, byAddresses), top(lists[fieldCountry], f.o.Top, byCount)}
	f.out.Holders = Ranking{top(lists[fieldHolder], f.o.Top, byAddresses), top(lists[fieldHolder], f.o.Top, byCount)}
	f.out.Types = top(lists[fieldType], len(lists[fieldType]), byNetworks)
	f.out.Statuses = top(lists[fieldStatus], len(lists[fieldStatus]), byNetworks)
	f.out.Sizes = make([]Size, 0, len(f.sizes))
	for s, n := range f.sizes {
		s.Prefixes = n
		f.out.Sizes = append(f.out.Sizes, s)
	}
	slices.SortFunc(f.out.Sizes, func(a, b Size) int {
		if c := compareRegistries(a.Registry, b.Registry); c != 0 {
			return c
		}
		return a.Bits - b.Bits
	})
}

// registryOrder puts the five RIRs first, in their usual order, then any
// other name.
func registryOrder(ts []Tally) []Tally {
	slices.SortFunc(ts, func(a, b Tally) int {
		return compareRegistries(ipatlas.Registry(a.Key), ipatlas.Registry(b.Key))
	})
	return ts
}

func compareRegistries(a, b ipatlas.Registry) int {
	ra, rb := registryRank(a), registryRank(b)
	return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(a, b))
}

func registryRank(r ipatlas.Registry) int {
	if i := slices.Index(ipatlas.Registries(), r); i >= 0 {
		return i
	}
	return len(ipatlas.Registries())
}
