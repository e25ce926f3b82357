package ipatlas

import (
	"bytes"
	"time"
)

// Record is one range of a snapshot and what is known of it: its fields as
// a JSON object (Whip's payload: registry, country, org, …), without the
// range and the datetime, which a record's place in history gives.
type Record struct {
	Range   Range
	Payload []byte // a compact JSON object
}

// Same reports whether two records are the same version: same range, same
// payload.
func (r Record) Same(o Record) bool {
	return r.Range == o.Range && bytes.Equal(r.Payload, o.Payload)
}

// CompareRecords orders records by first address, then widest first (so a
// network comes before the networks nested in it); IPv4 before IPv6.
func CompareRecords(a, b Record) int {
	if c := a.Range.From.Compare(b.Range.From); c != 0 {
		return c
	}
	return b.Range.To.Compare(a.Range.To)
}

// Snapshot is the state of the data at one moment: a finished crawl or a
// loaded file.
type Snapshot struct {
	ID       int64
	At       time.Time // when the data was true; orders the history
	Datetime string    // At as given (ISO 8601), shown in records
	Source   string    // the files loaded, or the crawl run
	Created  time.Time // when it was added
	Records  int       // ranges in the snapshot
	// Against the snapshot before it in time:
	Added, Removed, Changed int
}
