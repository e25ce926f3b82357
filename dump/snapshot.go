package dump

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/ipatlas/ipatlas"
)

// A dump holds some registries' networks of some IP versions, and a
// snapshot is the whole state of the data: so a dump's snapshot is the
// history's state at the dump's date with the dumped registries' networks
// (of the dumped IP versions) replaced by the dump's, and a crawl that
// left dumped space unasked takes the dump's networks into its snapshot.
// These helpers do both on records.

// key is a registry and an IP version.
type key struct {
	reg ipatlas.Registry
	is4 bool
}

func keysOf(dumps []ipatlas.Dump) map[key]bool {
	out := map[key]bool{}
	for _, d := range dumps {
		out[key{d.Registry, d.IPVersion == 4}] = true
	}
	return out
}

// Overlay is base without the networks of the registries and IP versions
// dumps cover, plus dumped (the networks of those), sorted as a snapshot
// keeps records, one per range: where a range is in both, dumped's record
// wins.
func Overlay(base []ipatlas.Record, dumps []ipatlas.Dump, dumped []ipatlas.Record) []ipatlas.Record {
	covered := keysOf(dumps)
	out := make([]ipatlas.Record, 0, len(base)+len(dumped))
	out = append(out, dumped...)
	for _, r := range base {
		if !covered[key{RecordRegistry(r), r.Range.Is4()}] {
			out = append(out, r)
		}
	}
	// Stable, so that of two records of one range the dumped one, first,
	// is kept. A first load's base is empty: its records are in order.
	if !slices.IsSortedFunc(out, ipatlas.CompareRecords) {
		slices.SortStableFunc(out, ipatlas.CompareRecords)
	}
	return slices.CompactFunc(out, func(a, b ipatlas.Record) bool { return a.Range == b.Range })
}

// Covered are the records of the registries and IP versions dumps cover.
func Covered(records []ipatlas.Record, dumps []ipatlas.Dump) []ipatlas.Record {
	covered := keysOf(dumps)
	var out []ipatlas.Record
	for _, r := range records {
		if covered[key{RecordRegistry(r), r.Range.Is4()}] {
			out = append(out, r)
		}
	}
	return out
}

// registryPrefix opens every payload ipatlas.NetworkRecord writes.
var registryPrefix = []byte(`{"registry":"`)

// RecordRegistry is the registry a record's payload names: read straight
// from the front of a network's payload, else from its top-level
// "registry" field (a loaded Whip file's record may have one anywhere, or
// none: then "").
func RecordRegistry(r ipatlas.Record) ipatlas.Registry {
	if rest, ok := bytes.CutPrefix(r.Payload, registryPrefix); ok {
		if end := bytes.IndexByte(rest, '"'); end >= 0 && bytes.IndexByte(rest[:end], '\\') < 0 {
			return ipatlas.Registry(rest[:end])
		}
	}
	var v struct{ Registry ipatlas.Registry }
	if json.Unmarshal(r.Payload, &v) != nil {
		return ""
	}
	return v.Registry
}

// Latest picks, of each registry and IP version, the dump with the latest
// date at or before at, in ipatlas.Registries order, IPv4 first.
func Latest(dumps []ipatlas.Dump, at time.Time) []ipatlas.Dump {
	best := map[key]ipatlas.Dump{}
	for _, d := range dumps {
		k := key{d.Registry, d.IPVersion == 4}
		if b, ok := best[k]; !d.At.After(at) && (!ok || d.At.After(b.At)) {
			best[k] = d
		}
	}
	var out []ipatlas.Dump
	for _, reg := range ipatlas.Registries() {
		for _, v := range []int{4, 6} {
			if d, ok := best[key{reg, v == 4}]; ok {
				out = append(out, d)
			}
		}
	}
	return out
}
