package mmdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// DatabaseType is the metadata's database_type of the files Write makes.
const DatabaseType = "ipatlas-networks"

// Config says how Write describes the file. The zero value is usable.
type Config struct {
	// Description is the metadata's English description. Defaults to
	// "ipatlas networks".
	Description string
	// BuildTime is the metadata's build_epoch. A snapshot's moment makes
	// the file of one snapshot the same file every time. Defaults to the
	// time of the call.
	BuildTime time.Time
	// RecordSize is the search tree's record size in bits: 24, 28 or 32.
	// Defaults to 28 (MaxMind's default), and to 32 past a million
	// records, whose tree and data may outgrow 28 bits of offsets.
	RecordSize int
}

// largeRecords is the record count past which RecordSize defaults to 32.
const largeRecords = 1_000_000

// withDefaults fills in the zero fields.
func (c Config) withDefaults(records int) Config {
	if c.Description == "" {
		c.Description = "ipatlas networks"
	}
	if c.BuildTime.IsZero() {
		c.BuildTime = time.Now()
	}
	if c.RecordSize == 0 {
		c.RecordSize = 28
		if records > largeRecords {
			c.RecordSize = 32
		}
	}
	return c
}

// Stats says what Write stored.
type Stats struct {
	Records  int   // records with at least one address in the file
	Prefixes int   // prefixes inserted: records split exactly into CIDR blocks
	Skipped  int   // IPv6 records wholly where lookups answer from IPv4 data
	Bytes    int64 // the file's size
}

// Write writes records (a snapshot, ipatlas.CompareRecords order or any
// other) to w as one MaxMind DB of IPv4 and IPv6 (docs/mmdb.md), in which
// every address finds the most specific record that holds it.
//
// Each range is split exactly into CIDR prefixes and every prefix gets the
// range's record. Records go in wider first, and each replaces what is
// under it (mmdbwriter's default inserter), so a network nested in
// another overwrites its piece of the outer one: the innermost wins. Of
// two ranges that partly overlap, which registries' data can hold, the
// one that starts later wins on the overlap.
//
// Special-purpose space (private, documentation, multicast, …) is kept:
// a registry's record of 10.0.0.0/8 is data like any other, and the file
// answers as 'ipatlas lookup' does. IPv6 records are left out where
// lookups answer from the IPv4 data (AnswersFromIPv4).
//
// Write stops with ctx's error when ctx is done.
func Write(ctx context.Context, w io.Writer, records []ipatlas.Record, cfg Config) (Stats, error) {
	cfg = cfg.withDefaults(len(records))
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            DatabaseType,
		Description:             map[string]string{"en": cfg.Description},
		BuildEpoch:              cfg.BuildTime.Unix(),
		IncludeReservedNetworks: true,
		RecordSize:              cfg.RecordSize,
		KeyGenerator:            &identityKeys{},
	})
	if err != nil {
		return Stats{}, err
	}
	b := builder{tree: tree, strs: map[string]mmdbtype.DataType{}}
	for i, rec := range sorted(records) {
		if i%4096 == 0 && ctx.Err() != nil {
			return b.st, ctx.Err()
		}
		if err := b.insert(rec); err != nil {
			return b.st, err
		}
	}
	b.strs = nil
	b.st.Bytes, err = tree.WriteTo(w)
	return b.st, err
}

// identityKeys keys the values in the tree by identity rather than by
// content (mmdbwriter's default serialises and hashes each value at every
// insert, a third of the work). It is sound because Write makes one map
// per record and never two of one content: each holds its range, and a
// snapshot holds a range once. A map is kept, unmoved, while the tree
// holds it, so its address names it; the prefixes of one range share
// one map and so one key, which lets mmdbwriter merge them back.
type identityKeys struct{ buf [8]byte }

func (k *identityKeys) Key(v mmdbtype.DataType) ([]byte, error) {
	m, ok := v.(mmdbtype.Map)
	if !ok {
		return nil, fmt.Errorf("mmdb: a %T in the tree, where only records go", v)
	}
	binary.LittleEndian.PutUint64(k.buf[:], uint64(reflect.ValueOf(m).Pointer()))
	return k.buf[:], nil
}

// builder inserts records into a tree.
type builder struct {
	tree *mmdbwriter.Tree
	st   Stats
	strs map[string]mmdbtype.DataType // one value per string: less to allocate, and to collect
	pfx  []netip.Prefix               // a range's prefixes, reused
}

// str is s as a field's value, shared with the records that repeat it.
func (b *builder) str(s string) mmdbtype.DataType {
	v, ok := b.strs[s]
	if !ok {
		v = mmdbtype.String(s)
		b.strs[s] = v
	}
	return v
}

// sorted is records in ipatlas.CompareRecords order: the input when it is
// already (a snapshot is), else a sorted copy.
func sorted(records []ipatlas.Record) []ipatlas.Record {
	if slices.IsSortedFunc(records, ipatlas.CompareRecords) {
		return records
	}
	records = slices.Clone(records)
	slices.SortStableFunc(records, ipatlas.CompareRecords)
	return records
}

// insert puts one record in the tree, over the storable parts of its
// range.
func (b *builder) insert(rec ipatlas.Record) error {
	parts := storable(rec.Range)
	if len(parts) == 0 {
		b.st.Skipped++
		return nil
	}
	r, err := NewRecord(rec)
	if err != nil {
		return fmt.Errorf("record %s: %w", rec.Range, err)
	}
	v := r.value(b.str)
	for _, part := range parts {
		b.pfx = prefixes(b.pfx[:0], part)
		for _, p := range b.pfx {
			if err := b.tree.Insert(ipNet(p), v); err != nil {
				return fmt.Errorf("record %s: %w", rec.Range, err)
			}
			b.st.Prefixes++
		}
	}
	b.st.Records++
	return nil
}

// ipNet is a prefix as mmdbwriter takes it: a 4-byte IPv4 address goes
// in the IPv4 tree.
func ipNet(p netip.Prefix) *net.IPNet {
	a := p.Addr()
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}
