// Package crawl plans and walks the registries: it turns delegated-stats
// files into work units, walks each unit network by network over RDAP
// (jumping past each answer, so no address is asked about twice), paces
// every registry with its own adaptive limiter, and commits each answer with
// its unit's cursor so a crash resumes where it stopped.
package crawl

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/histogram"
	"github.com/ipatlas/ipatlas/rdap"
)

// Querier asks a registry which network holds an address. Its errors are
// *rdap.QueryError values, whose kinds (not found, rate limited, server,
// transport, malformed…) the crawler's retries and limiter act on,
// whatever the protocol.
type Querier interface {
	QueryIP(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, error)
}

// Config configures a Crawler. Every field documents its default.
type Config struct {
	// Store holds the units and receives the networks. Required.
	Store ipatlas.Store
	// Client queries the registries: an *rdap.Client, or a WHOIS client
	// that answers in the same terms. Required.
	Client Querier
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
	// MaxQueries stops each Run after this many queries (0: no limit),
	// every answer so far committed, as if cancelled: a refresh can spend
	// a daily budget and resume the next day.
	MaxQueries int64
	// LeaseTTL is how long a unit stays claimed without renewal. Defaults
	// to 5 minutes.
	LeaseTTL time.Duration
	// Owner names this worker in leases. Defaults to host:pid.
	Owner string
	// KeepRaw stores each answer's body, compressed.
	KeepRaw bool
	// Logger receives warnings. Defaults to slog.Default().
	Logger *slog.Logger
	// Worker describes this crawler to the store's list of workers: its
	// Host, Source address and Budget (ID, Run and counters are filled
	// in). Workers with the same Budget divide each registry's rate
	// between them. Defaults: the host name, no source, and the source
	// address when there is one (workers behind it share its budget),
	// else the host name.
	Worker ipatlas.Worker
	// Heartbeat is how often leases due for renewal are renewed, the
	// worker reports itself, and its counters are added to the run's.
	// Defaults to 5 seconds, or LeaseTTL/4 when that is shorter.
	Heartbeat time.Duration
	// Alive is how long after its last heartbeat a worker still counts
	// in a shared budget. Defaults to three heartbeats.
	Alive time.Duration
	// Poll bounds the wait, when every unit left is leased by another
	// worker, before looking again. Defaults to 2 seconds.
	Poll time.Duration
	// CommitGrace is how long answers received before a stop are still
	// retried against an unreachable store. Defaults to 30 seconds.
	CommitGrace time.Duration
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
	return c.fleetDefaults()
}

func (c Config) fleetDefaults() Config {
	if c.Worker.Host == "" {
		c.Worker.Host, _ = os.Hostname()
	}
	if c.Worker.Budget == "" {
		c.Worker.Budget = cmp.Or(c.Worker.Source, c.Worker.Host)
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = min(5*time.Second, c.LeaseTTL/4)
	}
	if c.Alive <= 0 {
		c.Alive = 3 * c.Heartbeat
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.CommitGrace <= 0 {
		c.CommitGrace = 30 * time.Second
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
	// says so for earlier processes and other workers, the walkers for this
	// one); until then no unit start needs the store's "already covered?"
	// lookup.
	spilled       atomic.Bool
	spillsMu      sync.Mutex
	spillsChecked time.Time // when the store was last asked

	held       holdings  // leases the walkers hold
	ranOut     broadcast // a registry has no unit left
	activity   activity
	started    time.Time
	lastRun    int64
	budget     queryBudget                          // MaxQueries, spent by this Run
	reported   map[ipatlas.Registry]CounterSnapshot // counters at the last heartbeat
	reportedAt time.Time
}

// activity counts what the crawler does besides asking: commits, store
// retries, lease renewals, and the workers sharing its budget.
type activity struct {
	commits      histogram.Histogram
	storeRetries atomic.Int64
	renewals     atomic.Int64
	share        atomic.Int64
}

// Activity is a snapshot of what the crawler did besides asking.
type Activity struct {
	Commits       histogram.Snapshot // how long each store commit took
	StoreRetries  int64              // store calls retried because the store was out of reach
	LeaseRenewals int64
	BudgetShare   int // live workers sharing this one's request budget, itself included
}

// Activity returns what the crawler did besides asking.
func (c *Crawler) Activity() Activity {
	return Activity{Commits: c.activity.commits.Snapshot(LatencyBounds), StoreRetries: c.activity.storeRetries.Load(),
		LeaseRenewals: c.activity.renewals.Load(), BudgetShare: int(c.activity.share.Load())}
}

// New prepares a crawler.
func New(c Config) (*Crawler, error) {
	if c.Store == nil || c.Client == nil {
		return nil, errors.New("crawl: Store and Client are required")
	}
	c = c.withDefaults()
	cr := &Crawler{cfg: c, limiters: map[ipatlas.Registry]*Limiter{}, counters: map[ipatlas.Registry]*Counters{},
		flushed: map[ipatlas.Registry]CounterSnapshot{}, reported: map[ipatlas.Registry]CounterSnapshot{},
		started: time.Now().UTC()}
	cr.activity.share.Store(1)
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
// never holds the others up. It reports whether the run is complete: every
// unit done, by this crawler or by other workers. A Run that spent
// Config.MaxQueries stops with ErrBudgetSpent, every answer committed.
func (c *Crawler) Run(ctx context.Context, run int64) (bool, error) {
	c.lastRun = run
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	c.budget.reset(c.cfg.MaxQueries, stop)
	c.spilled.Store(false) // a new run; checkSpills asks the store
	c.spillsChecked = time.Time{}
	if err := c.checkSpills(ctx, run); err != nil {
		return false, err
	}
	stopCommits := c.startCommits(ctx)
	defer stopCommits()
	stopBeat := make(chan struct{})
	beating := make(chan struct{})
	go func() { c.heartbeat(run, stopBeat); close(beating) }()
	defer func() { close(stopBeat); <-beating }()
	var wg sync.WaitGroup
	errs := make(chan error, len(ipatlas.Registries())*(c.cfg.Concurrency+1))
	for _, r := range ipatlas.Registries() {
		ws := newWalkers(c.cfg.Concurrency, c.cfg.Rates[r])
		wg.Go(func() {
			if err := c.feed(ctx, run, r, ws); err != nil {
				errs <- err
			}
		})
		for range c.cfg.Concurrency {
			wg.Go(func() {
				if err := c.work(ctx, ws); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	if cause := context.Cause(ctx); errors.Is(cause, ErrBudgetSpent) {
		return false, cause // the walks' errors are this stop's cancellations
	}
	if err := errors.Join(collect(errs)...); err != nil {
		return false, err
	}
	return ctx.Err() == nil, nil
}

// ErrBudgetSpent is the cause of a Run stopped by Config.MaxQueries.
var ErrBudgetSpent = errors.New("query budget spent")

// queryBudget stops a Run when its queries reach the maximum.
type queryBudget struct {
	max   int64
	spent atomic.Int64
	stop  context.CancelCauseFunc
}

func (b *queryBudget) reset(max int64, stop context.CancelCauseFunc) {
	b.max, b.stop = max, stop
	b.spent.Store(0)
}

// spend takes one query from the budget; once none is left it stops the
// Run and reports false.
func (b *queryBudget) spend() bool {
	if b.max <= 0 || b.spent.Add(1) <= b.max {
		return true
	}
	b.stop(ErrBudgetSpent)
	return false
}

// spillsRecheck is how long what the store said of a run's spills is
// trusted before a unit start asks again: other workers may record one
// any time, but asking at every unit start would double the round trips
// of a run of small units.
const spillsRecheck = time.Second

// checkSpills learns whether any network of the run reaches past its unit
// (recorded by an earlier process or another worker).
func (c *Crawler) checkSpills(ctx context.Context, run int64) error {
	if c.spilled.Load() {
		return nil
	}
	c.spillsMu.Lock()
	defer c.spillsMu.Unlock()
	if time.Since(c.spillsChecked) < spillsRecheck {
		return nil
	}
	c.spillsChecked = time.Now()
	var r ipatlas.Run
	err := c.retryStore(ctx, func() (err error) {
		r, err = c.cfg.Store.LatestRun(ctx)
		return err
	})
	if err != nil && !errors.Is(err, ipatlas.ErrNotFound) {
		return err
	}
	if err != nil || r.ID != run || r.Spills > 0 {
		c.spilled.Store(true)
	}
	return nil
}

// startCommits starts the committer. Stopping it commits what walkers
// handed over; when ctx is done, commits that fail against an unreachable
// store are given up after CommitGrace (their units' cursors did not move:
// a resumed crawl asks again).
func (c *Crawler) startCommits(ctx context.Context) (stop func()) {
	giveUp, cancel := context.WithCancel(context.Background())
	stopGrace := context.AfterFunc(ctx, func() { time.AfterFunc(c.cfg.CommitGrace, cancel) })
	c.commits = newCommitter(c.cfg.Store, giveUp, c.retryStore, &c.activity.commits)
	committed := make(chan struct{})
	go func() { c.commits.run(); close(committed) }()
	return func() {
		close(c.commits.reqs)
		<-committed
		stopGrace()
		cancel()
	}
}

func collect(ch chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

// flushCounts adds to the run's counters in the store what snaps gained
// since the last flush.
func (c *Crawler) flushCounts(run int64, snaps []CounterSnapshot) {
	var deltas []ipatlas.Counts
	for _, now := range snaps {
		d := now.Counts().Sub(c.flushed[now.Registry].Counts())
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
