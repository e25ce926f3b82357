package index

import (
	"bufio"
	"cmp"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/u128"
	"github.com/ipatlas/ipatlas/whipfile"
)

// Stats describes a built index.
type Stats struct {
	Snapshots            int
	Versions             int // records: one per version of a range
	Segments4, Segments6 int
	RecordBytes          int64
	FileBytes            int64
	// TopBytes is the two families' first-level tables, the same size
	// whatever the data: most of a small index besides its records.
	TopBytes int64
}

// Stamp identifies the history an index was built from: a store computes
// it from its snapshot list, and an index whose stamp differs is stale.
// Every change to a history adds a snapshot, so the snapshots' identities
// and counts are enough.
func Stamp(snaps []ipatlas.Snapshot) uint64 {
	h := fnv.New64a()
	var b [8 * 7]byte
	for _, s := range snaps {
		for i, v := range []int64{s.ID, s.At.UnixNano(), int64(s.Records), int64(s.Added), int64(s.Removed), int64(s.Changed), s.Created.UnixNano()} {
			le.PutUint64(b[i*8:], uint64(v))
		}
		h.Write(b[:])
	}
	return h.Sum64()
}

// Source is a history to index: its snapshots in time order, and each
// one's operations (its delta from the one before), read in turn so that
// a large history is never held decoded all at once.
type Source struct {
	Snapshots []ipatlas.Snapshot
	Ops       func(k int, fn func(history.Op) error) error
}

// FromTimeline is the source of a decoded history.
func FromTimeline(timeline []history.Stored) Source {
	src := Source{Snapshots: make([]ipatlas.Snapshot, len(timeline))}
	for i, s := range timeline {
		src.Snapshots[i] = s.Snapshot
	}
	src.Ops = func(k int, fn func(history.Op) error) error {
		for _, op := range timeline[k].Ops {
			if err := fn(op); err != nil {
				return err
			}
		}
		return nil
	}
	return src
}

// Build writes the index of a history to path, atomically: readers of an
// older file at path keep it until they close it.
func Build(path string, src Source) (Stats, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return Stats{}, err
	}
	stats, err := build(f, src)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return Stats{}, fmt.Errorf("index %s: %w", path, err)
	}
	return stats, nil
}

// version is one version of a range: its payload, valid from snapshot
// from until snapshot to (exclusive; the snapshot count while current).
type version struct {
	first, last u128.U128
	payload     []byte // until its record is written
	from, to    int32
	ref         uint32 // its record, once written
	is4         bool
}

// compareVersions orders as ipatlas.CompareRecords does: IPv4 first, then
// by first address, widest first.
func compareVersions(a, b *version) int {
	if a.is4 != b.is4 {
		if a.is4 {
			return -1
		}
		return 1
	}
	if c := a.first.Cmp(b.first); c != 0 {
		return c
	}
	return b.last.Cmp(a.last)
}

// versionsOf replays the history's deltas, closing a range's version when
// a later snapshot changes or removes it.
func versionsOf(src Source) ([]version, error) {
	n := int32(len(src.Snapshots))
	sets := 0
	for _, s := range src.Snapshots {
		sets += s.Added + s.Changed
	}
	vs := make([]version, 0, sets) // exact for a store's counts: no copy as it grows
	var state, next []int32        // open versions, in range order
	for k, s := range src.Snapshots {
		next = next[:0]
		i := 0
		err := src.Ops(k, func(op history.Op) error {
			v := version{first: u128.FromAddr(op.Range.From), last: u128.FromAddr(op.Range.To), is4: op.Range.Is4(),
				payload: op.Payload, from: int32(k), to: n}
			for i < len(state) && compareVersions(&vs[state[i]], &v) < 0 {
				next = append(next, state[i])
				i++
			}
			if i < len(state) && compareVersions(&vs[state[i]], &v) == 0 {
				vs[state[i]].to = int32(k)
				i++
			} else if op.Payload == nil {
				return fmt.Errorf("snapshot %d (%s) removes %s, which it does not hold: %w", s.ID, s.Datetime, op.Range, history.ErrCorrupt)
			}
			if op.Payload != nil {
				if len(op.Payload) < 2 || op.Payload[0] != '{' || op.Payload[len(op.Payload)-1] != '}' {
					return fmt.Errorf("snapshot %d (%s): %s: payload is not a JSON object: %w", s.ID, s.Datetime, op.Range, history.ErrCorrupt)
				}
				next = append(next, int32(len(vs)))
				vs = append(vs, v)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		next = append(next, state[i:]...)
		state, next = next, state
	}
	return vs, nil
}

// builder holds what the file is made of while it is written.
type builder struct {
	snaps  []ipatlas.Snapshot
	vs     []version
	order  []int32 // versions in range order, IPv4 first
	fams   [2]familyTables
	states []uint32
	chains []uint32
	stats  Stats
}

// familyTables are one address family's segments.
type familyTables struct {
	starts []u128.U128
	top    []uint32
	segs   []uint32 // per segment: latest reference, history word
}

// build writes the file: the records first, so the payloads they are made
// of can go before the segments are cut; the header last, once the
// sections' places and the checksum are known.
func build(f *os.File, src Source) (Stats, error) {
	vs, err := versionsOf(src)
	if err != nil {
		return Stats{}, err
	}
	b := &builder{snaps: src.Snapshots, vs: vs, states: []uint32{0}, chains: []uint32{0}}
	b.sortVersions()
	w := &fileWriter{bw: bufio.NewWriterSize(f, 1<<20), crc: crc32.New(castagnoli), off: headerSize}
	if _, err := w.bw.Write(make([]byte, headerSize)); err != nil { // the header's place, outside the checksum
		return Stats{}, err
	}
	w.section(secSnapshots, b.writeSnapshots)
	w.section(secRecords, b.writeRecords)
	if w.err != nil {
		return Stats{}, w.err
	}
	// The payloads, most of the memory so far, are in the file now: hand
	// them back before cutting segments, so the peak is the larger phase's
	// and not both phases' together.
	debug.FreeOSMemory()
	b.segment()
	if len(b.states)*4 > maxSectionBytes || len(b.chains)*4 > maxSectionBytes {
		return Stats{}, fmt.Errorf("history too large for one index file")
	}
	for k, fam := range b.fams {
		base := []int{sec4Top, sec6Top}[k]
		w.section(base, func(w *fileWriter) { w.words(fam.top) })
		w.section(base+1, func(w *fileWriter) { w.starts(fam.starts, k == 0) })
		w.section(base+2, func(w *fileWriter) { w.words(fam.segs) })
	}
	w.section(secStates, func(w *fileWriter) { w.words(b.states) })
	w.section(secChains, func(w *fileWriter) { w.words(b.chains) })
	if err := w.finish(f, Stamp(b.snaps), len(b.snaps)); err != nil {
		return Stats{}, err
	}
	b.stats.Snapshots, b.stats.Versions, b.stats.FileBytes = len(b.snaps), len(vs), int64(w.off)
	b.stats.TopBytes = 2 * topEntries * 4
	b.stats.Segments4, b.stats.Segments6 = len(b.fams[0].starts), len(b.fams[1].starts)
	return b.stats, nil
}

// sortVersions puts the versions in range order, which is the records'
// order in the file (neighbouring lookups read neighbouring records) and
// the segmenter's.
func (b *builder) sortVersions() {
	vs := b.vs
	b.order = make([]int32, len(vs))
	for i := range b.order {
		b.order[i] = int32(i)
	}
	slices.SortFunc(b.order, func(x, y int32) int {
		if c := compareVersions(&vs[x], &vs[y]); c != 0 {
			return c
		}
		return cmp.Compare(vs[x].from, vs[y].from)
	})
}

// segment cuts both families into segments.
func (b *builder) segment() {
	split := sort.Search(len(b.order), func(k int) bool { return !b.vs[b.order[k]].is4 })
	seg := segmenter{b: b, chainIDs: map[string]uint32{}, stateIDs: map[string]uint32{}}
	b.fams[0] = seg.family(b.order[:split], true)
	b.fams[1] = seg.family(b.order[split:], false)
}

// recordSize is a record's size in the file: its length, its bytes, and
// padding to the reference unit.
func recordSize(n int) int { return (4 + n + refUnit - 1) &^ (refUnit - 1) }

// appendRecord appends a version's ready-to-serve JSON: the range, the
// datetime of the snapshot that first held this version, and the payload's
// fields.
func (b *builder) appendRecord(dst []byte, v *version) []byte {
	return whipfile.AppendLine(dst, v.first.Addr(v.is4), v.last.Addr(v.is4), b.snaps[v.from].Datetime, v.payload)
}

// moreSpecific orders the versions covering one place: the smaller range
// first, and of two the same size (overlapping, not nested) the one that
// starts later, as it is the one closer to the place's own start.
func moreSpecific(a, b *version) int {
	if c := a.last.Sub(a.first).Cmp(b.last.Sub(b.first)); c != 0 {
		return c
	}
	return b.first.Cmp(a.first)
}

// segmenter flattens one family's versions into segments.
type segmenter struct {
	b        *builder
	chainIDs map[string]uint32
	stateIDs map[string]uint32
	active   []int32
	alive    []int32
	times    []int32
	list     []uint32
	key      []byte
}

// family cuts the family's space at every version's first address and
// after its last, so each segment is covered by the same versions
// throughout, and records for each segment its states over time.
func (s *segmenter) family(order []int32, is4 bool) familyTables {
	vs := s.b.vs
	maxAddr := u128.U128{Hi: ^uint64(0), Lo: ^uint64(0)}
	if is4 {
		maxAddr = u128.From64(1<<32 - 1)
	}
	bounds := make([]u128.U128, 1, 1+2*len(order))
	for _, i := range order {
		bounds = append(bounds, vs[i].first)
		if vs[i].last != maxAddr {
			bounds = append(bounds, vs[i].last.Add64(1))
		}
	}
	slices.SortFunc(bounds, u128.U128.Cmp)
	bounds = slices.Compact(bounds)
	t := familyTables{starts: bounds, segs: make([]uint32, 2*len(bounds))}
	s.active = s.active[:0]
	j := 0
	for seg, start := range bounds {
		s.active = slices.DeleteFunc(s.active, func(i int32) bool { return vs[i].last.Less(start) })
		for ; j < len(order) && vs[order[j]].first == start; j++ {
			s.active = append(s.active, order[j])
		}
		t.segs[2*seg+1], t.segs[2*seg] = s.segmentStates()
	}
	t.top = topTable(bounds, is4)
	return t
}

// topTable maps each value of the high 16 bits to the segment holding the
// first address with those bits; the last entry is the last segment.
func topTable(starts []u128.U128, is4 bool) []uint32 {
	top := make([]uint32, topEntries)
	seg := 0
	for h := range topEntries - 1 {
		a := u128.U128{Hi: uint64(h) << 48}
		if is4 {
			a = u128.From64(uint64(h) << 16)
		}
		for seg+1 < len(starts) && !a.Less(starts[seg+1]) {
			seg++
		}
		top[h] = uint32(seg)
	}
	top[topEntries-1] = uint32(len(starts) - 1)
	return top
}

// segmentStates lists, for the segment the active versions cover, what
// covered it from each snapshot on where that changed: (snapshot, ref)
// pairs. It returns the history word and the ref at the last snapshot.
func (s *segmenter) segmentStates() (hist, latest uint32) {
	vs, n := s.b.vs, int32(len(s.b.snaps))
	s.times = s.times[:0]
	for _, i := range s.active {
		s.times = append(s.times, vs[i].from, vs[i].to)
	}
	slices.Sort(s.times)
	s.times = slices.Compact(s.times)
	s.list = s.list[:0]
	var prev uint32
	for _, t := range s.times {
		if t >= n {
			break
		}
		s.alive = s.alive[:0]
		for _, i := range s.active {
			if vs[i].from <= t && t < vs[i].to {
				s.alive = append(s.alive, i)
			}
		}
		ref := s.chainRef()
		if ref != prev {
			s.list = append(s.list, uint32(t), ref)
			prev = ref
		}
	}
	switch len(s.list) {
	case 0:
		return 0, 0
	case 2: // one state, the common case: no list needed
		return singleState | s.list[0], prev
	}
	return s.intern(s.stateIDs, &s.b.states, s.list, len(s.list)/2), prev
}

// chainRef is the reference for the alive versions: nothing, the one
// record, or the chain of records from the most specific network out.
func (s *segmenter) chainRef() uint32 {
	vs := s.b.vs
	switch len(s.alive) {
	case 0:
		return 0
	case 1:
		return vs[s.alive[0]].ref
	}
	slices.SortFunc(s.alive, func(x, y int32) int { return moreSpecific(&vs[x], &vs[y]) })
	refs := make([]uint32, len(s.alive))
	for k, i := range s.alive {
		refs[k] = vs[i].ref
	}
	return chainFlag | s.intern(s.chainIDs, &s.b.chains, refs, len(refs))
}

// intern appends a list of words, after its count (of words or of
// pairs), to a section once: an identical list already there is shared.
// It returns the list's place in words.
func (s *segmenter) intern(ids map[string]uint32, section *[]uint32, words []uint32, count int) uint32 {
	s.key = s.key[:0]
	for _, w := range words {
		s.key = le.AppendUint32(s.key, w)
	}
	if id, ok := ids[string(s.key)]; ok {
		return id
	}
	id := uint32(len(*section))
	*section = append(append(*section, uint32(count)), words...)
	ids[string(s.key)] = id
	return id
}

// writeSnapshots writes the fixed entries, then the datetimes they point
// into.
func (b *builder) writeSnapshots(w *fileWriter) {
	var strs []byte
	entry := make([]byte, snapshotEntrySize)
	for _, s := range b.snaps {
		le.PutUint64(entry[0:], uint64(s.At.UnixNano()))
		le.PutUint64(entry[8:], uint64(s.ID))
		le.PutUint32(entry[16:], uint32(len(strs)))
		le.PutUint32(entry[20:], uint32(len(s.Datetime)))
		strs = append(strs, s.Datetime...)
		w.write(entry)
	}
	w.write(strs)
}

// writeRecords writes each version's record, in range order, giving the
// version its reference and dropping its payload, now in the file.
func (b *builder) writeRecords(w *fileWriter) {
	var buf []byte
	w.write(make([]byte, refUnit)) // offset 0 means "nothing"
	off := refUnit
	for _, i := range b.order {
		v := &b.vs[i]
		n := len(buf)
		buf = b.appendRecord(append(buf, 0, 0, 0, 0), v)
		size := len(buf) - n - 4
		le.PutUint32(buf[n:], uint32(size))
		buf = append(buf, make([]byte, recordSize(size)-(size+4))...)
		v.ref, v.payload = uint32(off/refUnit), nil
		off += recordSize(size)
		if off > maxSectionBytes {
			w.fail(fmt.Errorf("history too large for one index file (records over %d bytes)", maxSectionBytes))
			return
		}
		if len(buf) > 1<<16 {
			w.write(buf)
			buf = buf[:0]
		}
	}
	w.write(buf)
	b.stats.RecordBytes = int64(off)
}

// fileWriter writes sections, keeping the offset and the checksum, and
// remembers the first error.
type fileWriter struct {
	bw       *bufio.Writer
	crc      hash.Hash32
	off      int
	err      error
	buf      []byte
	sections [numSections][2]uint64
}

func (w *fileWriter) write(p []byte) {
	if w.err != nil {
		return
	}
	w.crc.Write(p)
	_, w.err = w.bw.Write(p)
	w.off += len(p)
}

func (w *fileWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// section writes one section, noting its place for the header, and pads
// to the next 8-byte boundary.
func (w *fileWriter) section(id int, write func(*fileWriter)) {
	start := w.off
	write(w)
	w.sections[id] = [2]uint64{uint64(start), uint64(w.off - start)}
	w.pad()
}

// finish flushes the sections and writes the header over the space left
// for it.
func (w *fileWriter) finish(f *os.File, stamp uint64, snapshots int) error {
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err != nil {
		return w.err
	}
	hdr := make([]byte, headerSize)
	copy(hdr[offMagic:], magic)
	le.PutUint32(hdr[offVersion:], formatVersion)
	le.PutUint64(hdr[offStamp:], stamp)
	le.PutUint32(hdr[offCRC:], w.crc.Sum32())
	le.PutUint32(hdr[offSnapshots:], uint32(snapshots))
	le.PutUint64(hdr[offFileSize:], uint64(w.off))
	for i, s := range w.sections {
		le.PutUint64(hdr[offSections+16*i:], s[0])
		le.PutUint64(hdr[offSections+16*i+8:], s[1])
	}
	_, err := f.WriteAt(hdr, 0)
	return err
}

func (w *fileWriter) pad() {
	var zero [8]byte
	w.write(zero[:align8(w.off)-w.off])
}

func (w *fileWriter) words(ws []uint32) {
	for len(ws) > 0 {
		n := min(len(ws), 1<<14)
		w.buf = w.buf[:0]
		for _, v := range ws[:n] {
			w.buf = le.AppendUint32(w.buf, v)
		}
		w.write(w.buf)
		ws = ws[n:]
	}
}

// starts writes segment starts: 4-byte addresses for IPv4, two 8-byte
// halves (high first) for IPv6.
func (w *fileWriter) starts(starts []u128.U128, is4 bool) {
	w.buf = w.buf[:0]
	for _, s := range starts {
		if is4 {
			w.buf = le.AppendUint32(w.buf, uint32(s.Lo))
		} else {
			w.buf = le.AppendUint64(le.AppendUint64(w.buf, s.Hi), s.Lo)
		}
		if len(w.buf) >= 1<<16 {
			w.write(w.buf)
			w.buf = w.buf[:0]
		}
	}
	w.write(w.buf)
}
