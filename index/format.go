// Package index is the lookup index: the whole history flattened into
// sorted, non-overlapping segments of the address space, each holding what
// covered it at every snapshot, written once into an immutable file that is
// memory-mapped and searched in place.
//
// A lookup is one table probe on the address's high 16 bits and a binary
// search over a few segment starts; the answer is a ready-to-serve JSON
// record in the file, so serving the latest record copies nothing and
// decodes nothing. History lookups read the segment's short list of states
// (snapshot, record), so "at a datetime" and "all" never scan.
//
// The file format is documented in docs/format/index.md; the constants
// here are its source of truth.
package index

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// magic opens every index file; formatVersion changes with the layout.
const (
	magic         = "ipatlas\x00"
	formatVersion = 1
	headerSize    = 256
)

// Sections of the file, in file order. Each is 8-byte aligned; the header
// holds each one's offset and length.
const (
	secSnapshots = iota
	sec4Top
	sec4Starts
	sec4Segments
	sec6Top
	sec6Starts
	sec6Segments
	secStates
	secChains
	secRecords
	numSections
)

// Header fields' offsets.
const (
	offMagic     = 0
	offVersion   = 8
	offFlags     = 12
	offStamp     = 16
	offCRC       = 24
	offSnapshots = 28
	offFileSize  = 32
	offSections  = 40 // numSections × {offset u64, length u64}
)

// topEntries is the size of each family's first-level table: one entry per
// value of the address's high 16 bits, and one sentinel.
const topEntries = 1<<16 + 1

// snapshotEntrySize is one snapshot's fixed part: at (ns), id, and the
// datetime string's offset and length in the strings that follow.
const snapshotEntrySize = 24

// A reference to what covers a segment: 0 is nothing; otherwise the low 31
// bits are an offset in 4-byte units, into the records section for a single
// record, into the chains section (chainFlag set) for a network and its
// parents.
const (
	chainFlag = 1 << 31
	refMask   = chainFlag - 1
	refUnit   = 4
)

// A segment's history word: 0 when nothing ever covered it; with
// singleState set, what covers it never changed since the snapshot in the
// low bits, and the latest reference says what; otherwise the place, in
// words, of its list of states in the states section.
const singleState = 1 << 31

// maxSectionBytes bounds a section addressed by references.
const maxSectionBytes = refMask * refUnit

var le = binary.LittleEndian

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrFormat is wrapped by every error about a file that is not a valid
// index.
var ErrFormat = errors.New("not a valid ipatlas index")

// align8 rounds n up to a multiple of 8.
func align8(n int) int { return (n + 7) &^ 7 }
