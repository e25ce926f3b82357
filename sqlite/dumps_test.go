package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// TestAddDumpStoresTheSnapshotAndTheDumps: build sees the history as
// stored; the snapshot and its dumps are written together, a dump loaded
// again keeps its first loading time, and a failed build writes neither.
func TestAddDumpStoresTheSnapshotAndTheDumps(t *testing.T) {
	t.Parallel()
	s := openHistory(t)
	defer s.Close()
	ctx := context.Background()
	if _, _, err := s.AddSnapshots(ctx, []history.Pending{snap(1, "A")}, nil); err != nil {
		t.Fatal(err)
	}
	d := snap(2, "A", "B")
	dumps := []ipatlas.Dump{{Registry: ipatlas.RIPENCC, IPVersion: 4, At: d.At, Datetime: d.Datetime, Source: "dump ripe.db.inetnum.gz", Networks: 2}}
	seen := 0
	build := func(stored []history.Stored) (history.Pending, error) {
		seen = len(stored)
		return d, nil
	}
	added, _, err := s.AddDump(ctx, build, dumps, nil)
	if err != nil || seen != 1 || len(added) != 1 || added[0].Added != 1 {
		t.Fatalf("AddDump: %v; build saw %d snapshots; added %+v", err, seen, added)
	}
	first, err := s.Dumps(ctx)
	if err != nil || len(first) != 1 || first[0].Networks != 2 || !first[0].At.Equal(d.At) || first[0].Loaded.IsZero() {
		t.Fatalf("Dumps = %+v, %v", first, err)
	}
	if added, _, err := s.AddDump(ctx, build, dumps, nil); err != nil || len(added) != 0 {
		t.Fatalf("the same dump again: %v, added %+v", err, added)
	}
	if again, _ := s.Dumps(ctx); len(again) != 1 || !again[0].Loaded.Equal(first[0].Loaded) {
		t.Errorf("after loading again: %+v, want the first loading time %s", again, first[0].Loaded)
	}
	bad := errors.New("bad dump")
	later := append([]ipatlas.Dump(nil), dumps...)
	later[0].At = later[0].At.Add(24 * time.Hour)
	if _, _, err := s.AddDump(ctx, func([]history.Stored) (history.Pending, error) { return snap(3, "C"), bad }, later, nil); !errors.Is(err, bad) {
		t.Fatalf("a failed build: %v", err)
	}
	if snaps, _ := s.Snapshots(ctx); len(snaps) != 2 {
		t.Errorf("%d snapshots after a failed build, want 2", len(snaps))
	}
	if all, _ := s.Dumps(ctx); len(all) != 1 {
		t.Errorf("%d dumps after a failed build, want 1", len(all))
	}
}
