package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/internal/retry"
)

// workerFlags are the flags of `worker`.
type workerFlags struct {
	walkFlags
	follow bool
	poll   time.Duration
}

func runWorker(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "worker", "--db postgres://… [flags]", `Work on the latest run in a shared database: lease units, walk them, commit
each answer with its unit's cursor, renew leases by heartbeat, and take over the
units of workers that died. When no unit is left, the first worker to see it
adds the run to the history. Plan runs with 'ipatlas crawl --plan-only'.

Run one worker per machine (or per source address: --source-addr); each keeps
to the registries' limits on its own, and workers that send from one address
share its budget (--budget). A worker rides out database restarts and network
blips, and Ctrl-C or SIGTERM stops it after committing what it has.`)
	var f workerFlags
	f.register(fs, "log")
	fs.BoolVar(&f.follow, "follow", false, "keep running: wait for new runs instead of stopping when the latest is complete")
	fs.DurationVar(&f.poll, "poll", 10*time.Second, "with --follow, how often to look for a new run")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.poll < 100*time.Millisecond {
		return usageErr("--poll %s: want at least 100ms", f.poll)
	}
	return f.work(ctx, e)
}

func (f *workerFlags) work(ctx context.Context, e *env) error {
	o, err := f.options()
	if err != nil {
		return err
	}
	logger := newLogger(e, f.logFormat)
	db, err := openWithRetry(ctx, f.db, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	cr, err := f.newCrawler(ctx, db, o, logger)
	if err != nil {
		return err
	}
	stopMetrics, err := serveMetrics(ctx, f.metrics, cr, db, logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	defer logSummary(logger, cr)
	defer cr.Leave()
	logger.Info("worker started", "db", db.name, "source", f.sourceAddr, "concurrency", f.concurrency)
	for ctx.Err() == nil {
		worked, err := f.workLatest(ctx, e, db, cr, logger)
		switch {
		case errors.Is(err, crawl.ErrBudgetSpent):
			return nil // said so; other workers go on
		case err != nil:
			return err
		case worked: // look again: the run may be complete now
		case !f.follow:
			return nil
		default:
			retry.Sleep(ctx, f.poll) //nolint:errcheck // the loop checks ctx
		}
	}
	return nil
}

// workLatest walks the latest run when it is not complete, reporting
// whether there was anything to do.
func (f *workerFlags) workLatest(ctx context.Context, e *env, db *database, cr *crawl.Crawler, logger *slog.Logger) (bool, error) {
	var run ipatlas.Run
	err := retryUnavailable(ctx, logger, func() (err error) {
		run, err = db.LatestRun(ctx)
		return err
	})
	switch {
	case errors.Is(err, ipatlas.ErrNotFound):
		logger.Info("no run planned yet: plan one with ipatlas crawl --plan-only")
		return false, nil
	case err != nil:
		return false, err
	case !run.Finished.IsZero():
		logger.Info("the latest run is complete", "run", run.ID, "finished", run.Finished.Format(time.RFC3339))
		return false, nil
	}
	logger.Info("working on run", "run", run.ID, "started", run.Started.Format(time.RFC3339))
	res, err := f.walk(ctx, e, db, cr, run, logger)
	if err == nil && res.complete {
		logger.Info("run complete", "run", run.ID, "took", res.elapsed.Round(time.Millisecond))
	}
	return true, err
}

// logSummary logs what the worker did over its life, for whoever reads
// its log after it stopped: queries, answers, leases, and how long its
// commits took (a slow database shows here first).
func logSummary(logger *slog.Logger, cr *crawl.Crawler) {
	var total ipatlas.Counts
	var done, taken, lost int64
	for _, c := range cr.Counters() {
		total = total.Add(c.Counts())
		done, taken, lost = done+c.Done, taken+c.LeasesTaken, lost+c.LeasesLost
	}
	a := cr.Activity()
	logger.Info("worker stopped", "queries", total.Queries, "answers", total.Answers, "throttled", total.Throttled,
		"units_done", done, "leases_taken", taken, "leases_lost", lost,
		"commits", a.Commits.Count, "commit_p50_ms", ms(a.Commits.Quantile(0.5)), "commit_p99_ms", ms(a.Commits.Quantile(0.99)),
		"store_retries", a.StoreRetries)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// openWithRetry opens the database, waiting for it while it is out of
// reach: a fleet's workers may start before their database does.
func openWithRetry(ctx context.Context, dsn string, logger *slog.Logger) (*database, error) {
	var db *database
	err := retryUnavailable(ctx, logger, func() (err error) {
		db, err = openDatabase(ctx, dsn, true)
		return err
	})
	return db, err
}

// retryUnavailable runs op until it succeeds, fails for good, or ctx is
// done, waiting out an unreachable database: 1 s doubling to 30 s.
func retryUnavailable(ctx context.Context, logger *slog.Logger, op func() error) error {
	err := retry.Unavailable(ctx, retry.Backoff{Base: time.Second, Cap: 30 * time.Second},
		func(_ int, wait time.Duration, err error) {
			logger.Warn("database unavailable; retrying", "in", wait.Round(time.Millisecond), "err", err)
		}, op)
	if ctx.Err() != nil && err == ctx.Err() {
		return fmt.Errorf("stopped while waiting for the database: %w", err)
	}
	return err
}
