package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

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
	path := filepath.Join(t.TempDir(), "atlas.db")
	s, _ := sqlite.Open(ctx, path, sqlite.Options{Exclusive: true})
	run, _ := s.StartRun(ctx, "", []ipatlas.Unit{{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated,
		Range: ipatlas.Range{From: mustAddr("13.0.0.0"), To: mustAddr("13.0.0.255")}}})
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
