package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/sqlite"
)

// openHistory opens a fresh store for history tests; closing it is the
// test's part.
func openHistory(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// snap is a snapshot on a day of January 2024 holding 10.0.i.0/24 for
// each org i.
func snap(day int, orgs ...string) history.Pending {
	at := time.Date(2024, 1, day, 0, 0, 0, 0, time.UTC)
	p := history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: at.Format("2006-01-02"), Source: fmt.Sprint("day ", day)}}
	for i, org := range orgs {
		r := ipatlas.Range{From: mustAddr(fmt.Sprintf("10.0.%d.0", i)), To: mustAddr(fmt.Sprintf("10.0.%d.255", i))}
		p.Records = append(p.Records, ipatlas.Record{Range: r, Payload: []byte(`{"org":"` + org + `"}`)})
	}
	return p
}

// TestAddSnapshotsReturnsTheHistoryAsStored: the timeline AddSnapshots
// returns, and hands to work done alongside the write, after inserting
// snapshots out of order (which rewrites a stored delta) and replacing one
// (which rewrites its record count and the delta after it), is the one the
// store reads back.
func TestAddSnapshotsReturnsTheHistoryAsStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openHistory(t)
	defer s.Close()
	replacing := snap(8, "A3")
	replacing.Replace = true
	for _, batch := range [][]history.Pending{{snap(15, "A", "C"), snap(1, "A", "B")}, {snap(8, "A2", "B", "C")}, {replacing}} {
		var beside []history.Stored
		added, got, err := s.AddSnapshots(ctx, batch, func(tl []history.Stored) error { beside = tl; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(beside, got) {
			t.Errorf("history handed alongside the write differs from the one returned")
		}
		if len(added) != len(batch) {
			t.Errorf("%d snapshots reported written, want %d", len(added), len(batch))
		}
		want, err := s.Timeline(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d snapshots returned, %d stored", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || !g.At.Equal(w.At) || !g.Created.Equal(w.Created) || g.Datetime != w.Datetime || g.Source != w.Source ||
				g.Records != w.Records || g.Added != w.Added || g.Removed != w.Removed || g.Changed != w.Changed || !reflect.DeepEqual(g.Ops, w.Ops) {
				t.Errorf("snapshot %d: returned %+v\nstored %+v", i, g, w)
			}
		}
	}
}

// TestAddSnapshotsUndoneWhenWorkAlongsideFails: an error from the work
// done alongside the write leaves the history as it was.
func TestAddSnapshotsUndoneWhenWorkAlongsideFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openHistory(t)
	defer s.Close()
	boom := errors.New("index failed")
	if _, _, err := s.AddSnapshots(ctx, []history.Pending{snap(1, "A")}, func([]history.Stored) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("AddSnapshots = %v, want the error from alongside", err)
	}
	if got, err := s.Snapshots(ctx); err != nil || len(got) != 0 {
		t.Errorf("after a failed add: %d snapshots, %v; want none", len(got), err)
	}
}
