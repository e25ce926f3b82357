package index

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"time"
	"unsafe"
)

// Index is an open index file. Its lookups are safe for concurrent use;
// records it returns alias the file's memory and are valid until Close.
type Index struct {
	path    string
	data    []byte
	unmap   func() error
	stamp   uint64
	snaps   []Snapshot
	snapAt  []int64 // snaps' times in ns, for searching
	v4      family4
	v6      family6
	states  []uint32
	chains  []uint32
	records []byte
}

// Snapshot is one snapshot of the history the index holds.
type Snapshot struct {
	ID       int64
	At       time.Time
	Datetime string
}

// A family's segments: the first-level table, the starts, and per segment
// two words, the latest reference and the history word.
type family4 struct {
	top, starts, segs []uint32
}

type family6 struct {
	top    []uint32
	starts []uint64 // high half, low half
	segs   []uint32
}

// Open maps an index file and checks its structure (not its checksum or
// every reference: Verify does that), which takes milliseconds whatever
// its size.
func Open(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("map index %s: %w", path, err)
	}
	ix := &Index{path: path, data: data, unmap: unmap}
	if err := ix.parse(); err != nil {
		unmap()
		return nil, fmt.Errorf("index %s: %w: %v", path, ErrFormat, err)
	}
	return ix, nil
}

// Close unmaps the file; records returned before must no longer be used.
func (ix *Index) Close() error {
	if ix.unmap == nil {
		return nil
	}
	err := ix.unmap()
	ix.unmap, ix.data = nil, nil
	return err
}

// Path is the file the index was opened from.
func (ix *Index) Path() string { return ix.path }

// Stamp identifies the history the index was built from (see Stamp).
func (ix *Index) Stamp() uint64 { return ix.stamp }

// Snapshots are the history's snapshots, in time order.
func (ix *Index) Snapshots() []Snapshot { return ix.snaps }

func (ix *Index) parse() error {
	d := ix.data
	if !littleEndianHost {
		return fmt.Errorf("index files are little-endian; this machine is not")
	}
	if len(d) < headerSize || string(d[offMagic:offMagic+len(magic)]) != magic {
		return fmt.Errorf("no index header")
	}
	if v := le.Uint32(d[offVersion:]); v != formatVersion {
		return fmt.Errorf("format version %d, this program reads %d", v, formatVersion)
	}
	if size := le.Uint64(d[offFileSize:]); size != uint64(len(d)) {
		return fmt.Errorf("file is %d bytes, header says %d (truncated?)", len(d), size)
	}
	ix.stamp = le.Uint64(d[offStamp:])
	var sec [numSections][]byte
	for i := range sec {
		off, n := le.Uint64(d[offSections+16*i:]), le.Uint64(d[offSections+16*i+8:])
		if off%8 != 0 || off < headerSize || off > uint64(len(d)) || n > uint64(len(d))-off {
			return fmt.Errorf("section %d out of the file", i)
		}
		sec[i] = d[off : off+n]
	}
	if err := ix.parseSnapshots(sec[secSnapshots], int(le.Uint32(d[offSnapshots:]))); err != nil {
		return err
	}
	ix.states, ix.chains, ix.records = words(sec[secStates]), words(sec[secChains]), sec[secRecords]
	if len(ix.states) == 0 || ix.states[0] != 0 || len(ix.chains) == 0 || len(ix.records) < refUnit {
		return fmt.Errorf("states, chains or records section malformed")
	}
	ix.v4 = family4{top: words(sec[sec4Top]), starts: words(sec[sec4Starts]), segs: words(sec[sec4Segments])}
	ix.v6 = family6{top: words(sec[sec6Top]), starts: doubles(sec[sec6Starts]), segs: words(sec[sec6Segments])}
	if err := checkFamily(ix.v4.top, len(ix.v4.starts), ix.v4.segs, len(sec[sec4Starts]) == 4*len(ix.v4.starts)); err != nil {
		return fmt.Errorf("IPv4: %v", err)
	}
	if err := checkFamily(ix.v6.top, len(ix.v6.starts)/2, ix.v6.segs, len(sec[sec6Starts]) == 8*len(ix.v6.starts) && len(ix.v6.starts)%2 == 0); err != nil {
		return fmt.Errorf("IPv6: %v", err)
	}
	return nil
}

// checkFamily checks what lookups index with, so no lookup on a damaged
// file can go out of bounds.
func checkFamily(top []uint32, segs int, words []uint32, whole bool) error {
	if !whole || segs == 0 || len(words) != 2*segs || len(top) != topEntries {
		return fmt.Errorf("segment tables malformed")
	}
	prev := uint32(0)
	for _, t := range top {
		if t < prev || int(t) >= segs {
			return fmt.Errorf("first-level table malformed")
		}
		prev = t
	}
	if int(top[topEntries-1]) != segs-1 {
		return fmt.Errorf("first-level table does not end at the last segment")
	}
	return nil
}

func (ix *Index) parseSnapshots(b []byte, n int) error {
	if n < 0 || n > len(b)/snapshotEntrySize {
		return fmt.Errorf("snapshot table malformed")
	}
	strs := b[n*snapshotEntrySize:]
	ix.snaps, ix.snapAt = make([]Snapshot, n), make([]int64, n)
	for i := range ix.snaps {
		e := b[i*snapshotEntrySize:]
		off, l := uint64(le.Uint32(e[16:])), uint64(le.Uint32(e[20:]))
		if off+l > uint64(len(strs)) {
			return fmt.Errorf("snapshot %d: datetime out of its section", i)
		}
		ix.snaps[i] = Snapshot{At: time.Unix(0, int64(le.Uint64(e))).UTC(), ID: int64(le.Uint64(e[8:])), Datetime: string(strs[off : off+l])}
		ix.snapAt[i] = ix.snaps[i].At.UnixNano()
		if i > 0 && !ix.snaps[i-1].At.Before(ix.snaps[i].At) {
			return fmt.Errorf("snapshots out of time order")
		}
	}
	return nil
}

var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// words views a section as little-endian 32-bit words, in place.
func words(b []byte) []uint32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), len(b)/4)
}

func doubles(b []byte) []uint64 {
	if len(b) < 8 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
}

// segment finds the segment holding a: the first-level table narrows the
// search to the segments of a's /16, then a binary search finds the last
// one starting at or before a.
func (f *family4) segment(a uint32) int {
	h := a >> 16
	lo, hi := int(f.top[h]), int(f.top[h+1])
	starts := f.starts
	for lo < hi {
		mid := int(uint(lo+hi+1) >> 1)
		if starts[mid] <= a {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

func (f *family6) segment(hi64, lo64 uint64) int {
	h := hi64 >> 48
	lo, hi := int(f.top[h]), int(f.top[h+1])
	s := f.starts
	for lo < hi {
		mid := int(uint(lo+hi+1) >> 1)
		if sh, sl := s[2*mid], s[2*mid+1]; sh < hi64 || (sh == hi64 && sl <= lo64) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// find gives the latest ref and the history list's place for an address;
// an IPv4-mapped IPv6 address is looked up as IPv4.
func (ix *Index) find(a netip.Addr) (latest, hist uint32) {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		i := ix.v4.segment(binary.BigEndian.Uint32(b[:]))
		return ix.v4.segs[2*i], ix.v4.segs[2*i+1]
	}
	if !a.IsValid() {
		return 0, 0
	}
	b := a.As16()
	i := ix.v6.segment(binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
	return ix.v6.segs[2*i], ix.v6.segs[2*i+1]
}

// Hit is what covered an address: its most specific network's record and,
// for nested data, the networks around it. The zero Hit found nothing.
type Hit struct {
	ix  *Index
	ref uint32
}

// Found reports whether anything covered the address.
func (h Hit) Found() bool { return h.ref != 0 }

// Record is the most specific network's record, ready-to-serve JSON with
// "begin", "end" and "datetime" (when this version was first seen); nil
// when nothing was found.
func (h Hit) Record() []byte { return h.ix.record(h.mostSpecific()) }

// mostSpecific is the reference of the most specific network's record.
func (h Hit) mostSpecific() uint32 {
	if h.ref&chainFlag == 0 {
		return h.ref
	}
	if c := h.ix.chain(h.ref); len(c) > 0 {
		return c[0]
	}
	return 0
}

// Parents appends the records of the networks that held the most specific
// one at the same time, innermost first.
func (h Hit) Parents(dst [][]byte) [][]byte {
	if h.ref&chainFlag == 0 {
		return dst
	}
	c := h.ix.chain(h.ref)
	for i := 1; i < len(c); i++ {
		dst = append(dst, h.ix.record(c[i]))
	}
	return dst
}

// record reads the record a ref points to; nil when the ref lies outside
// the file, which only a damaged file gives (Verify tells).
func (ix *Index) record(ref uint32) []byte {
	if ref == 0 {
		return nil
	}
	o := uint64(ref) * refUnit
	if o+4 > uint64(len(ix.records)) {
		return nil
	}
	n := uint64(le.Uint32(ix.records[o:]))
	if o+4+n > uint64(len(ix.records)) {
		return nil
	}
	return ix.records[o+4 : o+4+n : o+4+n]
}

func (ix *Index) chain(ref uint32) []uint32 {
	i := uint64(ref & refMask)
	if i >= uint64(len(ix.chains)) {
		return nil
	}
	n := uint64(ix.chains[i])
	if i+1+n > uint64(len(ix.chains)) {
		return nil
	}
	return ix.chains[i+1 : i+1+n]
}

// stateList is a segment's (snapshot, ref) pairs, flattened; one state
// is spelled out in one.
func (ix *Index) stateList(latest, hist uint32, one *[2]uint32) []uint32 {
	if hist&singleState != 0 {
		one[0], one[1] = hist&^singleState, latest
		return one[:]
	}
	i := uint64(hist)
	if i >= uint64(len(ix.states)) {
		return nil
	}
	n := uint64(ix.states[i]) * 2
	if i+1+n > uint64(len(ix.states)) {
		return nil
	}
	return ix.states[i+1 : i+1+n]
}

// Latest is what covers a in the latest snapshot. An address whose
// network was removed has no latest record.
func (ix *Index) Latest(a netip.Addr) Hit {
	ref, _ := ix.find(a)
	return Hit{ix, ref}
}

// At is what covered a at time t: in the last snapshot taken at or before
// t. Before the first snapshot nothing did.
func (ix *Index) At(a netip.Addr, t time.Time) Hit {
	k := ix.SnapshotAt(t)
	if k < 0 {
		return Hit{}
	}
	latest, hist := ix.find(a)
	return Hit{ix, ix.refAt(latest, hist, k)}
}

// refAt is what covered a segment in snapshot k, from its latest
// reference and history word.
func (ix *Index) refAt(latest, hist uint32, k int) uint32 {
	if k == len(ix.snaps)-1 {
		return latest
	}
	if hist&singleState != 0 { // unchanged since then
		if uint32(k) >= hist&^singleState {
			return latest
		}
		return 0
	}
	var ref uint32
	list := ix.stateList(latest, hist, nil)
	for i := 0; i+1 < len(list) && list[i] <= uint32(k); i += 2 {
		ref = list[i+1]
	}
	return ref
}

// SnapshotAt is the index of the last snapshot taken at or before t, or -1.
func (ix *Index) SnapshotAt(t time.Time) int {
	ns := t.UnixNano()
	lo, hi := 0, len(ix.snapAt)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ix.snapAt[mid] <= ns {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1
}

// Version is one record in an address's history: the most specific network
// from snapshot From until snapshot Until (exclusive; len(Snapshots()) for
// the one still current).
type Version struct {
	Hit
	From, Until int
}

// History appends every version of what covered a, newest first. A time
// when nothing covered a is a gap between versions' Until and From.
func (ix *Index) History(a netip.Addr, dst []Version) []Version {
	latest, hist := ix.find(a)
	var one [2]uint32
	list := ix.stateList(latest, hist, &one)
	until := len(ix.snaps)
	start := len(dst)
	var prev uint32 // the most specific record of the state after this one
	for i := len(list) - 2; i >= 0; i -= 2 {
		from, h := int(list[i]), Hit{ix, list[i+1]}
		rec := h.mostSpecific()
		switch {
		case rec == 0:
		case len(dst) > start && rec == prev:
			dst[len(dst)-1].From = from // the same network; only its parents changed
		default:
			dst = append(dst, Version{Hit: h, From: from, Until: until})
		}
		prev, until = rec, from
	}
	return dst
}
