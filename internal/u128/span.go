package u128

import "sort"

// Span is an inclusive range [First, Last] of one IP version (the caller
// keeps track of which).
type Span struct{ First, Last U128 }

// Overlaps reports whether s and o share a value.
func (s Span) Overlaps(o Span) bool { return !s.Last.Less(o.First) && !o.Last.Less(s.First) }

// SortSpans orders spans by First.
func SortSpans(spans []Span) {
	sort.Slice(spans, func(i, j int) bool { return spans[i].First.Less(spans[j].First) })
}

// Gaps calls emit for every part of the within spans that no taken span
// covers, in order, with the index of the within span it lies in. Both
// lists must be sorted by First; within spans must not overlap, taken spans
// may. It makes one pass over both: cutting many holes out of many spans
// stays linear.
func Gaps(within, taken []Span, emit func(i int, gap Span)) {
	t := 0
	for i, w := range within {
		for t < len(taken) && taken[t].Last.Less(w.First) {
			t++ // ends before this span (and so before every later one)
		}
		cur, open := w.First, true
		for j := t; j < len(taken) && !w.Last.Less(taken[j].First); j++ {
			if cur.Less(taken[j].First) {
				emit(i, Span{cur, taken[j].First.Sub(From64(1))})
			}
			if !taken[j].Last.Less(w.Last) {
				open = false
				break
			}
			if next := taken[j].Last.Add64(1); cur.Less(next) {
				cur = next
			}
		}
		if open {
			emit(i, Span{cur, w.Last})
		}
	}
}
