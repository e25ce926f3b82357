// Package crawl plans and walks the registries: it turns delegated-stats
// files into work units, walks each unit network by network over RDAP
// (jumping past each answer, so no address is asked about twice), paces
// every registry with its own adaptive limiter, and commits each answer with
// its unit's cursor so a crash resumes where it stopped.
package crawl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rdap"
)

// Config configures a Crawler. Every field documents its default.
type Config struct {
	// Store holds the units and receives the networks. Required.
	Store ipatlas.Store
	// Client queries the registries. Required.
	Client *rdap.Client
	// Rates are requests per second per registry (0: unlimited).
	// Defaults to DefaultRates.
	Rates map[ipatlas.Registry]float64
	// Concurrency is how many units of one registry are walked at once.
	// Defaults to 4.
	Concurrency int
	// MaxAttempts is how often an address is tried before it is recorded as
	// failed. Defaults to 5.
	MaxAttempts int
	// MaxThrottles is how many 429s in a row an address may get before it
	// is recorded as failed. Defaults to 30.
	MaxThrottles int
	// RetryBase is the first retry's backoff; it doubles, capped at
	// RetryCap, with full jitter. Defaults to 250ms and 30s.
	RetryBase, RetryCap time.Duration
	// LeaseTTL is how long a unit stays claimed without renewal. Defaults
	// to 5 minutes.
	LeaseTTL time.Duration
	// Owner names this worker in leases. Defaults to host:pid.
	Owner string
	// KeepRaw stores each answer's body, compressed.
	KeepRaw bool
	// Logger receives warnings. Defaults to slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Rates == nil {
		c.Rates = DefaultRates()
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.MaxThrottles <= 0 {
		c.MaxThrottles = 30
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 250 * time.Millisecond
	}
	if c.RetryCap <= 0 {
		c.RetryCap = 30 * time.Second
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 5 * time.Minute
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Crawler walks a run's units. Create one with New; it is safe for
// concurrent use by its own goroutines only.
type Crawler struct {
	cfg      Config
	limiters map[ipatlas.Registry]*Limiter
	counters map[ipatlas.Registry]*Counters
	commits  *committer
	flushed  map[ipatlas.Registry]CounterSnapshot // counters already added to the store
	// spilled is set once a network may reach into another unit (the store
	// says so for earlier processes, the walkers for this one); until then
	// no unit start needs the store's "already covered?" lookup.
	spilled atomic.Bool
}

// New prepares a crawler.
func New(c Config) (*Crawler, error) {
	if c.Store == nil || c.Client == nil {
		return nil, errors.New("crawl: Store and Client are required")
	}
	c = c.withDefaults()
	cr := &Crawler{cfg: c, limiters: map[ipatlas.Registry]*Limiter{}, counters: map[ipatlas.Registry]*Counters{},
		flushed: map[ipatlas.Registry]CounterSnapshot{}}
	for _, r := range ipatlas.Registries() {
		cr.limiters[r] = NewLimiter(c.Rates[r], nil)
		cr.counters[r] = &Counters{}
	}
	return cr, nil
}

// Counters returns a snapshot of every registry's counters.
func (c *Crawler) Counters() []CounterSnapshot {
	var out []CounterSnapshot
	for _, r := range ipatlas.Registries() {
		out = append(out, c.counters[r].snapshot(r, c.limiters[r].Rate()))
	}
	return out
}

// Run walks the run's units until none is left or ctx is done. Each
// registry has its own feeder and walkers, so a slow or blocked registry
// never holds the others up. It reports whether the run is complete.
func (c *Crawler) Run(ctx context.Context, run int64) (bool, error) {
	if r, err := c.cfg.Store.LatestRun(ctx); err != nil || r.ID != run || r.Spills > 0 {
		c.spilled.Store(true)
	}
	c.commits = newCommitter(c.cfg.Store)
	committed := make(chan struct{})
	go func() { c.commits.run(); close(committed) }()
	stopFlush := c.flushEvery(run, countsInterval)
	defer stopFlush()
	var wg sync.WaitGroup
	errs := make(chan error, len(ipatlas.Registries())*(c.cfg.Concurrency+1))
	for _, r := range ipatlas.Registries() {
		units := make(chan leased, c.cfg.Concurrency)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.feed(ctx, run, r, units); err != nil {
				errs <- err
			}
		}()
		for range c.cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.work(ctx, units); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(c.commits.reqs)
	<-committed
	close(errs)
	if err := errors.Join(collect(errs)...); err != nil {
		return false, err
	}
	return ctx.Err() == nil, nil
}

func collect(ch chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

// leased is a unit with its lease.
type leased struct {
	unit  ipatlas.Unit
	lease ipatlas.Lease
}

// feed leases one registry's units in batches (one write for many units)
// and hands them to the walkers, until none is left.
func (c *Crawler) feed(ctx context.Context, run int64, reg ipatlas.Registry, out chan<- leased) error {
	defer close(out)
	for ctx.Err() == nil {
		us, ls, err := c.cfg.Store.Lease(ctx, run, reg, c.cfg.Owner, c.cfg.LeaseTTL, c.cfg.Concurrency)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(us) == 0 {
			return nil
		}
		for i := range us {
			select {
			case out <- leased{us[i], ls[i]}:
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

// work walks the units it is handed. After a failure it stops walking but
// keeps draining, so the feeder never blocks.
func (c *Crawler) work(ctx context.Context, units <-chan leased) error {
	var failed error
	for l := range units {
		if ctx.Err() != nil || failed != nil {
			continue
		}
		if err := c.walk(ctx, l.unit, l.lease); err != nil && !errors.Is(err, ipatlas.ErrStaleLease) && ctx.Err() == nil {
			failed = err
		}
	}
	return failed
}

// countsInterval is how often the counters are added to the store.
const countsInterval = 5 * time.Second

// flushEvery adds the counters to the store every interval, and once more
// when stopped.
func (c *Crawler) flushEvery(run int64, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				c.flushCounts(run)
				return
			case <-t.C:
				c.flushCounts(run)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// flushCounts adds what the counters gained since the last flush.
func (c *Crawler) flushCounts(run int64) {
	snaps := c.Counters()
	var deltas []ipatlas.Counts
	for _, now := range snaps {
		was := c.flushed[now.Registry]
		d := ipatlas.Counts{Registry: now.Registry, Queries: now.Queries - was.Queries, Answers: now.Answers - was.Answers,
			NotFound: now.NotFound - was.NotFound, Redirects: now.Redirects - was.Redirects,
			Throttled: now.Throttled - was.Throttled, Retries: now.Retries - was.Retries,
			Failures: now.Failures - was.Failures, Skipped: now.Skipped - was.Skipped, Waited: now.Waited - was.Waited}
		if d != (ipatlas.Counts{Registry: now.Registry}) {
			deltas = append(deltas, d)
		}
	}
	if len(deltas) == 0 {
		return
	}
	if err := c.cfg.Store.AddCounts(context.Background(), run, deltas); err != nil {
		c.cfg.Logger.Warn("could not save the crawl counters", "err", err)
		return
	}
	for _, now := range snaps {
		c.flushed[now.Registry] = now
	}
}
