// Package history keeps the states of the data over time as differences:
// each snapshot is stored as the delta from the snapshot before it in time
// (ranges added or changed, with their payloads, and ranges removed), so
// a version of a range is valid from the snapshot that set it until the
// one that changed or removed it, and a removal is recorded, not lost.
//
// A delta is a sequence of operations, compressed with zstd:
//
//	op      = kind from to [len payload]
//	kind    = 1 byte: 1 set (add or change), 2 remove
//	from,to = 1 byte family (4 or 6), then 4 or 16 address bytes each
//	len     = uvarint length of payload (set only)
//
// Operations are sorted as records are (ipatlas.CompareRecords).
package history

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/parallel"
	"github.com/klauspost/compress/zstd"
)

// Op kinds.
const (
	opSet    = 1
	opRemove = 2
)

// Op is one change between two states: Payload nil removes the range.
type Op struct {
	Range   ipatlas.Range
	Payload []byte
}

// Delta is what changed from one state to the next, with counts.
type Delta struct {
	Ops                     []Op
	Added, Removed, Changed int
}

// Diff is the delta that turns prev into next. Both are sorted by
// ipatlas.CompareRecords with each range once.
func Diff(prev, next []ipatlas.Record) Delta {
	var d Delta
	if len(prev) == 0 {
		d.Ops = make([]Op, 0, len(next)) // a first snapshot: every range is new
	}
	compare(prev, next, func(p, n *ipatlas.Record) {
		switch {
		case n == nil:
			d.Ops = append(d.Ops, Op{Range: p.Range})
			d.Removed++
		case p == nil:
			d.Ops = append(d.Ops, Op{Range: n.Range, Payload: n.Payload})
			d.Added++
		case !bytes.Equal(p.Payload, n.Payload):
			d.Ops = append(d.Ops, Op{Range: n.Range, Payload: n.Payload})
			d.Changed++
		}
	})
	return d
}

// compare walks two sorted states together, calling fn for every range in
// either with its record in each (nil where it is absent).
func compare(prev, next []ipatlas.Record, fn func(p, n *ipatlas.Record)) {
	i, j := 0, 0
	for i < len(prev) || j < len(next) {
		var c int
		switch {
		case i == len(prev):
			c = 1
		case j == len(next):
			c = -1
		default:
			c = ipatlas.CompareRecords(prev[i], next[j])
		}
		switch {
		case c < 0:
			fn(&prev[i], nil)
			i++
		case c > 0:
			fn(nil, &next[j])
			j++
		default:
			fn(&prev[i], &next[j])
			i, j = i+1, j+1
		}
	}
}

// ErrCorrupt is wrapped by errors about deltas that do not decode or do
// not apply.
var ErrCorrupt = errors.New("corrupt history")

// Apply returns the state after ops (sorted) on state (sorted). An op that
// removes a range the state lacks is corruption.
func Apply(state []ipatlas.Record, ops []Op) ([]ipatlas.Record, error) {
	out := make([]ipatlas.Record, 0, len(state)+len(ops))
	i := 0
	for _, op := range ops {
		key := ipatlas.Record{Range: op.Range}
		for i < len(state) && ipatlas.CompareRecords(state[i], key) < 0 {
			out = append(out, state[i])
			i++
		}
		held := i < len(state) && state[i].Range == op.Range
		if held {
			i++
		}
		switch {
		case op.Payload != nil:
			out = append(out, ipatlas.Record{Range: op.Range, Payload: op.Payload})
		case !held:
			return nil, fmt.Errorf("%w: removal of %s, which the state does not hold", ErrCorrupt, op.Range)
		}
	}
	return append(out, state[i:]...), nil
}

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
)

// Encode writes ops in the delta format, compressed.
func Encode(ops []Op) []byte {
	size := 0
	for _, op := range ops {
		size += 1 + 2*17 + binary.MaxVarintLen64 + len(op.Payload)
	}
	b := make([]byte, 0, size)
	for _, op := range ops {
		kind := byte(opRemove)
		if op.Payload != nil {
			kind = opSet
		}
		b = append(b, kind)
		b = appendAddr(b, op.Range.From)
		b = appendAddr(b, op.Range.To)
		if op.Payload != nil {
			b = binary.AppendUvarint(b, uint64(len(op.Payload)))
			b = append(b, op.Payload...)
		}
	}
	return compress(b)
}

// frameSize is how much of a delta one zstd frame holds. A large delta (a
// first snapshot: every range and payload) is cut into frames compressed
// side by side; the frames, concatenated, decompress as one. A skippable
// frame (which zstd readers pass over) opens them with the delta's size,
// so that reading it allocates once.
const frameSize = 4 << 20

// sizeFrame is the skippable frame's magic number and length (RFC 8878
// §3.1.2): 8 bytes, the decompressed size.
var sizeFrame = []byte{0x5b, 0x2a, 0x4d, 0x18, 8, 0, 0, 0}

func compress(b []byte) []byte {
	if len(b) <= frameSize {
		return encoder.EncodeAll(b, nil)
	}
	frames := make([][]byte, 1+(len(b)+frameSize-1)/frameSize)
	frames[0] = binary.LittleEndian.AppendUint64(slices.Clip(sizeFrame), uint64(len(b)))
	parallel.For(len(frames)-1, func(i int) {
		frames[1+i] = encoder.EncodeAll(b[i*frameSize:min(len(b), (i+1)*frameSize)], nil)
	})
	return bytes.Join(frames, nil)
}

func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		return append(append(b, 4), v[:]...)
	}
	v := a.As16()
	return append(append(b, 6), v[:]...)
}

// Decode reads a delta written by Encode. Payloads alias one buffer.
func Decode(data []byte) ([]Op, error) {
	b, err := decompress(data)
	if err != nil {
		return nil, err
	}
	ops := make([]Op, 0, len(b)/64) // a set with a short payload is ~100 bytes
	err = each(b, func(op Op) error {
		ops = append(ops, op)
		return nil
	})
	return ops, err
}

// Each calls fn with each operation of a delta written by Encode, in
// order, without collecting them; payloads alias one buffer.
func Each(data []byte, fn func(Op) error) error {
	b, err := decompress(data)
	if err != nil {
		return err
	}
	return each(b, fn)
}

func decompress(data []byte) ([]byte, error) {
	var dst []byte
	if len(data) >= 16 && bytes.Equal(data[:8], sizeFrame) {
		// The size sizes the buffer only; a wrong one costs a regrowth.
		dst = make([]byte, 0, min(binary.LittleEndian.Uint64(data[8:16]), 1<<32))
	}
	b, err := decoder.DecodeAll(data, dst)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return b, nil
}

// each reads the operations of a decompressed delta.
func each(b []byte, fn func(Op) error) error {
	for len(b) > 0 {
		kind := b[0]
		if kind != opSet && kind != opRemove {
			return fmt.Errorf("%w: operation kind %d", ErrCorrupt, kind)
		}
		var op Op
		var from, to netip.Addr
		var err error
		if from, b, err = readAddr(b[1:]); err == nil {
			to, b, err = readAddr(b)
		}
		if err != nil {
			return err
		}
		if op.Range, err = ipatlas.NewRange(from, to); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if kind == opSet {
			n, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < n {
				return fmt.Errorf("%w: payload of %s cut short", ErrCorrupt, op.Range)
			}
			op.Payload, b = b[k:k+int(n):k+int(n)], b[k+int(n):]
		}
		if err := fn(op); err != nil {
			return err
		}
	}
	return nil
}

func readAddr(b []byte) (netip.Addr, []byte, error) {
	switch {
	case len(b) >= 5 && b[0] == 4:
		return netip.AddrFrom4([4]byte(b[1:5])), b[5:], nil
	case len(b) >= 17 && b[0] == 6:
		return netip.AddrFrom16([16]byte(b[1:17])), b[17:], nil
	}
	return netip.Addr{}, nil, fmt.Errorf("%w: address cut short", ErrCorrupt)
}
