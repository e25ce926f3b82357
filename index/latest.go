package index

import "iter"

// Ref names one record of an open index: a network's version, the same
// whichever address of it was looked up. It is valid until Close; 0 names
// nothing.
type Ref uint32

// RecordOf is the record ref names, as Hit.Record gives it; nil for 0.
func (ix *Index) RecordOf(ref Ref) []byte { return ix.record(uint32(ref)) }

// EachLatest yields every record of the latest snapshot once, with its
// ref: each segment's most specific network and the networks around it.
// What serves per-object lookups (an RDAP entity's networks) reads the
// whole snapshot this way once, rather than every address. It reads the
// segment tables in address order, IPv4 first, and marks records seen in
// a bitmap of one bit per reference unit of the records section.
func (ix *Index) EachLatest() iter.Seq2[Ref, []byte] {
	return func(yield func(Ref, []byte) bool) {
		seen := make([]uint64, len(ix.records)/refUnit/64+1)
		visit := func(ref uint32) bool {
			if ref == 0 || seen[ref/64]&(1<<(ref%64)) != 0 {
				return true
			}
			seen[ref/64] |= 1 << (ref % 64)
			rec := ix.record(ref)
			return rec == nil || yield(Ref(ref), rec)
		}
		for _, segs := range [][]uint32{ix.v4.segs, ix.v6.segs} {
			for i := 0; i+1 < len(segs); i += 2 {
				if !ix.visitRef(segs[i], visit) {
					return
				}
			}
		}
	}
}

// visitRef calls visit with a latest reference's records: the one record,
// or each of a chain's; false once visit says to stop.
func (ix *Index) visitRef(ref uint32, visit func(uint32) bool) bool {
	if ref&chainFlag == 0 {
		return ref >= uint32(len(ix.records)/refUnit) || visit(ref)
	}
	for _, r := range ix.chain(ref) {
		if r < uint32(len(ix.records)/refUnit) && !visit(r) {
			return false
		}
	}
	return true
}
