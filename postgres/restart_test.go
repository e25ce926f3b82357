package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/pgcluster"
	"github.com/ipatlas/ipatlas/postgres"
)

// TestServerGoneIsUnavailable: while the database is down, or restarting
// under open connections, the store's errors say so (ErrUnavailable, which
// callers retry); once it is back, the same store works again.
func TestServerGoneIsUnavailable(t *testing.T) {
	t.Parallel()
	cluster := pgcluster.MustStart(t)
	ctx := context.Background()
	s, err := postgres.Open(ctx, cluster.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := crawlRun(t, s, arinNet("13.0.0.0", "13.0.0.255", "A", "A"))

	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := eventually(func() error { _, err := s.Progress(ctx, run.ID); return err }); err != nil {
		t.Fatalf("after a restart: %v", err)
	}

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Lease(ctx, run.ID, "", "w", time.Minute, 1)
	if !errors.Is(err, ipatlas.ErrUnavailable) {
		t.Fatalf("Lease with the server down: %v, want ErrUnavailable", err)
	}
	if _, err := s.Commit(ctx, []ipatlas.Answer{{Lease: ipatlas.Lease{Unit: 1, Token: 1}}}); !errors.Is(err, ipatlas.ErrUnavailable) {
		t.Fatalf("Commit with the server down: %v, want ErrUnavailable", err)
	}
	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	if err := eventually(func() error { _, _, err := s.Lease(ctx, run.ID, "", "w", time.Minute, 1); return err }); err != nil {
		t.Fatalf("after the server came back: %v", err)
	}
	// A refusal that no retry cures is not marked unavailable.
	err = s.AddCounts(ctx, run.ID+1000, []ipatlas.Counts{{Registry: ipatlas.ARIN, Queries: 1}}) // no such run
	if err == nil || errors.Is(err, ipatlas.ErrUnavailable) {
		t.Errorf("counts for a run that does not exist: %v, want an error that is not ErrUnavailable", err)
	}
}

// eventually calls op until it succeeds, allowing only ErrUnavailable on
// the way (a few connections of the pool find the server gone).
func eventually(op func() error) error {
	var err error
	for range 50 {
		if err = op(); err == nil || !errors.Is(err, ipatlas.ErrUnavailable) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
