// Package storetest is one test suite for every ipatlas.Store, so the
// embedded and the fleet stores can never drift apart: each implementation's
// tests call Run with a function that opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Run runs every case against stores made by open.
func Run(t *testing.T, open func(t *testing.T) ipatlas.Store) {
	cases := map[string]func(*testing.T, ipatlas.Store){
		"RunsAndUnits":                     testRunsAndUnits,
		"LeaseIsExclusive":                 testLeaseIsExclusive,
		"LeaseManyInOrder":                 testLeaseManyInOrder,
		"CommitMovesTheCursor":             testCommitMovesTheCursor,
		"StaleLeaseIsRefused":              testStaleLeaseIsRefused,
		"NetworksAreDeduped":               testNetworksAreDeduped,
		"CoveringFindsNested":              testCoveringFindsNested,
		"NetworksInOrder":                  testNetworksInOrder,
		"FailuresAndRetry":                 testFailuresAndRetry,
		"ProgressCountsEachRIR":            testProgress,
		"CountsAddUp":                      testCountsAddUp,
		"SpillsAreCounted":                 testSpillsAreCounted,
		"ContiguousFailuresRetryAsOneUnit": testContiguousFailuresRetryAsOneUnit,
		"BacklogCountsWhatIsLeft":          testBacklog,
		"HeartbeatsShareBudgets":           testHeartbeatsShareBudgets,
		"WorkersAreListed":                 testWorkersAreListed,
		"UnitsKeepOrderAndDigest":          testUnitsKeepOrderAndDigest,
		"CarryOverCopiesAUnitsNetworks":    testCarryOver,
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

func ctx() context.Context { return context.Background() }

func rng(a, b string) ipatlas.Range {
	return ipatlas.Range{From: netip.MustParseAddr(a), To: netip.MustParseAddr(b)}
}

func unit(reg ipatlas.Registry, a, b string) ipatlas.Unit {
	return ipatlas.Unit{Registry: reg, Kind: ipatlas.UnitDelegated, Range: rng(a, b)}
}

func network(reg ipatlas.Registry, a, b, handle string) *ipatlas.Network {
	return &ipatlas.Network{Registry: reg, Range: rng(a, b), Handle: handle, Name: "NET-" + handle,
		Entities: []ipatlas.Entity{{Handle: "ORG-" + handle, Roles: []string{"registrant"}}}}
}

// start makes a run with the given units and fails the test on error.
func start(t *testing.T, s ipatlas.Store, units ...ipatlas.Unit) ipatlas.Run {
	t.Helper()
	run, err := s.StartRun(ctx(), "test", units)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func lease(t *testing.T, s ipatlas.Store, run ipatlas.Run, reg ipatlas.Registry) (ipatlas.Unit, ipatlas.Lease) {
	t.Helper()
	us, ls, err := s.Lease(ctx(), run.ID, reg, "tester", time.Minute, 1)
	if err != nil || len(us) != 1 || len(ls) != 1 {
		t.Fatalf("lease: %d units, err=%v", len(us), err)
	}
	return us[0], ls[0]
}

// leaseOne reports whether any unit could be leased.
func leaseOne(s ipatlas.Store, run int64, reg ipatlas.Registry, ttl time.Duration) (ipatlas.Lease, bool) {
	_, ls, err := s.Lease(ctx(), run, reg, "other", ttl, 1)
	if err != nil || len(ls) == 0 {
		return ipatlas.Lease{}, false
	}
	return ls[0], true
}

func commit(t *testing.T, s ipatlas.Store, answers ...ipatlas.Answer) []int {
	t.Helper()
	stale, err := s.Commit(ctx(), answers)
	if err != nil {
		t.Fatal(err)
	}
	return stale
}

func testRunsAndUnits(t *testing.T, s ipatlas.Store) {
	if _, err := s.LatestRun(ctx()); !errors.Is(err, ipatlas.ErrNotFound) {
		t.Fatalf("empty store: LatestRun = %v, want ErrNotFound", err)
	}
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.255.255"))
	got, err := s.LatestRun(ctx())
	if err != nil || got.ID != run.ID || !got.Finished.IsZero() || got.Params != "test" {
		t.Fatalf("LatestRun = %+v, %v", got, err)
	}
	if err := s.FinishRun(ctx(), run.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LatestRun(ctx()); got.Finished.IsZero() {
		t.Errorf("run not finished after FinishRun")
	}
	run2 := start(t, s)
	if got, _ := s.LatestRun(ctx()); got.ID != run2.ID {
		t.Errorf("LatestRun = %d, want the newer run %d", got.ID, run2.ID)
	}
}

func testLeaseManyInOrder(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.2.0", "13.0.2.255"), unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255"),
		unit(ipatlas.RIPENCC, "62.0.0.0", "62.0.0.255"), unit(ipatlas.ARIN, "13.0.1.0", "13.0.1.255"))
	us, ls, err := s.Lease(ctx(), run.ID, ipatlas.ARIN, "w", time.Minute, 10)
	if err != nil || len(us) != 3 || len(ls) != 3 {
		t.Fatalf("leased %d units, %v; want ARIN's 3", len(us), err)
	}
	for i := range us {
		if us[i].Registry != ipatlas.ARIN || ls[i].Unit != us[i].ID || (i > 0 && us[i].ID < us[i-1].ID) {
			t.Fatalf("units %+v leases %+v: want ARIN's, in plan order, each with its lease", us, ls)
		}
	}
}

func testLeaseIsExclusive(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255"), unit(ipatlas.RIPENCC, "62.0.0.0", "62.0.0.255"))
	u1, _ := lease(t, s, run, ipatlas.ARIN)
	if u1.Registry != ipatlas.ARIN || u1.Cursor != u1.Range.From {
		t.Fatalf("leased %+v", u1)
	}
	if _, ok := leaseOne(s, run.ID, ipatlas.ARIN, time.Minute); ok {
		t.Fatal("the same unit was leased twice")
	}
	u2, _ := lease(t, s, run, "")
	if u2.ID == u1.ID || u2.Registry != ipatlas.RIPENCC {
		t.Fatalf("second lease = %+v", u2)
	}
}

func testCommitMovesTheCursor(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.3.255"))
	u, l := lease(t, s, run, ipatlas.ARIN)
	next := netip.MustParseAddr("13.0.1.0")
	commit(t, s, ipatlas.Answer{Lease: l, Query: u.Cursor, Network: network(ipatlas.ARIN, "13.0.0.0", "13.0.0.255", "A"), Cursor: next})
	// A crash now: the next process releases the lease and resumes at the cursor.
	if _, err := s.Renew(ctx(), l, time.Minute); err != nil {
		t.Fatalf("renew a current lease: %v", err)
	}
	p, _ := s.Progress(ctx(), run.ID)
	if len(p) != 1 || p[0].Networks != 1 || p[0].UnitsDone != 0 || p[0].IPv4.Covered != 256 {
		t.Fatalf("progress after one answer: %+v", p)
	}
	commit(t, s, ipatlas.Answer{Lease: l, Query: next, Network: network(ipatlas.ARIN, "13.0.1.0", "13.0.3.255", "B")})
	if _, ok := leaseOne(s, run.ID, "", time.Minute); ok {
		t.Error("a done unit was leased again")
	}
	p, _ = s.Progress(ctx(), run.ID)
	if p[0].UnitsDone != 1 || p[0].IPv4.Covered != 1024 || p[0].IPv4.Percent() != 100 || p[0].Networks != 2 {
		t.Errorf("progress when done: %+v", p)
	}
}

func testStaleLeaseIsRefused(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.LACNIC, "200.0.0.0", "200.0.0.255"))
	old, ok := leaseOne(s, run.ID, "", time.Nanosecond)
	if !ok {
		t.Fatal("no lease")
	}
	time.Sleep(time.Millisecond)
	_, fresh := lease(t, s, run, "") // the first lease expired: taken over
	if fresh.Token <= old.Token {
		t.Fatalf("takeover token %d not above %d", fresh.Token, old.Token)
	}
	stale := commit(t, s, ipatlas.Answer{Lease: old, Network: network(ipatlas.LACNIC, "200.0.0.0", "200.0.0.255", "X")})
	if len(stale) != 1 {
		t.Fatalf("stale answer accepted: %v", stale)
	}
	if _, err := s.Renew(ctx(), old, time.Minute); !errors.Is(err, ipatlas.ErrStaleLease) {
		t.Errorf("Renew(stale) = %v, want ErrStaleLease", err)
	}
	n := 0
	s.Networks(ctx(), run.ID, func(ipatlas.Network) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d networks written by a stale lease", n)
	}
}

func testNetworksAreDeduped(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.APNIC, "1.0.0.0", "1.0.0.127"), unit(ipatlas.APNIC, "1.0.0.128", "1.0.0.255"))
	_, l1 := lease(t, s, run, "")
	_, l2 := lease(t, s, run, "")
	big := network(ipatlas.APNIC, "1.0.0.0", "1.0.0.255", "BIG")
	commit(t, s, ipatlas.Answer{Lease: l1, Network: big}, ipatlas.Answer{Lease: l2, Network: big})
	n := 0
	s.Networks(ctx(), run.ID, func(ipatlas.Network) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d rows for one network recorded twice, want 1", n)
	}
}

func testSpillsAreCounted(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.127"), unit(ipatlas.ARIN, "13.0.0.128", "13.0.0.255"))
	_, l := lease(t, s, run, "")
	commit(t, s, ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "13.0.0.0", "13.0.0.63", "IN"), Cursor: netip.MustParseAddr("13.0.0.64")})
	if r, _ := s.LatestRun(ctx()); r.Spills != 0 {
		t.Fatalf("a network inside its unit counted as a spill: %d", r.Spills)
	}
	commit(t, s, ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "13.0.0.0", "13.0.0.255", "WIDE")})
	if r, _ := s.LatestRun(ctx()); r.Spills != 1 {
		t.Errorf("a network reaching past its unit: %d spills, want 1", r.Spills)
	}
}

func testCoveringFindsNested(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.RIPENCC, "62.0.0.0", "62.0.255.255"))
	_, l := lease(t, s, run, "")
	commit(t, s,
		ipatlas.Answer{Lease: l, Network: network(ipatlas.RIPENCC, "62.0.0.0", "62.0.255.255", "P"), Cursor: netip.MustParseAddr("62.0.0.0")},
		ipatlas.Answer{Lease: l, Network: network(ipatlas.RIPENCC, "62.0.1.0", "62.0.1.255", "C"), Cursor: netip.MustParseAddr("62.0.0.0")})
	cases := map[string]string{"62.0.1.7": "62.0.1.0 - 62.0.1.255", "62.0.2.0": "62.0.0.0 - 62.0.255.255", "62.0.0.0": "62.0.0.0 - 62.0.255.255"}
	for a, want := range cases {
		got, ok, err := s.Covering(ctx(), run.ID, netip.MustParseAddr(a))
		if err != nil || !ok || got.String() != want {
			t.Errorf("Covering(%s) = %v %v %v, want %s", a, got, ok, err, want)
		}
	}
	if _, ok, _ := s.Covering(ctx(), run.ID, netip.MustParseAddr("62.1.0.0")); ok {
		t.Error("Covering found a network for an address outside every network")
	}
	if _, ok, _ := s.Covering(ctx(), run.ID, netip.MustParseAddr("2001:db8::")); ok {
		t.Error("Covering mixed IP versions")
	}
}

func testNetworksInOrder(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.255.255.255"))
	_, l := lease(t, s, run, "")
	cur := netip.MustParseAddr("13.0.0.0")
	commit(t, s,
		ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "2600::", "2600::ffff", "V6"), Cursor: cur},
		ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "13.1.0.0", "13.1.0.255", "C2"), Cursor: cur},
		ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "13.0.0.0", "13.255.255.255", "P"), Cursor: cur},
		ipatlas.Answer{Lease: l, Network: network(ipatlas.ARIN, "13.0.0.0", "13.0.0.255", "C1"), Cursor: cur})
	var got []string
	if err := s.Networks(ctx(), run.ID, func(n ipatlas.Network) error { got = append(got, n.Handle); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{"P", "C1", "C2", "V6"}
	if len(got) != len(want) {
		t.Fatalf("networks %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("networks %v, want %v", got, want)
		}
	}
}

func testFailuresAndRetry(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.AFRINIC, "41.0.0.0", "41.0.255.255"))
	_, l := lease(t, s, run, "")
	f := &ipatlas.Failure{Registry: ipatlas.AFRINIC, Addr: netip.MustParseAddr("41.0.0.0"),
		SpanEnd: netip.MustParseAddr("41.0.255.255"), Reason: "503 Service Unavailable", Attempts: 5, At: time.Now()}
	commit(t, s, ipatlas.Answer{Lease: l, Query: f.Addr, Failure: f})
	s.FinishRun(ctx(), run.ID)
	fs, err := s.Failures(ctx(), run.ID)
	if err != nil || len(fs) != 1 || fs[0].Reason != f.Reason || fs[0].SpanEnd != f.SpanEnd || fs[0].Attempts != 5 {
		t.Fatalf("failures = %+v, %v", fs, err)
	}
	n, err := s.RetryFailures(ctx(), run.ID)
	if err != nil || n != 1 {
		t.Fatalf("RetryFailures = %d, %v", n, err)
	}
	if r, _ := s.LatestRun(ctx()); !r.Finished.IsZero() {
		t.Error("run still finished after RetryFailures")
	}
	u, _ := lease(t, s, run, "")
	if u.Range.From != f.Addr || u.Range.To != f.SpanEnd || u.Cursor != f.Addr {
		t.Errorf("retry unit %+v, want the failed span", u)
	}
	if fs, _ := s.Failures(ctx(), run.ID); len(fs) != 0 {
		t.Errorf("failures still listed after retry: %+v", fs)
	}
}

func testContiguousFailuresRetryAsOneUnit(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.AFRINIC, "41.0.0.0", "41.0.255.255"))
	_, l := lease(t, s, run, "")
	fail := func(a, b string) ipatlas.Answer {
		f := &ipatlas.Failure{Registry: ipatlas.AFRINIC, Addr: netip.MustParseAddr(a), SpanEnd: netip.MustParseAddr(b),
			Reason: "503", Attempts: 1, At: time.Now()}
		return ipatlas.Answer{Lease: l, Query: f.Addr, Failure: f, Cursor: netip.MustParseAddr(b).Next()}
	}
	commit(t, s, fail("41.0.0.0", "41.0.0.255"), fail("41.0.1.0", "41.0.2.255"), fail("41.0.8.0", "41.0.8.255"))
	if n, err := s.RetryFailures(ctx(), run.ID); err != nil || n != 3 {
		t.Fatalf("RetryFailures = %d, %v; want the 3 failures", n, err)
	}
	var got []string
	for {
		us, _, err := s.Lease(ctx(), run.ID, "", "w", time.Minute, 10)
		if err != nil || len(us) == 0 {
			break
		}
		for _, u := range us {
			got = append(got, u.Range.String())
		}
	}
	want := "41.0.0.0 - 41.0.2.255;41.0.8.0 - 41.0.8.255"
	if strings.Join(got, ";") != want {
		t.Errorf("retry units %v, want %s", got, want)
	}
}

func testCountsAddUp(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255"))
	add := []ipatlas.Counts{{Registry: ipatlas.ARIN, Queries: 10, Answers: 8, NotFound: 1, Throttled: 1, Waited: time.Second}}
	for range 2 { // two processes, or one restarted
		if err := s.AddCounts(ctx(), run.ID, add); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Progress(ctx(), run.ID)
	if err != nil || len(p) != 1 {
		t.Fatalf("progress %+v, %v", p, err)
	}
	c := p[0].Counts
	if c.Queries != 20 || c.Answers != 16 || c.NotFound != 2 || c.Throttled != 2 || c.Waited != 2*time.Second {
		t.Errorf("counts %+v, want the two deltas added", c)
	}
}

func testProgress(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255"), unit(ipatlas.LACNIC, "200.0.0.0", "200.0.1.255"),
		unit(ipatlas.LACNIC, "2800::", "2800::ff"))
	p, err := s.Progress(ctx(), run.ID)
	if err != nil || len(p) != 2 {
		t.Fatalf("progress %+v, %v", p, err)
	}
	if p[0].Registry != ipatlas.ARIN || p[0].Units != 1 || p[0].IPv4.Addresses != 256 || p[0].IPv6.Percent() != 100 ||
		p[1].Registry != ipatlas.LACNIC || p[1].Units != 2 || p[1].IPv4.Addresses != 512 || p[1].IPv6.Addresses != 256 ||
		p[1].IPv4.Covered != 0 || p[1].IPv6.Covered != 0 {
		t.Errorf("progress %+v", p)
	}
}

func testBacklog(t *testing.T, s ipatlas.Store) {
	run := start(t, s, unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255"), unit(ipatlas.ARIN, "13.0.1.0", "13.0.1.255"),
		unit(ipatlas.RIPENCC, "62.0.0.0", "62.0.0.255"))
	backlog := func(reg ipatlas.Registry) ipatlas.Backlog {
		t.Helper()
		b, err := s.Backlog(ctx(), run.ID, reg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := backlog(ipatlas.ARIN); b.Pending != 2 || b.Leased != 0 || !b.NextExpiry.IsZero() {
		t.Fatalf("ARIN backlog before any lease: %+v", b)
	}
	_, l := lease(t, s, run, ipatlas.ARIN)
	b := backlog(ipatlas.ARIN)
	if b.Pending != 1 || b.Leased != 1 || b.Left() != 2 {
		t.Fatalf("ARIN backlog with one lease: %+v", b)
	}
	if d := b.NextExpiry.Sub(l.Expires); d < -time.Second || d > time.Second {
		t.Errorf("next expiry %v, want the lease's %v", b.NextExpiry, l.Expires)
	}
	commit(t, s, ipatlas.Answer{Lease: l, Query: netip.MustParseAddr("13.0.0.0")}) // the unit is done
	if b := backlog(ipatlas.ARIN); b.Pending != 1 || b.Leased != 0 {
		t.Errorf("ARIN backlog after one unit is done: %+v", b)
	}
	if b := backlog(""); b.Pending != 2 || b.Left() != 2 {
		t.Errorf("backlog of every registry: %+v, want ARIN's and RIPE NCC's pending units", b)
	}
}

func worker(id, budget string) ipatlas.Worker {
	return ipatlas.Worker{ID: id, Host: "h", Budget: budget, Run: 1, Started: time.Now().UTC().Truncate(time.Millisecond)}
}

func heartbeat(t *testing.T, s ipatlas.Store, w ipatlas.Worker, alive time.Duration) int {
	t.Helper()
	n, err := s.Heartbeat(ctx(), w, alive)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testHeartbeatsShareBudgets(t *testing.T, s ipatlas.Store) {
	a1, a2, b1 := worker("a1", "127.0.0.2"), worker("a2", "127.0.0.2"), worker("b1", "127.0.0.3")
	if n := heartbeat(t, s, a1, time.Minute); n != 1 {
		t.Fatalf("first worker of a budget shares it with %d", n)
	}
	if n := heartbeat(t, s, a2, time.Minute); n != 2 {
		t.Fatalf("second worker of a budget: %d sharing, want 2", n)
	}
	if n := heartbeat(t, s, b1, time.Minute); n != 1 {
		t.Fatalf("a worker of another budget: %d sharing, want 1", n)
	}
	a2.Stopped = time.Now()
	heartbeat(t, s, a2, time.Minute)
	if n := heartbeat(t, s, a1, time.Minute); n != 1 {
		t.Errorf("after the other worker stopped: %d sharing, want 1", n)
	}
	a2.Stopped = time.Time{}
	heartbeat(t, s, a2, time.Minute) // running again, then silent: it died
	time.Sleep(50 * time.Millisecond)
	if n := heartbeat(t, s, a1, 20*time.Millisecond); n != 1 {
		t.Errorf("a worker silent for longer than the alive window still counts: %d sharing, want 1", n)
	}
}

func testWorkersAreListed(t *testing.T, s ipatlas.Store) {
	w := worker("w1", "h")
	w.Source = "127.0.0.9"
	w.Counts = []ipatlas.Counts{{Registry: ipatlas.LACNIC, Queries: 7, Answers: 5, Throttled: 1, Waited: time.Second}}
	w.Rates = map[ipatlas.Registry]float64{ipatlas.LACNIC: 0.5}
	heartbeat(t, s, worker("w0", "h"), time.Minute)
	time.Sleep(5 * time.Millisecond)
	before := time.Now().Add(-time.Second)
	heartbeat(t, s, w, time.Minute)
	ws, err := s.Workers(ctx())
	if err != nil || len(ws) != 2 {
		t.Fatalf("workers %+v, %v; want 2", ws, err)
	}
	got := ws[0]
	if got.ID != "w1" || got.Source != "127.0.0.9" || got.Budget != "h" || got.Run != 1 || !got.Started.Equal(w.Started) ||
		got.Seen.Before(before) || !got.Stopped.IsZero() {
		t.Errorf("most recently seen worker %+v, want w1 as reported", got)
	}
	if len(got.Counts) != 1 || got.Counts[0] != w.Counts[0] || got.Rates[ipatlas.LACNIC] != 0.5 {
		t.Errorf("worker counts %+v rates %v, want them as reported", got.Counts, got.Rates)
	}
}

// testUnitsKeepOrderAndDigest: units come back in the order they were
// planned (the order they are leased in), whatever their addresses, with
// their digests.
func testUnitsKeepOrderAndDigest(t *testing.T, s ipatlas.Store) {
	second, first := unit(ipatlas.RIPENCC, "62.0.0.0", "62.0.0.255"), unit(ipatlas.ARIN, "13.0.0.0", "13.0.0.255")
	second.Digest = "GB|20080814|allocated|x"
	run := start(t, s, second, first)
	us, err := s.Units(ctx(), run.ID)
	if err != nil || len(us) != 2 {
		t.Fatalf("Units = %v, %v", us, err)
	}
	if us[0].Range != second.Range || us[0].Digest != second.Digest || us[1].Range != first.Range || us[1].Digest != "" {
		t.Errorf("Units = %+v, want 62.0.0.0 (with its digest) then 13.0.0.0", us)
	}
	if u, _ := lease(t, s, run, ""); u.Range != second.Range {
		t.Errorf("leased %s first, want the unit planned first", u.Range)
	}
}

// testCarryOver: a refresh copies an old run's networks inside a unit into
// the new run and marks that unit done; other units are untouched.
func testCarryOver(t *testing.T, s ipatlas.Store) {
	old := start(t, s, unit(ipatlas.APNIC, "1.0.0.0", "1.0.0.255"), unit(ipatlas.APNIC, "1.0.1.0", "1.0.1.255"))
	_, l1 := lease(t, s, old, "")
	_, l2 := lease(t, s, old, "")
	commit(t, s, ipatlas.Answer{Lease: l1, Network: network(ipatlas.APNIC, "1.0.0.0", "1.0.0.255", "A")},
		ipatlas.Answer{Lease: l1, Network: network(ipatlas.APNIC, "1.0.0.0", "1.0.0.127", "A1")},
		ipatlas.Answer{Lease: l2, Network: network(ipatlas.APNIC, "1.0.1.0", "1.0.1.255", "B")})
	next := start(t, s, unit(ipatlas.APNIC, "1.0.0.0", "1.0.0.255"), unit(ipatlas.APNIC, "1.0.1.0", "1.0.1.255"))
	us, err := s.Units(ctx(), next.ID)
	if err != nil || len(us) != 2 {
		t.Fatalf("Units = %v, %v", us, err)
	}
	n, err := s.CarryOver(ctx(), old.ID, next.ID, []int64{us[0].ID})
	if err != nil || n != 2 {
		t.Fatalf("CarryOver = %d, %v; want the unit's 2 networks", n, err)
	}
	var got []string
	s.Networks(ctx(), next.ID, func(n ipatlas.Network) error { got = append(got, n.Handle+" "+n.Entities[0].Handle); return nil })
	if strings.Join(got, ",") != "A ORG-A,A1 ORG-A1" {
		t.Errorf("new run's networks %v, want A and A1 with their entities", got)
	}
	if b, err := s.Backlog(ctx(), next.ID, ""); err != nil || b.Pending != 1 {
		t.Errorf("Backlog = %+v, %v: want the carried unit done and the other pending", b, err)
	}
	if u, _ := lease(t, s, next, ""); u.Range != us[1].Range {
		t.Errorf("leased %s, want the unit not carried over", u.Range)
	}
}
