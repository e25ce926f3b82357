package sqlite_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ipatlas.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "atlas.db"), sqlite.Options{Exclusive: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestExclusiveOpenLocksOutASecondCrawl(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "atlas.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := sqlite.Open(context.Background(), path, sqlite.Options{Exclusive: true}); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("second exclusive open: %v, want ErrLocked", err)
	}
	r, err := sqlite.Open(context.Background(), path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("a reader beside the crawl: %v", err)
	}
	r.Close()
}

func TestReadOnlyOpenOfMissingFileFails(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.db")
	if _, err := sqlite.Open(context.Background(), path, sqlite.Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing database succeeded")
	}
}

func TestLeasesOfACrashedProcessAreReleased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path, run := openWithUnit(t)
	if us, _, _ := s.Lease(ctx, run.ID, "", "crashed", 1<<62, 1); len(us) != 1 {
		t.Fatal("no lease")
	}
	s.Close() // as if the process died holding the lease
	s2, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if us, _, err := s2.Lease(ctx, run.ID, "", "next", 1<<62, 1); len(us) != 1 || err != nil {
		t.Fatalf("unit still held after reopening: %d units, %v", len(us), err)
	}
}

func TestRawAnswersAreKeptCompressed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path, run := openWithUnit(t)
	r := arinUnit.Range
	_, ls, _ := s.Lease(ctx, run.ID, "", "w", time.Minute, 1)
	raw := []byte(strings.Repeat(`{"handle":"NET-13-0-0-0-1"}`, 50))
	if _, err := s.Commit(ctx, []ipatlas.Answer{{Lease: ls[0], Network: &ipatlas.Network{Registry: ipatlas.ARIN, Range: r, Handle: "N"}, Raw: raw}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var body []byte
	if err := db.QueryRow(`SELECT body FROM answers`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, raw) || len(body) >= len(raw) {
		t.Errorf("stored %d bytes decompressing to %d; want the %d-byte answer, compressed", len(body), len(got), len(raw))
	}
}

// TestLogIsCheckpointedInTheBackground: with SQLite's automatic checkpoint
// off, committed pages reach the database file only through the
// background checkpointer; the file must grow while the store stays open.
func TestLogIsCheckpointedInTheBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "atlas.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true, CheckpointEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := fileSize(t, path)
	var units []ipatlas.Unit
	for i := range 2000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
		units = append(units, ipatlas.Unit{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated, Range: ipatlas.Range{From: a, To: a}})
	}
	if _, err := s.StartRun(ctx, "test", units); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); fileSize(t, path) <= before; {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after 10 s: nothing was checkpointed", before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCommitOfALeaseTakenElsewhere: a store keeps the bounds of the units
// it leased in memory; an answer for a unit another store (process)
// leased must still find its run and end, so spills are still counted.
func TestCommitOfALeaseTakenElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "atlas.db")
	leaser, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer leaser.Close()
	writer, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	unit := ipatlas.Range{From: mustAddr("13.0.0.0"), To: mustAddr("13.0.0.127")}
	run, _ := leaser.StartRun(ctx, "", []ipatlas.Unit{{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated, Range: unit}})
	_, ls, err := leaser.Lease(ctx, run.ID, "", "w", time.Minute, 1)
	if err != nil || len(ls) != 1 {
		t.Fatalf("Lease = %v, %v", ls, err)
	}
	wide := ipatlas.Range{From: mustAddr("13.0.0.0"), To: mustAddr("13.0.0.255")}
	stale, err := writer.Commit(ctx, []ipatlas.Answer{{Lease: ls[0], Network: &ipatlas.Network{Registry: ipatlas.ARIN, Range: wide, Handle: "WIDE"}}})
	if err != nil || len(stale) != 0 {
		t.Fatalf("Commit = %v, %v", stale, err)
	}
	got, err := writer.LatestRun(ctx)
	if err != nil || got.ID != run.ID || got.Spills != 1 {
		t.Errorf("LatestRun = run %d with %d spills (%v), want run %d with 1", got.ID, got.Spills, err, run.ID)
	}
	n := 0
	writer.Networks(ctx, run.ID, func(ipatlas.Network) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d networks in run %d, want 1", n, run.ID)
	}
}

func TestReadOnlyStoreRefusesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path, run := openWithUnit(t)
	s.Close()
	r, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, err := r.Lease(ctx, run.ID, ipatlas.ARIN, "w", time.Minute, 1); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("Lease on a read-only store: %v, want ErrReadOnly", err)
	}
	if _, err := r.Commit(ctx, []ipatlas.Answer{{Lease: ipatlas.Lease{Unit: 1, Token: 1}}}); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("Commit on a read-only store: %v, want ErrReadOnly", err)
	}
	if _, err := r.Renew(ctx, ipatlas.Lease{Unit: 1, Token: 1}, time.Minute); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("Renew on a read-only store: %v, want ErrReadOnly", err)
	}
	if err := r.FinishRun(ctx, run.ID); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("FinishRun on a read-only store: %v, want ErrReadOnly", err)
	}
	if _, _, err := r.AddSnapshots(ctx, nil, nil); !errors.Is(err, sqlite.ErrReadOnly) {
		t.Errorf("AddSnapshots on a read-only store: %v, want ErrReadOnly", err)
	}
}

// TestReadOnlyOpenOfAnOlderDatabase: a database from before workers
// reported, opened read-only (so its schema is not brought up to date),
// still answers what status asks: its units left, and no workers.
func TestReadOnlyOpenOfAnOlderDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path, run := openWithUnit(t)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE workers; UPDATE schema_version SET version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ws, err := r.Workers(ctx); err != nil || len(ws) != 0 {
		t.Errorf("workers of an older database: %v, %v; want none", ws, err)
	}
	if b, err := r.Backlog(ctx, run.ID, ""); err != nil || b.Pending != 1 {
		t.Errorf("backlog of an older database: %+v, %v; want its one pending unit", b, err)
	}
}
