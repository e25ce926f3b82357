package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
)

// crawlFlags are the flags of `crawl`; `demo` fills them itself.
type crawlFlags struct {
	walkFlags
	delegated   multiFlag
	within      string
	registries  string
	retryFailed bool
	newRun      bool
	planOnly    bool
	refresh     bool
	maxAge      time.Duration
	every       time.Duration
	verify      int
}

func (f *crawlFlags) register(fs *flag.FlagSet) {
	f.walkFlags.register(fs, "auto")
	fs.Var(&f.delegated, "delegated", "delegated-stats `URL|FILE[,URL|FILE…]` (repeatable); default: the five registries' extended files")
	fs.StringVar(&f.within, "within", "", "crawl only inside these `PREFIXES` (comma-separated)")
	fs.StringVar(&f.registries, "registries", "all", "crawl only these `REGISTRIES` (comma-separated)")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "query the addresses that failed in the latest run again")
	fs.BoolVar(&f.newRun, "new-run", false, "start a new run (a new snapshot) even if the latest one is complete")
	fs.BoolVar(&f.planOnly, "plan-only", false, "plan the run (or reopen it with --retry-failed) and stop: workers crawl it")
	fs.BoolVar(&f.refresh, "refresh", false, "re-crawl a complete database at the lowest cost (a new snapshot): first the units whose\ndelegated-stats records changed, then answers older than --max-age, oldest first; the rest is carried over")
	fs.DurationVar(&f.maxAge, "max-age", 30*24*time.Hour, "with --refresh, ask again about unchanged units whose answers are older than this (0: all of them)")
	fs.DurationVar(&f.every, "every", 0, "keep crawling: refresh every `DURATION` (e.g. 24h) until stopped; implies --refresh")
	fs.IntVar(&f.verify, "verify", 0, "after the crawl, ask each registry loaded from a dump about `N` of its addresses and report where RDAP and the dump differ")
}

// check refuses flag combinations that cannot mean anything.
func (f *crawlFlags) check() error {
	switch {
	case f.refresh && f.newRun:
		return usageErr("--refresh and --new-run: choose one (--refresh is a cheaper new run)")
	case f.refresh && f.retryFailed:
		return usageErr("--refresh and --retry-failed: choose one")
	case f.maxAge < 0:
		return usageErr("--max-age %s: want 0 or more", f.maxAge)
	case f.every < 0 || (f.every > 0 && f.every < time.Second):
		return usageErr("--every %s: want at least 1s", f.every)
	case f.every > 0 && f.planOnly:
		return usageErr("--every and --plan-only: a loop needs a crawler; run workers with --follow instead")
	case f.verify < 0:
		return usageErr("--verify %d: want 0 or more addresses", f.verify)
	}
	return nil
}

func runCrawl(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "crawl", "[flags]", `Crawl the registries' RDAP services into the database: plan from the
delegated-stats files and the bootstrap, walk every unit network by network,
pace each registry, and commit each answer with its unit's cursor. Run it again
to resume after a crash or Ctrl-C; on a complete database it does nothing.

With --db postgres://… the run is shared: --plan-only plans it, and any number
of 'ipatlas worker' processes (this crawl included) walk it together.

--via whois[=REGISTRIES] asks those registries (all when none are named) over
WHOIS, port 43, instead of RDAP: the same walk, limits and records, from their
text answers; --whois-server REG=HOST:PORT points a registry's WHOIS elsewhere.

--refresh keeps a complete database fresh at the lowest cost: a new run that
asks first about the units whose delegated-stats records changed since the
last run, then about the units whose answers are older than --max-age (oldest
first), and carries the networks of the other units over unasked. --every
repeats that forever; --max-queries caps what one run may spend.`)
	var f crawlFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if f.every > 0 {
		return f.loop(ctx, e)
	}
	_, err := f.crawl(ctx, e)
	if errors.Is(err, crawl.ErrBudgetSpent) {
		return nil // a planned stop, said so
	}
	if err == nil && f.verify > 0 {
		err = f.verifyDumps(ctx, e, f.verify)
	}
	return err
}

// loop crawls, then refreshes every f.every until ctx ends: the
// long-running mode people used to script around restarts. A run the
// query budget stopped is resumed at the next turn.
func (f *crawlFlags) loop(ctx context.Context, e *env) error {
	for {
		began := time.Now()
		res, err := f.crawl(ctx, e)
		switch {
		case ctx.Err() != nil:
			return nil // interrupted, at any step of a turn: a clean stop
		case errors.Is(err, crawl.ErrBudgetSpent): // resumed at the next turn
		case err != nil:
			return err
		}
		f.refresh = true
		next := began.Add(f.every)
		fmt.Fprintf(e.stderr, "run %d %s; next refresh at %s\n", res.run.ID, map[bool]string{true: "complete", false: "paused"}[res.complete],
			next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(next)):
		}
	}
}

func (f *crawlFlags) crawl(ctx context.Context, e *env) (crawlResult, error) {
	var res crawlResult
	plan, err := f.planOptions()
	if err != nil {
		return res, err
	}
	walk, err := f.walkFlags.options()
	if err != nil {
		return res, err
	}
	logger := newLogger(e, f.logFormat)
	db, err := openDatabase(ctx, f.db, true)
	if err != nil {
		return res, err
	}
	defer db.Close()
	run, resume, err := f.pickRun(ctx, e, db, plan)
	if err != nil {
		return res, err
	}
	switch {
	case !resume:
		return crawlResult{run: run, complete: true}, db.ensureSnapshot(ctx, e, run)
	case f.planOnly:
		fmt.Fprintf(e.stderr, "run %d is ready for workers: ipatlas worker --db %s\n", run.ID, db.name)
		return crawlResult{run: run}, nil
	}
	cr, err := f.newCrawler(ctx, db, walk, logger)
	if err != nil {
		return res, err
	}
	stopMetrics, err := serveMetrics(ctx, f.metrics, cr, db, logger)
	if err != nil {
		return res, err
	}
	defer stopMetrics()
	defer cr.Leave()
	return f.walk(ctx, e, db, cr, run, logger)
}

// planOptions are the parsed scope of a new run.
type planOptions struct {
	within     []netip.Prefix
	registries []ipatlas.Registry
}

func (f *crawlFlags) planOptions() (planOptions, error) {
	var o planOptions
	var err error
	if o.registries, err = ipatlas.ParseRegistries(f.registries); err != nil {
		return o, usageErr("--registries: %v", err)
	}
	o.within, err = parsePrefixes("--within", f.within)
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
func (f *crawlFlags) pickRun(ctx context.Context, e *env, db *database, o planOptions) (ipatlas.Run, bool, error) {
	latest, err := db.LatestRun(ctx)
	switch {
	case errors.Is(err, ipatlas.ErrNotFound):
	case err != nil:
		return latest, false, err
	case f.retryFailed:
		n, err := db.RetryFailures(ctx, latest.ID)
		fmt.Fprintf(e.stderr, "retrying %d failed addresses of run %d\n", n, latest.ID)
		return latest, n > 0 || latest.Finished.IsZero(), err
	case latest.Finished.IsZero():
		fmt.Fprintf(e.stderr, "resuming run %d (started %s)\n", latest.ID, latest.Started.Format(time.RFC3339))
		return latest, true, nil
	case f.refresh:
		return f.plan(ctx, e, db, o, &latest)
	case !f.newRun:
		fmt.Fprintf(e.stderr, "run %d is complete (finished %s): nothing to do; --refresh or --new-run crawls again\n",
			latest.ID, latest.Finished.Format(time.RFC3339))
		return latest, false, nil
	}
	return f.plan(ctx, e, db, o, nil)
}

// plan starts a new run from the delegated-stats files; a refresh of prev
// orders its units and carries prev's fresh networks over.
func (f *crawlFlags) plan(ctx context.Context, e *env, db *database, o planOptions, prev *ipatlas.Run) (ipatlas.Run, bool, error) {
	locs := crawl.DefaultDelegated
	if len(f.delegated) > 0 {
		locs = nil
		for _, v := range f.delegated {
			locs = append(locs, strings.Split(v, ",")...)
		}
	}
	files, err := crawl.Fetcher{}.Delegated(ctx, locs)
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	dumped, err := plannedDumps(ctx, e, db, o.registries)
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	plan, err := crawl.MakePlan(crawl.PlanInput{Delegated: files, Within: o.within, Registries: o.registries, Dumped: dumped})
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	for _, d := range plan.Dropped {
		fmt.Fprintln(e.stderr, "warning: dropped delegated record:", d)
	}
	params := fmt.Sprintf("registries=%s within=%s", f.registries, f.within)
	if prev != nil {
		return f.startRefresh(ctx, e, db, params+" refresh", plan.Units, *prev)
	}
	run, err := db.StartRun(ctx, params, plan.Units)
	if err == nil {
		fmt.Fprintf(e.stderr, "run %d: %d units planned\n", run.ID, len(plan.Units))
	}
	return run, err == nil, err
}

// startRefresh starts a run that refreshes prev: changed units first, then
// stale ones oldest first, and the fresh ones' networks carried over. A
// crash before the carry-over leaves those units pending: resuming asks
// about them, costing queries but losing nothing.
func (f *crawlFlags) startRefresh(ctx context.Context, e *env, db *database, params string, units []ipatlas.Unit, prev ipatlas.Run) (ipatlas.Run, bool, error) {
	r, err := crawl.PlanRefresh(ctx, db, prev, units, f.maxAge, time.Now())
	if err != nil {
		return ipatlas.Run{}, false, err
	}
	run, err := db.StartRun(ctx, params, r.Units)
	if err != nil {
		return run, false, err
	}
	carried := 0
	if len(r.Carry) > 0 {
		planned, err := db.Units(ctx, run.ID)
		if err != nil {
			return run, false, err
		}
		ids := make([]int64, len(r.Carry))
		for i, at := range r.Carry {
			ids[i] = planned[at].ID
		}
		if carried, err = db.CarryOver(ctx, prev.ID, run.ID, ids); err != nil {
			return run, false, err
		}
	}
	fmt.Fprintf(e.stderr, "run %d refreshes run %d: %d units changed (asked first), %d older than %s (asked next, oldest first), %d fresh (%d networks carried over)\n",
		run.ID, prev.ID, r.Changed, r.Stale, f.maxAge, r.Fresh, carried)
	return run, true, nil
}
