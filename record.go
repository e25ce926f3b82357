package ipatlas

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	Created  time.Time // when it was stored: added, or last replaced
	Records  int       // ranges in the snapshot
	// Against the snapshot before it in time:
	Added, Removed, Changed int
}

// networkPayload is a crawled network's record payload: the registration
// as Whip-layout fields. How the network was asked for (the query URL, the
// time of the answer) stays out, so that a network a later crawl finds
// unchanged is the same version, not a change.
type networkPayload struct {
	Registry     Registry `json:"registry"`
	Handle       string   `json:"handle,omitempty"`
	Name         string   `json:"name,omitempty"`
	Type         string   `json:"type,omitempty"`
	Status       []string `json:"status,omitempty"`
	Country      string   `json:"country,omitempty"`
	ParentHandle string   `json:"parent_handle,omitempty"`
	OriginAS     []uint32 `json:"origin_as,omitempty"`
	Events       []Event  `json:"events,omitempty"`
	Entities     []Entity `json:"entities,omitempty"`
	Remarks      []Remark `json:"remarks,omitempty"`
}

// NetworkRecord is a crawled network as a snapshot keeps it, so that
// crawled networks and loaded ranges share one history.
func NetworkRecord(n Network) (Record, error) {
	b, err := json.Marshal(networkPayload{Registry: n.Registry, Handle: n.Handle, Name: n.Name, Type: n.Type,
		Status: n.Status, Country: n.Country, ParentHandle: n.ParentHandle, OriginAS: n.OriginAS,
		Events: n.Events, Entities: n.Entities, Remarks: n.Remarks})
	if err != nil {
		return Record{}, fmt.Errorf("network %s: %w", n.Range, err)
	}
	return Record{Range: n.Range, Payload: b}, nil
}
