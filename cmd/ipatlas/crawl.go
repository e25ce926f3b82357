package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/sqlite"
)

// crawlFlags are the flags of `crawl`; `demo` fills them itself.
type crawlFlags struct {
	db          string
	bootstrap   string
	delegated   multiFlag
	within      string
	registries  string
	rates       multiFlag
	concurrency int
	retryFailed bool
	newRun      bool
	keepRaw     bool
	progress    string
	interval    time.Duration
	logFormat   string
}

func (f *crawlFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.db, "db", "ipatlas.db", "the embedded database `FILE`")
	fs.StringVar(&f.bootstrap, "bootstrap", crawl.DefaultBootstrap, "RFC 9224 bootstrap `BASE-URL|DIR` holding ipv4.json and ipv6.json")
	fs.Var(&f.delegated, "delegated", "delegated-stats `URL|FILE[,URL|FILE…]` (repeatable); default: the five registries' extended files")
	fs.StringVar(&f.within, "within", "", "crawl only inside these `PREFIXES` (comma-separated)")
	fs.StringVar(&f.registries, "registries", "all", "crawl only these `REGISTRIES` (comma-separated)")
	fs.Var(&f.rates, "rate", "a registry's request rate, `REG=N/s|N/m` (repeatable); defaults: arin, ripencc, apnic 5/s, afrinic 1/s, lacnic 10/m")
	fs.IntVar(&f.concurrency, "concurrency", 4, "units of one registry walked at once")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "query the addresses that failed in the latest run again")
	fs.BoolVar(&f.newRun, "new-run", false, "start a new run (a new snapshot) even if the latest one is complete")
	fs.BoolVar(&f.keepRaw, "keep-raw", false, "keep every answer's body, compressed")
	fs.StringVar(&f.progress, "progress", "auto", "progress display: auto (bars on a terminal, else log lines), bars, log or none")
	fs.DurationVar(&f.interval, "progress-interval", 10*time.Second, "how often log-line progress is written")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
}

func runCrawl(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "crawl", "[flags]", `Crawl the registries' RDAP services into the embedded database: plan from
the delegated-stats files and the bootstrap, walk every unit network by network,
pace each registry, and commit each answer with its unit's cursor. Run it again
to resume after a crash or Ctrl-C; on a complete database it does nothing.`)
	var f crawlFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := f.crawl(ctx, e)
	return err
}

// crawlResult is what a crawl did, for the caller's summary.
type crawlResult struct {
	run      ipatlas.Run
	complete bool
	counters []crawl.CounterSnapshot
	elapsed  time.Duration
}

func (f *crawlFlags) crawl(ctx context.Context, e *env) (crawlResult, error) {
	var res crawlResult
	opts, err := f.options()
	if err != nil {
		return res, err
	}
	logger := newLogger(e, f.logFormat)
	store, err := sqlite.Open(ctx, f.db, sqlite.Options{Exclusive: true})
	if err != nil {
		return res, err
	}
	defer store.Close()
	fetch := crawl.Fetcher{}
	run, resume, err := f.pickRun(ctx, e, store, fetch, opts)
	if err != nil {
		return res, err
	}
	if !resume {
		return crawlResult{run: run, complete: true}, f.checkSnapshot(ctx, e, store, run)
	}
	boot, err := fetch.Bootstrap(ctx, f.bootstrap)
	if err != nil {
		return res, err
	}
	client, err := rdap.NewClient(rdap.ClientConfig{Bootstrap: boot, MaxConnsPerHost: f.concurrency * 2})
	if err != nil {
		return res, err
	}
	cr, err := crawl.New(crawl.Config{Store: store, Client: client, Rates: opts.rates, Concurrency: f.concurrency,
		KeepRaw: f.keepRaw, Logger: logger})
	if err != nil {
		return res, err
	}
	return f.walk(ctx, e, store, cr, run, logger)
}

func (f *crawlFlags) walk(ctx context.Context, e *env, store *sqlite.Store, cr *crawl.Crawler, run ipatlas.Run, logger *slog.Logger) (crawlResult, error) {
	start := time.Now()
	stopProgress := startProgress(ctx, e, f.progress, f.interval, store, cr, run.ID, logger)
	complete, err := cr.Run(ctx, run.ID)
	stopProgress()
	res := crawlResult{run: run, complete: complete, counters: cr.Counters(), elapsed: time.Since(start)}
	if err != nil {
		return res, err
	}
	if !complete {
		fmt.Fprintf(e.stderr, "crawl stopped; every answer so far is committed. Run the same command to resume run %d.\n", run.ID)
		return res, nil
	}
	// The snapshot is stored before the run is marked finished: a crash in
	// between leaves the run unfinished, and the next crawl, finding
	// nothing left to ask, stores it again (unchanged) and finishes it. So
	// a finished run always has its snapshot.
	if err := f.snapshot(context.Background(), e, store, run); err != nil {
		return res, err
	}
	return res, store.FinishRun(context.Background(), run.ID)
}

// checkSnapshot makes sure a finished run is in the history. Runs finish
// after their snapshot is stored, so only a database whose runs finished
// before crawls made snapshots lacks it; looking the snapshot up spares
// reading every network on each crawl of a complete database.
func (f *crawlFlags) checkSnapshot(ctx context.Context, e *env, store *sqlite.Store, run ipatlas.Run) error {
	snaps, err := store.Snapshots(ctx)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s.At.Equal(run.Started) {
			printUnchanged(e, 1)
			return nil
		}
	}
	return f.snapshot(ctx, e, store, run)
}

// snapshot adds a finished run to the history, replacing the run's earlier
// snapshot if its failures were retried since, and brings the lookup index
// up to date.
func (f *crawlFlags) snapshot(ctx context.Context, e *env, store *sqlite.Store, run ipatlas.Run) error {
	p, err := crawl.Snapshot(ctx, store, run)
	if err != nil {
		return err
	}
	return addSnapshots(ctx, e, store, f.db, []history.Pending{p}, func() {})
}

// crawlOptions are the parsed scope and rates.
type crawlOptions struct {
	within     []netip.Prefix
	registries []ipatlas.Registry
	rates      map[ipatlas.Registry]float64
}

func (f *crawlFlags) options() (crawlOptions, error) {
	var o crawlOptions
	var err error
	if o.registries, err = ipatlas.ParseRegistries(f.registries); err != nil {
		return o, usageErr("--registries: %v", err)
	}
	if o.within, err = parsePrefixes("--within", f.within); err != nil {
		return o, err
	}
	if f.concurrency < 1 || f.concurrency > 256 {
		return o, usageErr("--concurrency %d: want 1 to 256", f.concurrency)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return o, usageErr("--log-format %q: want text or json", f.logFormat)
	}
	switch f.progress {
	case "auto", "bars", "log", "none":
	default:
		return o, usageErr("--progress %q: want auto, bars, log or none", f.progress)
	}
	o.rates = crawl.DefaultRates()
	err = eachRegistrySpec("--rate", f.rates, func(r ipatlas.Registry, spec string) error {
		v, err := crawl.ParseRate(spec)
		o.rates[r] = v
		return err
	})
	return o, err
}

func parsePrefixes(flagName, s string) ([]netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil {
			return nil, usageErr("%s: %q is not a prefix (want e.g. 13.0.0.0/8 or 2001:db8::/32)", flagName, part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// pickRun decides what to crawl: resume the unfinished latest run, retry its
// failures, start a new run, or nothing at all.
func (f *crawlFlags) pickRun(ctx context.Context, e *env, store *sqlite.Store, fetch crawl.Fetcher, o crawlOptions) (ipatlas.Run, bool, error) {
	latest, err := store.LatestRun(ctx)
	switch {
	case errors.Is(err, ipatlas.ErrNotFound):
	case err != nil:
		return latest, false, err
	case f.retryFailed:
		n, err := store.RetryFailures(ctx, latest.ID)
		fmt.Fprintf(e.stderr, "retrying %d failed addresses of run %d\n", n, latest.ID)
		return latest, n > 0 || latest.Finished.IsZero(), err
	case latest.Finished.IsZero():
		fmt.Fprintf(e.stderr, "resuming run %d (started %s)\n", latest.ID, latest.Started.Format(time.RFC3339))
		return latest, true, nil
	case !f.newRun:
		fmt.Fprintf(e.stderr, "run %d is complete (finished %s): nothing to do; --new-run crawls again\n",
			latest.ID, latest.Finished.Format(time.RFC3339))
		return latest, false, nil
	}
	return f.plan(ctx, e, store, fetch, o)
}

func (f *crawlFlags) plan(ctx context.Context, e *env, store *sqlite.Store, fetch crawl.Fetcher, o crawlOptions) (ipatlas.Run, bool, error) {
	locs := crawl.DefaultDelegated
	if len(f.delegated) > 0 {
		locs = nil
		for _, v := range f.delegated {
			locs = append(locs, strings.Split(v, ",")...)
		}
	}
	files, err := fetch.Delegated(ctx, locs)
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	plan, err := crawl.MakePlan(crawl.PlanInput{Delegated: files, Within: o.within, Registries: o.registries})
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	for _, d := range plan.Dropped {
		fmt.Fprintln(e.stderr, "warning: dropped delegated record:", d)
	}
	params := fmt.Sprintf("registries=%s within=%s", f.registries, f.within)
	run, err := store.StartRun(ctx, params, plan.Units)
	if err == nil {
		fmt.Fprintf(e.stderr, "run %d: %d units planned\n", run.ID, len(plan.Units))
	}
	return run, err == nil, err
}

func newLogger(e *env, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, nil))
	}
	return slog.New(slog.NewTextHandler(e.stderr, nil))
}
