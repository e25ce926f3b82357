// Package historytest makes stored history, and its lookup index, out of
// whole states, as a store would keep them: for the tests of what reads
// history (the index, the server), so each does not redo the merging.
package historytest

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
)

// Record is the range from–to with a JSON object payload.
func Record(from, to, payload string) ipatlas.Record {
	return ipatlas.Record{Range: ipatlas.Range{From: netip.MustParseAddr(from), To: netip.MustParseAddr(to)}, Payload: []byte(payload)}
}

// Timeline merges snapshots given as whole states (in any order) into a
// stored timeline, with IDs 1, 2, … in time order.
func Timeline(t testing.TB, snapshots []history.Pending) []history.Stored {
	t.Helper()
	writes, err := history.Merge(nil, snapshots)
	if err != nil {
		t.Fatal(err)
	}
	for i := range writes {
		writes[i].Snapshot.ID = int64(i + 1)
	}
	return history.Written(nil, writes)
}

// Index builds the index of a timeline in a temporary directory and opens
// it; it is closed when the test ends (closing it earlier is harmless).
func Index(t testing.TB, timeline []history.Stored) *index.Index {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.index")
	if _, err := index.Build(path, index.FromTimeline(timeline)); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}
