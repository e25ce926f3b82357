package postgres_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/pgtest"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/storetest"
)

// freshSchema is an empty schema for one test (pgtest.FreshSchema).
func freshSchema(t *testing.T) string { return pgtest.FreshSchema(t) }

// openFresh opens a store on a fresh schema, closed when the test ends,
// and returns it with the schema's DSN.
func openFresh(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	dsn := freshSchema(t)
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ipatlas.Store {
		s, _ := openFresh(t)
		return s
	})
}

// TestWorkersStartingAtOnceMigrateOnce: stores opened at the same moment
// on an empty schema all succeed, and each migration is applied once.
func TestWorkersStartingAtOnceMigrateOnce(t *testing.T) {
	t.Parallel()
	dsn := freshSchema(t)
	ctx := context.Background()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			s, err := postgres.Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("open at once: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, versions int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil || rows != versions || rows == 0 {
		t.Errorf("schema_migrations: %d rows, %d versions, %v; want each version once", rows, versions, err)
	}
}

// TestLeasesAcrossWorkersAreDisjoint: workers, each with its own
// connections, lease a run's units concurrently until none is left; every
// unit goes to exactly one of them.
func TestLeasesAcrossWorkersAreDisjoint(t *testing.T) {
	t.Parallel()
	first, dsn := openFresh(t)
	ctx := context.Background()
	var units []ipatlas.Unit
	for i := range 400 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0})
		units = append(units, ipatlas.Unit{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated,
			Range: ipatlas.Range{From: a, To: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 255})}})
	}
	run, err := first.StartRun(ctx, "fleet", units)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, len(units)*2)
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			s, err := postgres.Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for {
				us, _, err := s.Lease(ctx, run.ID, ipatlas.ARIN, fmt.Sprint("worker-", w), time.Minute, 7)
				if err != nil || len(us) == 0 {
					errs <- err
					return
				}
				for _, u := range us {
					got <- u.ID
				}
			}
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(got)
	seen := map[int64]int{}
	for id := range got {
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("unit %d leased %d times", id, n)
		}
	}
	if len(seen) != len(units) {
		t.Errorf("%d units leased, want %d", len(seen), len(units))
	}
}

// TestCommitIsAllOrNothing: a commit whose last write fails leaves none of
// its writes behind; the batch is one transaction.
func TestCommitIsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openFresh(t)
	unit := ipatlas.Unit{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated,
		Range: ipatlas.Range{From: netip.MustParseAddr("13.0.0.0"), To: netip.MustParseAddr("13.0.255.255")}}
	run, err := s.StartRun(ctx, "test", []ipatlas.Unit{unit})
	if err != nil {
		t.Fatal(err)
	}
	us, ls, err := s.Lease(ctx, run.ID, "", "w", time.Minute, 1)
	if err != nil || len(us) != 1 {
		t.Fatalf("lease: %v", err)
	}
	good := ipatlas.Network{Registry: ipatlas.ARIN, Handle: "GOOD",
		Range: ipatlas.Range{From: netip.MustParseAddr("13.0.0.0"), To: netip.MustParseAddr("13.0.0.255")}}
	bad := ipatlas.Network{Registry: ipatlas.ARIN, Handle: "BAD", // a range PostgreSQL refuses: its end before its start
		Range: ipatlas.Range{From: netip.MustParseAddr("2001:db8::"), To: netip.MustParseAddr("13.0.1.0")}}
	_, err = s.Commit(ctx, []ipatlas.Answer{
		{Lease: ls[0], Query: good.Range.From, Network: &good, Cursor: netip.MustParseAddr("13.0.1.0")},
		{Lease: ls[0], Query: netip.MustParseAddr("13.0.1.0"), Network: &bad, Cursor: netip.MustParseAddr("13.0.2.0")},
	})
	if err == nil {
		t.Fatal("a commit with a write PostgreSQL refuses succeeded")
	}
	n := 0
	s.Networks(ctx, run.ID, func(ipatlas.Network) error { n++; return nil })
	p, _ := s.Progress(ctx, run.ID)
	if n != 0 || len(p) != 1 || p[0].IPv4.Covered != 0 {
		t.Errorf("after a failed commit: %d networks, progress %+v; want nothing written", n, p)
	}
}
