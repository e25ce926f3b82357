package analytics

import (
	"net/netip"
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// Held is a range one registry answers for: part of the space IANA gives
// it, or space it registered.
type Held struct {
	Registry ipatlas.Registry
	Range    ipatlas.Range
}

// Space is the space IANA gives the five registries (its IPv4 /8s and
// IPv6 blocks of an RIR) minus its special-purpose blocks, cut to the
// within prefixes (nil: everywhere), in address order, IPv4 first. Each
// range carries the registry IANA names; ranges of one registry that
// meet are one range.
func Space(within []netip.Prefix) []Held {
	var out []Held
	for f, sp := range spaceOf(within) {
		for _, s := range sp {
			out = append(out, Held{Registry: s.reg, Range: s.rangeOf(f == v4)})
		}
	}
	return out
}

// SpaceSize is the number of addresses in Space(within) of one IP
// version.
func SpaceSize(is4 bool, within []netip.Prefix) Count {
	f := v6
	if is4 {
		f = v4
	}
	return total(spaceOf(within)[f])
}

// Family indexes.
const (
	v4 = 0
	v6 = 1
)

func familyOf(is4 bool) int {
	if is4 {
		return v4
	}
	return v6
}

// regSpan is a span of addresses of one family with its registry.
type regSpan struct {
	u128.Span
	reg ipatlas.Registry
}

func (s regSpan) rangeOf(is4 bool) ipatlas.Range { return rangeOfSpan(s.Span, is4) }

func rangeOfSpan(s u128.Span, is4 bool) ipatlas.Range {
	return ipatlas.Range{From: s.First.Addr(is4), To: s.Last.Addr(is4)}
}

func spanOfRange(r ipatlas.Range) u128.Span {
	return u128.Span{First: u128.FromAddr(r.From), Last: u128.FromAddr(r.To)}
}

func total(spans []regSpan) Count {
	var n Count
	for _, s := range spans {
		n = n.add(spanSize(s.Span))
	}
	return n
}

// spaceOf is Space per family.
func spaceOf(within []netip.Prefix) [2][]regSpan {
	var blocks [2][]regSpan
	for _, s := range iana.IPv4Slash8s() {
		if s.Registry != "" {
			blocks[v4] = append(blocks[v4], regSpan{spanOfRange(ipatlas.PrefixRange(s.Prefix())), s.Registry})
		}
	}
	for _, b := range iana.IPv6Blocks() {
		blocks[v6] = append(blocks[v6], regSpan{spanOfRange(ipatlas.PrefixRange(b.Prefix)), b.Registry})
	}
	var out [2][]regSpan
	for f := range blocks {
		sortSpans(blocks[f])
		blocks[f] = clipTo(blocks[f], withinSpans(within, f == v4))
		out[f] = mergeSame(cutSpecial(blocks[f], f == v4))
	}
	return out
}

// withinSpans is the union of the prefixes of one family, sorted and
// disjoint; nil when there are no prefixes at all (no limit), empty when
// there are only prefixes of the other family (nothing of this one).
func withinSpans(within []netip.Prefix, is4 bool) []u128.Span {
	if within == nil {
		return nil
	}
	out := []u128.Span{}
	for _, p := range within {
		if p.Addr().Is4() == is4 {
			out = append(out, spanOfRange(ipatlas.PrefixRange(p)))
		}
	}
	u128.SortSpans(out)
	return unionSpans(out)
}

// clipTo is blocks (sorted, disjoint) cut to the limit spans (sorted,
// disjoint); a nil limit keeps everything.
func clipTo(blocks []regSpan, limit []u128.Span) []regSpan {
	if limit == nil {
		return blocks
	}
	var out []regSpan
	j := 0
	for _, b := range blocks {
		for j < len(limit) && limit[j].Last.Less(b.First) {
			j++
		}
		for k := j; k < len(limit) && !b.Last.Less(limit[k].First); k++ {
			out = append(out, regSpan{intersection(b.Span, limit[k]), b.reg})
		}
	}
	return out
}

func intersection(a, b u128.Span) u128.Span {
	if a.First.Less(b.First) {
		a.First = b.First
	}
	if b.Last.Less(a.Last) {
		a.Last = b.Last
	}
	return a
}

// cutSpecial removes IANA's special-purpose blocks from sorted, disjoint
// spans of one family.
func cutSpecial(blocks []regSpan, is4 bool) []regSpan {
	var special []u128.Span
	for _, s := range iana.Specials() {
		if s.Prefix.Addr().Is4() == is4 {
			special = append(special, spanOfRange(ipatlas.PrefixRange(s.Prefix)))
		}
	}
	u128.SortSpans(special)
	plain := make([]u128.Span, len(blocks))
	for i, b := range blocks {
		plain[i] = b.Span
	}
	var out []regSpan
	u128.Gaps(plain, special, func(i int, g u128.Span) { out = append(out, regSpan{g, blocks[i].reg}) })
	return out
}

// mergeSame joins sorted, disjoint spans of one registry that meet, so a
// gap over two /8s is one gap.
func mergeSame(spans []regSpan) []regSpan {
	var out []regSpan
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].reg == s.reg && out[n-1].Last.Add64(1) == s.First {
			out[n-1].Last = s.Last
			continue
		}
		out = append(out, s)
	}
	return out
}

// unionSpans merges sorted spans that overlap or meet.
func unionSpans(spans []u128.Span) []u128.Span {
	out := make([]u128.Span, 0, len(spans)) // never nil: nil is "no limit" to withinSpans' callers
	for _, s := range spans {
		if n := len(out); n > 0 && (!out[n-1].Last.Less(s.First) || out[n-1].Last.Add64(1) == s.First) {
			if out[n-1].Last.Less(s.Last) {
				out[n-1].Last = s.Last
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

func sortSpans(spans []regSpan) {
	slices.SortFunc(spans, func(a, b regSpan) int { return a.First.Cmp(b.First) })
}
