package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"

	"github.com/ipatlas/ipatlas/internal/u128"
)

// Verify checks the whole file: its checksum, that segments start at the
// family's first address and strictly increase, that the first-level
// tables point where they should, that every state list, chain and
// reference is well formed, that each segment's latest reference is its
// last state's, and that every record is a JSON object with a range. Open
// checks only what it needs to look up safely; Verify is for after a copy,
// a crash or a suspicion.
func (ix *Index) Verify() error {
	if err := ix.verify(); err != nil {
		return fmt.Errorf("index %s: %w: %v", ix.path, ErrFormat, err)
	}
	return nil
}

func (ix *Index) verify() error {
	if sum := crc32.Checksum(ix.data[headerSize:], castagnoli); sum != le.Uint32(ix.data[offCRC:]) {
		return fmt.Errorf("checksum mismatch: file damaged")
	}
	starts, err := ix.recordStarts()
	if err != nil {
		return err
	}
	ref := func(r uint32) error {
		if r&chainFlag == 0 {
			if int(r) >= len(starts) || !starts[r] {
				return fmt.Errorf("reference %d is not a record", r)
			}
			return nil
		}
		c := ix.chain(r)
		if len(c) < 2 {
			return fmt.Errorf("chain %d malformed", r&refMask)
		}
		for _, x := range c {
			if x&chainFlag != 0 || int(x) >= len(starts) || !starts[x] {
				return fmt.Errorf("chain %d holds %d, not a record", r&refMask, x)
			}
		}
		return nil
	}
	check := func(name string, segs int, start func(int) u128.U128, top, words []uint32, topOf func(h int) u128.U128) error {
		if !start(0).IsZero() {
			return fmt.Errorf("%s: first segment does not start at the family's first address", name)
		}
		for i := range segs {
			if i > 0 && !start(i-1).Less(start(i)) {
				return fmt.Errorf("%s: segment %d does not start after segment %d", name, i, i-1)
			}
			if err := ix.verifySegment(words[2*i], words[2*i+1], ref); err != nil {
				return fmt.Errorf("%s: segment %d: %v", name, i, err)
			}
		}
		seg := 0
		for h := range topEntries - 1 {
			for seg+1 < segs && !topOf(h).Less(start(seg+1)) {
				seg++
			}
			if int(top[h]) != seg {
				return fmt.Errorf("%s: first-level entry %d is %d, want %d", name, h, top[h], seg)
			}
		}
		return nil
	}
	v4 := func(i int) u128.U128 { return u128.From64(uint64(ix.v4.starts[i])) }
	v6 := func(i int) u128.U128 { return u128.U128{Hi: ix.v6.starts[2*i], Lo: ix.v6.starts[2*i+1]} }
	if err := check("IPv4", len(ix.v4.starts), v4, ix.v4.top, ix.v4.segs,
		func(h int) u128.U128 { return u128.From64(uint64(h) << 16) }); err != nil {
		return err
	}
	return check("IPv6", len(ix.v6.starts)/2, v6, ix.v6.top, ix.v6.segs,
		func(h int) u128.U128 { return u128.U128{Hi: uint64(h) << 48} })
}

// recordStarts walks the records section, checking each record, and
// marks where records start (in reference units).
func (ix *Index) recordStarts() ([]bool, error) {
	starts := make([]bool, len(ix.records)/refUnit+1)
	for o := refUnit; o < len(ix.records); {
		if o+4 > len(ix.records) {
			return nil, fmt.Errorf("record at %d truncated", o)
		}
		n := int(le.Uint32(ix.records[o:]))
		if n > len(ix.records)-o-4 {
			return nil, fmt.Errorf("record at %d overruns its section", o)
		}
		rec := ix.records[o+4 : o+4+n]
		if !json.Valid(rec) || !bytes.HasPrefix(rec, []byte(`{"begin":"`)) {
			return nil, fmt.Errorf("record at %d is not a JSON object with a range", o)
		}
		starts[o/refUnit] = true
		o += recordSize(n)
	}
	return starts, nil
}

// verifySegment checks one segment's state list and latest reference.
func (ix *Index) verifySegment(latest, hist uint32, ref func(uint32) error) error {
	if hist != 0 && hist&singleState == 0 && (hist >= uint32(len(ix.states)) || ix.states[hist] == 0) {
		return fmt.Errorf("history at %d malformed", hist)
	}
	var one [2]uint32
	list := ix.stateList(latest, hist, &one)
	if hist != 0 && list == nil {
		return fmt.Errorf("history at %d overruns its section", hist)
	}
	var want uint32
	for i := 0; i < len(list); i += 2 {
		snap, r := list[i], list[i+1]
		if int(snap) >= len(ix.snaps) || (i > 0 && snap <= list[i-2]) {
			return fmt.Errorf("history at %d: snapshots out of order or range", hist)
		}
		if r == want {
			return fmt.Errorf("history at %d: a state repeats the one before it", hist)
		}
		if r != 0 {
			if err := ref(r); err != nil {
				return err
			}
		}
		want = r
	}
	if latest != want {
		return fmt.Errorf("latest reference %d, but the last state's is %d", latest, want)
	}
	return nil
}
