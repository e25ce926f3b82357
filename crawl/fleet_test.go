package crawl_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/regsim"
)

// slowServer is a simulator config where every answer takes a while, so
// walks last long enough for leases to be renewed, lost and shared.
func slowServer(latency time.Duration) regsim.ServerConfig {
	sc := regsim.ServerConfig{CountQueries: true, Faults: map[ipatlas.Registry]regsim.Faults{}}
	for _, r := range ipatlas.Registries() {
		sc.Faults[r] = regsim.Faults{Latency: latency}
	}
	return sc
}

func mustComplete(t *testing.T, e *env, cr *crawl.Crawler) {
	t.Helper()
	complete, err := cr.Run(context.Background(), e.run.ID)
	if err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	if report, _ := e.check(t); !report.OK() {
		t.Fatal(report)
	}
}

// TestTakesOverExpiredLeases: a worker that leased every unit and died
// holds the run up only until its leases expire; then another finishes it.
func TestTakesOverExpiredLeases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 3), regsim.ServerConfig{})
	dead, _, err := e.store.Lease(context.Background(), e.run.ID, "", "dead-worker", 300*time.Millisecond, len(e.plan.Units))
	if err != nil || len(dead) != len(e.plan.Units) {
		t.Fatalf("the dead worker leased %d of %d units: %v", len(dead), len(e.plan.Units), err)
	}
	cr := e.crawler(t, crawl.Config{Concurrency: 4, Poll: time.Second})
	mustComplete(t, e, cr)
	taken := int64(0)
	for _, c := range cr.Counters() {
		taken += c.LeasesTaken
	}
	if taken != int64(len(e.plan.Units)) {
		t.Errorf("took %d leases, want every one of the %d units the dead worker held", taken, len(e.plan.Units))
	}
}

// thief is a store whose first renewal of each unit finds that another
// worker took the unit over.
type thief struct {
	ipatlas.Store
	mu     sync.Mutex
	stolen map[int64]bool
}

func (s *thief) Renew(ctx context.Context, l ipatlas.Lease, ttl time.Duration) (ipatlas.Lease, error) {
	s.mu.Lock()
	first := !s.stolen[l.Unit]
	s.stolen[l.Unit] = true
	s.mu.Unlock()
	if first {
		return l, fmt.Errorf("renew unit %d: %w", l.Unit, ipatlas.ErrStaleLease)
	}
	return s.Store.Renew(ctx, l, ttl)
}

// TestLostLeaseStopsTheWalk: a walk whose lease is found lost stops at
// once; the unit is walked again from its committed cursor, asking again
// only what was in flight.
func TestLostLeaseStopsTheWalk(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 4), slowServer(10*time.Millisecond))
	store := &thief{Store: e.store, stolen: map[int64]bool{}}
	cr := e.crawlerOn(t, store, crawl.Config{Concurrency: 4, LeaseTTL: 120 * time.Millisecond, Poll: 100 * time.Millisecond})
	mustComplete(t, e, cr)
	lost := int64(0)
	for _, c := range cr.Counters() {
		lost += c.LeasesLost
	}
	if lost == 0 {
		t.Fatal("no lease was lost: the walks ended before any renewal; slow the simulator down")
	}
	// A lost walk's question in flight and the answer it was committing.
	if r := e.srv.Repeats(); r > 2*int(lost) {
		t.Errorf("%d queries asked again after %d lost leases, more than the %d in flight", r, lost, 2*lost)
	}
	t.Logf("%d leases lost, %d queries asked again", lost, e.srv.Repeats())
}

// outage is a store that is out of reach while down is set; a commit in
// an outage may land before the connection drops (the caller cannot tell).
type outage struct {
	ipatlas.Store
	down   atomic.Bool
	calls  atomic.Int64
	landed atomic.Int64 // commits that landed but were reported as failed
}

var errDown = fmt.Errorf("connection refused: %w", ipatlas.ErrUnavailable)

func (s *outage) fail() bool {
	s.calls.Add(1)
	return s.down.Load()
}

func (s *outage) Commit(ctx context.Context, a []ipatlas.Answer) ([]int, error) {
	if s.fail() {
		if s.calls.Load()%2 == 0 {
			s.landed.Add(1)
			s.Store.Commit(ctx, a) //nolint:errcheck // landed, but the answer was lost with the connection
		}
		return nil, errDown
	}
	return s.Store.Commit(ctx, a)
}

func (s *outage) Lease(ctx context.Context, run int64, reg ipatlas.Registry, owner string, ttl time.Duration, n int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	if s.fail() {
		return nil, nil, errDown
	}
	return s.Store.Lease(ctx, run, reg, owner, ttl, n)
}

func (s *outage) Backlog(ctx context.Context, run int64, reg ipatlas.Registry) (ipatlas.Backlog, error) {
	if s.fail() {
		return ipatlas.Backlog{}, errDown
	}
	return s.Store.Backlog(ctx, run, reg)
}

func (s *outage) Heartbeat(ctx context.Context, w ipatlas.Worker, alive time.Duration) (int, error) {
	if s.fail() {
		return 0, errDown
	}
	return s.Store.Heartbeat(ctx, w, alive)
}

// TestStoreOutagesAreRiddenOut: a store that keeps going away (and
// sometimes takes a commit's reply with it) costs time, not data: the run
// completes with exactly the truth, nothing asked twice.
func TestStoreOutagesAreRiddenOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 5), slowServer(time.Millisecond))
	store := &outage{Store: e.store}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(60 * time.Millisecond):
				store.down.Store(true)
				time.Sleep(20 * time.Millisecond)
				store.down.Store(false)
			}
		}
	}()
	cr := e.crawlerOn(t, store, crawl.Config{Concurrency: 4})
	mustComplete(t, e, cr)
	if cr.Activity().StoreRetries == 0 || store.landed.Load() == 0 {
		t.Fatalf("%d store retries, %d commits landed unseen: the outages missed the crawl", cr.Activity().StoreRetries, store.landed.Load())
	}
	if r := e.srv.Repeats(); r != 0 {
		t.Errorf("%d queries asked again; an unreachable store should only delay the walk", r)
	}
}

// TestWorkersBehindOneAddressShareItsBudget: two crawlers with the same
// budget each keep to half the rate; when one leaves, the other takes the
// whole rate again.
func TestWorkersBehindOneAddressShareItsBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 6), regsim.ServerConfig{})
	rates := map[ipatlas.Registry]float64{}
	for _, r := range ipatlas.Registries() {
		rates[r] = 20
	}
	start := func(owner string) (*crawl.Crawler, func()) {
		cr := e.crawler(t, crawl.Config{Concurrency: 2, Rates: rates, Owner: owner, LeaseTTL: 400 * time.Millisecond,
			Worker: ipatlas.Worker{Source: "127.0.0.2", Budget: "127.0.0.2"}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { cr.Run(ctx, e.run.ID); close(done) }() //nolint:errcheck // stopped by cancel
		return cr, func() { cancel(); <-done }
	}
	a, stopA := start("a")
	b, stopB := start("b")
	defer stopB()
	rateOf := func(cr *crawl.Crawler) float64 { return cr.Counters()[0].Rate }
	waitFor(t, "both workers at half the rate", func() bool {
		return a.Activity().BudgetShare == 2 && b.Activity().BudgetShare == 2 && rateOf(a) == 10 && rateOf(b) == 10
	})
	stopA()
	a.Leave()
	waitFor(t, "the remaining worker at the whole rate", func() bool {
		return b.Activity().BudgetShare == 1 && rateOf(b) == 20
	})
}

// waitFor polls cond until it holds, failing the test after a generous
// while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stuckBacklog is a store whose Backlog answers only when its caller
// gives up, as a database call does when the crawl is stopped during it.
type stuckBacklog struct{ ipatlas.Store }

func (s stuckBacklog) Backlog(ctx context.Context, run int64, reg ipatlas.Registry) (ipatlas.Backlog, error) {
	<-ctx.Done()
	return ipatlas.Backlog{}, fmt.Errorf("backlog of run %d: %w", run, ctx.Err())
}

// TestStopsCleanlyWhileWaitingForLeases: a crawler waiting for another
// worker's leases stops without an error when it is told to, even in the
// middle of asking the store.
func TestStopsCleanlyWhileWaitingForLeases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 7), regsim.ServerConfig{})
	if _, _, err := e.store.Lease(context.Background(), e.run.ID, "", "other-worker", time.Hour, len(e.plan.Units)); err != nil {
		t.Fatal(err)
	}
	cr := e.crawlerOn(t, stuckBacklog{e.store}, crawl.Config{Concurrency: 2})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // the feeders are asking by then
	complete, err := cr.Run(ctx, e.run.ID)
	if err != nil || complete {
		t.Errorf("Run stopped while waiting = %v, %v; want incomplete and no error", complete, err)
	}
}

// TestBudgetDefaultsToTheSourceAddress: a worker sending from an address
// shares that address's budget unless told otherwise; one sending from
// the host's default address shares the host's.
func TestBudgetDefaultsToTheSourceAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 8), regsim.ServerConfig{})
	host, _ := os.Hostname()
	for _, tc := range []struct{ owner, source string }{{"sourced", "127.0.0.9"}, {"plain", ""}} {
		cr := e.crawler(t, crawl.Config{Owner: tc.owner, Worker: ipatlas.Worker{Source: tc.source}})
		cr.Leave()
	}
	ws, err := e.store.Workers(context.Background())
	if err != nil || len(ws) != 2 {
		t.Fatalf("workers %+v, %v", ws, err)
	}
	for _, w := range ws {
		if want := map[string]string{"sourced": "127.0.0.9", "plain": host}[w.ID]; w.Budget != want {
			t.Errorf("worker %s (source %q): budget %q, want %q", w.ID, w.Source, w.Budget, want)
		}
	}
}
