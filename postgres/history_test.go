package postgres_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/postgres"
)

// crawlRun starts a run of two units and records the networks as the
// first one's answers, leaving it done; the second is for commitInRun.
func crawlRun(t *testing.T, s *postgres.Store, nets ...ipatlas.Network) ipatlas.Run {
	t.Helper()
	ctx := context.Background()
	unit := ipatlas.Unit{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated,
		Range: ipatlas.Range{From: netip.MustParseAddr("13.0.0.0"), To: netip.MustParseAddr("13.0.255.255")}}
	second := unit
	second.Range = ipatlas.Range{From: netip.MustParseAddr("13.1.0.0"), To: netip.MustParseAddr("13.1.255.255")}
	run, err := s.StartRun(ctx, "test", []ipatlas.Unit{unit, second})
	if err != nil {
		t.Fatal(err)
	}
	_, ls, err := s.Lease(ctx, run.ID, "", "t", time.Minute, 1)
	if err != nil || len(ls) != 1 {
		t.Fatalf("lease: %v", err)
	}
	var answers []ipatlas.Answer
	for i := range nets {
		answers = append(answers, ipatlas.Answer{Lease: ls[0], Network: &nets[i], Cursor: unit.Range.From})
	}
	answers = append(answers, ipatlas.Answer{Lease: ls[0]}) // done
	if _, err := s.Commit(ctx, answers); err != nil {
		t.Fatal(err)
	}
	return run
}

func arinNet(first, last, handle, name string) ipatlas.Network {
	return ipatlas.Network{Registry: ipatlas.ARIN, Range: ipatlas.Range{From: netip.MustParseAddr(first), To: netip.MustParseAddr(last)},
		Handle: handle, Name: name, Country: "US",
		// How the network was asked for: never part of a version.
		Source: ipatlas.Source{URL: "http://rdap.test/ip/" + first, Retrieved: time.Now()}}
}

// current lists the current versions as "handle name", in address order.
func versions(t *testing.T, conn *pgx.Conn, where string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT handle || ' ' || name FROM network_versions WHERE `+where+
		` ORDER BY start_ip, end_ip DESC, valid_from`, args...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, ", ")
}

// TestFinishedRunsBecomeVersions: each finished run is a snapshot; a
// network unchanged across runs is one version, a changed one is closed
// and opened again, a vanished one closed; an as-of query sees the past.
func TestFinishedRunsBecomeVersions(t *testing.T) {
	t.Parallel()
	s, dsn := openFresh(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	run1 := crawlRun(t, s, arinNet("13.0.0.0", "13.0.255.255", "P", "PARENT"), arinNet("13.0.1.0", "13.0.1.255", "B", "OLD"),
		arinNet("13.0.2.0", "13.0.2.255", "C", "GONE"))
	if err := s.FinishRun(ctx, run1.ID); err != nil {
		t.Fatal(err)
	}
	run2 := crawlRun(t, s, arinNet("13.0.0.0", "13.0.255.255", "P", "PARENT"), arinNet("13.0.1.0", "13.0.1.255", "B", "NEW"),
		arinNet("13.0.3.0", "13.0.3.255", "D", "ADDED"))
	for range 2 { // a second finish, by another worker, changes nothing
		if err := s.FinishRun(ctx, run2.ID); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := s.Snapshots(ctx)
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots %+v, %v; want 2", snaps, err)
	}
	if s1, s2 := snaps[0], snaps[1]; !s1.At.Equal(run1.Started) || s1.Records != 3 || s1.Added != 3 ||
		!s2.At.Equal(run2.Started) || s2.Records != 3 || s2.Added != 1 || s2.Removed != 1 || s2.Changed != 1 {
		t.Errorf("snapshots %+v, want run 1 with 3 added, run 2 with 1 added, 1 removed, 1 changed", snaps)
	}
	if got, want := versions(t, conn, "valid_to IS NULL"), "P PARENT, B NEW, D ADDED"; got != want {
		t.Errorf("current versions %q, want %q", got, want)
	}
	if got, want := versions(t, conn, "valid @> $1::timestamptz", run1.Started), "P PARENT, B OLD, C GONE"; got != want {
		t.Errorf("versions as of run 1 %q, want %q", got, want)
	}
	if got := versions(t, conn, "handle = 'P'"); got != "P PARENT" {
		t.Errorf("an unchanged network has versions %q, want one", got)
	}
	if err := s.FinishRun(ctx, run1.ID); err != nil {
		t.Errorf("finishing a finished run again: %v", err)
	}
}

// TestRetriedRunReplacesItsSnapshot: a run reopened to retry its failures
// and finished again replaces its snapshot, not adds one.
func TestRetriedRunReplacesItsSnapshot(t *testing.T) {
	t.Parallel()
	s, dsn := openFresh(t)
	ctx := context.Background()
	a := arinNet("13.0.0.0", "13.0.0.255", "A", "A")
	run1 := crawlRun(t, s, a)
	if err := s.FinishRun(ctx, run1.ID); err != nil {
		t.Fatal(err)
	}
	failed := &ipatlas.Failure{Registry: ipatlas.ARIN, Addr: netip.MustParseAddr("13.0.9.0"),
		SpanEnd: netip.MustParseAddr("13.0.9.255"), Reason: "503", Attempts: 5, At: time.Now()}
	run2 := crawlRun(t, s, a)
	commitInRun(t, s, run2, ipatlas.Answer{Failure: failed})
	if err := s.FinishRun(ctx, run2.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RetryFailures(ctx, run2.ID); err != nil || n != 1 {
		t.Fatalf("RetryFailures = %d, %v", n, err)
	}
	extra := arinNet("13.0.9.0", "13.0.9.255", "E", "EXTRA")
	commitInRun(t, s, run2, ipatlas.Answer{Network: &extra})
	if err := s.FinishRun(ctx, run2.ID); err != nil {
		t.Fatal(err)
	}
	snaps, _ := s.Snapshots(ctx)
	if len(snaps) != 2 || snaps[1].Records != 2 || snaps[1].Added != 1 || snaps[1].Changed != 0 {
		t.Fatalf("snapshots %+v, want run 2's replaced: 2 records, 1 added", snaps)
	}
	// Run 1 cannot be replaced now: run 2's snapshot follows it.
	if _, err := s.RetryFailures(ctx, run1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := postgresExec(ctx, dsn, `UPDATE runs SET finished = NULL WHERE id = $1`, run1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, run1.ID); err == nil || !strings.Contains(err.Error(), "later snapshot") {
		t.Errorf("replacing a snapshot with a later one after it: %v, want an error naming the later snapshot", err)
	}
}

// commitInRun commits answers under a lease on the run's next unit,
// leaving that unit done.
func commitInRun(t *testing.T, s *postgres.Store, run ipatlas.Run, answers ...ipatlas.Answer) {
	t.Helper()
	ctx := context.Background()
	_, ls, err := s.Lease(ctx, run.ID, "", "t", time.Minute, 1)
	if err != nil || len(ls) != 1 {
		t.Fatalf("no unit to lease in run %d: %v", run.ID, err)
	}
	for i := range answers {
		answers[i].Lease = ls[0]
	}
	if _, err := s.Commit(ctx, append(answers, ipatlas.Answer{Lease: ls[0]})); err != nil {
		t.Fatal(err)
	}
}

func postgresExec(ctx context.Context, dsn, q string, args ...any) (int64, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, q, args...)
	return tag.RowsAffected(), err
}

// TestWorkersFinishingAtOnceWriteOneSnapshot: workers that find the run
// complete at the same moment all succeed, and the history has one
// snapshot of it.
func TestWorkersFinishingAtOnceWriteOneSnapshot(t *testing.T) {
	t.Parallel()
	s, dsn := openFresh(t)
	ctx := context.Background()
	run := crawlRun(t, s, arinNet("13.0.0.0", "13.0.0.255", "A", "A"), arinNet("13.0.1.0", "13.0.1.255", "B", "B"))
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			w, err := postgres.Open(ctx, dsn)
			if err == nil {
				err = w.FinishRun(ctx, run.ID)
				w.Close()
			}
			errs <- err
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Errorf("finish at once: %v", err)
		}
	}
	snaps, err := s.Snapshots(ctx)
	if err != nil || len(snaps) != 1 || snaps[0].Added != 2 {
		t.Errorf("snapshots %+v, %v; want one with 2 networks added", snaps, err)
	}
}
