package cymru

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/ipatlas/ipatlas"
)

// OriginAddrs returns the address to ask about for each record of a
// snapshot (sorted by ipatlas.CompareRecords, nested records after the
// record holding them): its first address outside every record nested in
// it, or its first address when they cover it whole.
//
// That address, not simply the first, decides a record's origin: a lookup
// there answers with this record, while its first address may lie in a
// nested network announced on its own (a customer with an AS of its own),
// whose route is not the holder's.
func OriginAddrs(records []ipatlas.Record) []netip.Addr {
	out := make([]netip.Addr, len(records))
	for i, r := range records {
		out[i] = originAddr(records, i, r.Range)
	}
	return out
}

// originAddr walks the records nested in rg (those after i that start
// inside it) for the first gap between them.
func originAddr(records []ipatlas.Record, i int, rg ipatlas.Range) netip.Addr {
	cur := rg.From
	for _, n := range records[i+1:] {
		if rg.To.Less(n.Range.From) {
			break
		}
		if cur.Less(n.Range.From) {
			return cur
		}
		if !n.Range.To.Less(rg.To) {
			return rg.From // covered to its end
		}
		if n.Range.To.Next().Compare(cur) > 0 {
			cur = n.Range.To.Next()
		}
	}
	return cur
}

// Enrich returns the records with each one's asn_* fields set from its
// answer, answers[i] being records[i]'s (Lookup of OriginAddrs).
func Enrich(records []ipatlas.Record, answers []Answer) ([]ipatlas.Record, error) {
	if len(answers) != len(records) {
		return nil, fmt.Errorf("cymru: %d answers for %d records", len(answers), len(records))
	}
	out := make([]ipatlas.Record, len(records))
	for i, r := range records {
		p, err := SetFields(r.Payload, answers[i].Fields())
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", r.Range, err)
		}
		out[i] = ipatlas.Record{Range: r.Range, Payload: p}
	}
	return out, nil
}

// Carry copies origin fields from one snapshot to the next: each record
// of next that has no asn_* field takes those of the record of prev with
// the same range, when that one has Cymru's (asn_registry among them). It
// returns next so filled (the records it did not fill are shared) and how
// many it filled. Both are sorted by ipatlas.CompareRecords.
//
// A crawl knows nothing of routes, so without this every network enriched
// before would show as changed in the next crawl's snapshot, its origin
// fields gone, until enriched again.
func Carry(prev, next []ipatlas.Record) ([]ipatlas.Record, int, error) {
	out := slices.Clone(next)
	n, i := 0, 0
	for j := range out {
		for i < len(prev) && ipatlas.CompareRecords(prev[i], out[j]) < 0 {
			i++
		}
		if i == len(prev) || prev[i].Range != out[j].Range {
			continue
		}
		filled, err := carryOne(prev[i].Payload, out[j].Payload)
		if err != nil {
			return nil, 0, fmt.Errorf("record %s: %w", out[j].Range, err)
		}
		if filled != nil {
			out[j].Payload = filled
			n++
		}
	}
	return out, n, nil
}

// carryOne returns next's payload with from's origin fields, or nil when
// there is nothing to carry.
func carryOne(from, next []byte) ([]byte, error) {
	_, have, err := splitPayload(from)
	if err != nil || have[0] == nil { // asn_registry: the mark of Cymru's fields
		return nil, err
	}
	rest, own, err := splitPayload(next)
	if err != nil || !own.empty() {
		return nil, err
	}
	return joinPayload(rest, have), nil
}
