package crawl_test

import (
	"context"
	"log/slog"
	"math"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

// testWorld is small enough to crawl in a second: a /14 or /16 of each
// registry, one transferred, with nesting and gaps, and a little IPv6.
func testWorld(tb testing.TB, seed uint64) *regsim.World {
	tb.Helper()
	w, err := regsim.New(regsim.Config{Seed: seed, TransferShare: 0.05,
		IPv4: prefixes("13.64.0.0/14", "41.10.0.0/16", "1.2.0.0/16", "200.57.0.0/16", "62.0.0.0/15"),
		IPv6: prefixes("2001:600::/23", "2001:1200::/23"), IPv6PerBlock: 30})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// env is a simulator and a fresh store with a planned run.
type env struct {
	w     *regsim.World
	srv   *regsim.Server
	store *sqlite.Store
	run   ipatlas.Run
	plan  *crawl.Plan
}

func newEnv(t testing.TB, w *regsim.World, sc regsim.ServerConfig) *env {
	t.Helper()
	srv := simtest.Serve(t, w, sc)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crawl.db"), sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	plan := simtest.Plan(t, srv)
	run, err := store.StartRun(context.Background(), "test", plan.Units)
	if err != nil {
		t.Fatal(err)
	}
	return &env{w: w, srv: srv, store: store, run: run, plan: plan}
}

// crawler builds a crawler over the env's simulator and store.
func (e *env) crawler(t testing.TB, cfg crawl.Config) *crawl.Crawler {
	t.Helper()
	return e.crawlerOn(t, e.store, cfg)
}

// crawlerOn builds a crawler over the env's simulator and the given store
// (the env's, wrapped).
func (e *env) crawlerOn(t testing.TB, store ipatlas.Store, cfg crawl.Config) *crawl.Crawler {
	t.Helper()
	cfg.Store, cfg.Client = store, simtest.Client(t, e.srv)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rates == nil {
		cfg.Rates = map[ipatlas.Registry]float64{} // unlimited
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryCap = time.Millisecond, 20*time.Millisecond
	}
	cr, err := crawl.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func (e *env) check(t testing.TB) (regsim.CheckReport, int) {
	t.Helper()
	var got []ipatlas.Network
	if err := e.store.Networks(context.Background(), e.run.ID, func(n ipatlas.Network) error {
		got = append(got, n)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return e.w.Check(got), len(got)
}

func queries(cr *crawl.Crawler) (q int64) {
	for _, c := range cr.Counters() {
		q += c.Queries
	}
	return q
}

func TestCrawlRecordsExactlyTheTruth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 1), regsim.ServerConfig{})
	cr := e.crawler(t, crawl.Config{Concurrency: 4})
	complete, err := cr.Run(context.Background(), e.run.ID)
	if err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	report, n := e.check(t)
	if !report.OK() {
		t.Fatal(report)
	}
	ratio := float64(queries(cr)) / float64(n)
	t.Logf("%d networks, %d queries: %.4f queries per network", n, queries(cr), ratio)
	if saved := savedQueries(t, e); saved != queries(cr) {
		t.Errorf("the store counts %d queries, the crawler sent %d", saved, queries(cr))
	}
	checkCoverageCounted(t, e, cr)
	if ratio > 1.02 {
		t.Errorf("%.4f queries per network on a clean world, want ≤ 1.02", ratio)
	}
	// Running again on a complete run asks nothing.
	again := e.crawler(t, crawl.Config{})
	if complete, err := again.Run(context.Background(), e.run.ID); err != nil || !complete || queries(again) != 0 {
		t.Errorf("second Run: %v %v, %d queries", complete, err, queries(again))
	}
}

func TestCrawlSurvivesFaultsAndStorms(t *testing.T) {
	t.Parallel()
	faults := regsim.Faults{ServerError: 0.05, Reset: 0.02, Truncate: 0.01}
	sc := regsim.ServerConfig{Faults: map[ipatlas.Registry]regsim.Faults{}, Limits: map[ipatlas.Registry]regsim.Limit{}}
	for _, r := range ipatlas.Registries() {
		sc.Faults[r] = faults
	}
	sc.Limits[ipatlas.APNIC] = regsim.Limit{Rate: 50, Burst: 1, RetryAfter: true} // 429 storms: the crawler runs unlimited
	// A storm costs a few 429s while the limiter learns the rate; a world of
	// a few thousand networks shows what it costs per network.
	w, err := regsim.New(regsim.Config{Seed: 2, TransferShare: 0.05,
		IPv4: prefixes("13.64.0.0/12", "41.0.0.0/13", "1.0.0.0/13", "200.0.0.0/13", "62.0.0.0/12"),
		IPv6: prefixes("2001:600::/23", "2001:1200::/23"), IPv6PerBlock: 30})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, sc)
	cr := e.crawler(t, crawl.Config{Concurrency: 4, MaxAttempts: 8})
	if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	report, n := e.check(t)
	if !report.OK() {
		t.Fatal(report)
	}
	var throttled, retries int64
	for _, c := range cr.Counters() {
		throttled += c.Throttled
		retries += c.Retries
	}
	if retries == 0 || throttled == 0 {
		t.Errorf("faults did not happen: %d retries, %d 429s", retries, throttled)
	}
	ratio := float64(queries(cr)) / float64(n)
	t.Logf("%d networks, %d queries (%d retries, %d 429s): %.4f per network", n, queries(cr), retries, throttled, ratio)
	if ratio > 1.10 {
		t.Errorf("%.4f queries per network under faults, want ≤ 1.10", ratio)
	}
}

func TestCrawlKeepsToTheLimits(t *testing.T) {
	t.Parallel()
	limit := regsim.Limit{Rate: 60, Burst: 3}
	sc := regsim.ServerConfig{Limits: map[ipatlas.Registry]regsim.Limit{}}
	rates := map[ipatlas.Registry]float64{}
	// The crawler asks at 80% of each registry's limit, the headroom a
	// careful user leaves: at exactly the limit, any bunching of requests
	// on their way (scheduling on a busy machine) would exceed it.
	for _, r := range ipatlas.Registries() {
		sc.Limits[r], rates[r] = limit, 0.8*limit.Rate
	}
	sc.Limits[ipatlas.LACNIC] = regsim.Limit{Rate: 60, Burst: 3, BlockFor: 3 * time.Second}
	w, err := regsim.New(regsim.Config{Seed: 3, IPv4: prefixes("13.64.0.0/18", "200.57.0.0/18", "62.0.0.0/18"), IPv6: prefixes()})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, w, sc)
	cr := e.crawler(t, crawl.Config{Concurrency: 4, Rates: rates})
	if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	if report, _ := e.check(t); !report.OK() {
		t.Fatal(report)
	}
	// Requests leave evenly spaced but may still arrive bunched beyond
	// the headroom: an occasional 429 is allowed, one in a hundred
	// requests at most; a second LACNIC block is not.
	for reg, c := range e.srv.Stats().Registries {
		allowed := max(c.Requests/100, 1)
		if reg == ipatlas.LACNIC {
			allowed = 1
		}
		if c.RateLimited > allowed || c.MaxPerSecond > int64(limit.Rate)+int64(limit.Burst) {
			t.Errorf("%s: %d 429s, %d while blocked, %d in the busiest second (limit %v/s, burst %d)",
				reg, c.RateLimited, c.WhileBlocked, c.MaxPerSecond, limit.Rate, limit.Burst)
		}
	}
}

// TestFailuresAreRecordedThenRetried: a registry that always fails gets its
// addresses recorded as failed, with the reason and the tries, and the walk
// moves on; once it answers again, retrying the failures completes the truth.
func TestFailuresAreRecordedThenRetried(t *testing.T) {
	t.Parallel()
	w := testWorld(t, 7)
	broken := regsim.ServerConfig{Faults: map[ipatlas.Registry]regsim.Faults{ipatlas.AFRINIC: {ServerError: 1}}}
	e := newEnv(t, w, broken)
	cr := e.crawler(t, crawl.Config{Concurrency: 2, MaxAttempts: 3})
	if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	fs, err := e.store.Failures(context.Background(), e.run.ID)
	if err != nil || len(fs) == 0 {
		t.Fatalf("failures %v, %v: want AFRINIC's addresses", fs, err)
	}
	for _, f := range fs {
		if f.Registry != ipatlas.AFRINIC || f.Attempts != 3 || !strings.Contains(f.Reason, "server error") || f.SpanEnd.Less(f.Addr) {
			t.Fatalf("failure %+v: want AFRINIC, 3 attempts, the reason, a span", f)
		}
	}
	if report, _ := e.check(t); report.OK() || len(report.Missing) == 0 {
		t.Fatalf("the broken registry's networks were recorded: %s", report)
	}
	// The registry recovers: serve the same world without faults and retry.
	healed, err := regsim.NewServer(w, regsim.ServerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := healed.Start(); err != nil {
		t.Fatal(err)
	}
	defer healed.Close()
	if n, err := e.store.RetryFailures(context.Background(), e.run.ID); err != nil || n != len(fs) {
		t.Fatalf("RetryFailures = %d, %v", n, err)
	}
	e.srv = healed
	if complete, err := e.crawler(t, crawl.Config{}).Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("retry Run = %v, %v", complete, err)
	}
	if report, _ := e.check(t); !report.OK() {
		t.Fatal(report)
	}
}

func savedQueries(t testing.TB, e *env) (q int64) {
	t.Helper()
	ps, err := e.store.Progress(context.Background(), e.run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		q += p.Counts.Queries
	}
	return q
}

// TestSplitBlocksAreNotAskedTwice: when a registry lists one allocation as
// two records, the network found from the first reaches into the second;
// the second is then skipped, not asked again.
func TestSplitBlocksAreNotAskedTwice(t *testing.T) {
	t.Parallel()
	w := testWorld(t, 5)
	e := newEnv(t, w, regsim.ServerConfig{})
	// Replan from files whose IPv4 records are each cut in two halves.
	var files []*delegated.File
	for _, r := range ipatlas.Registries() {
		f := w.Delegated(r, true)
		var recs []delegated.Record
		for _, rec := range f.Records {
			if rec.Type == "ipv4" && rec.Status == "allocated" && rec.Value >= 512 && rec.Value&(rec.Value-1) == 0 {
				half := rec
				half.Value /= 2
				second := half
				rg, _ := half.Range()
				second.Start = rg.To.Next().String()
				recs = append(recs, half, second)
				continue
			}
			recs = append(recs, rec)
		}
		f.Records = recs
		files = append(files, f)
	}
	plan, err := crawl.MakePlan(crawl.PlanInput{Delegated: files, Within: append(w.Config().IPv4, w.Config().IPv6...)})
	if err != nil {
		t.Fatal(err)
	}
	if e.run, err = e.store.StartRun(context.Background(), "split", plan.Units); err != nil {
		t.Fatal(err)
	}
	cr := e.crawler(t, crawl.Config{Concurrency: 1})
	if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	report, n := e.check(t)
	if !report.OK() {
		t.Fatal(report)
	}
	var skipped int64
	for _, c := range cr.Counters() {
		skipped += c.Skipped
	}
	if skipped == 0 || queries(cr) != int64(n) {
		t.Errorf("%d networks, %d queries, %d skipped: want halves skipped, one query per network", n, queries(cr), skipped)
	}
}

// checkCoverageCounted: the addresses the crawler counts its cursors
// passing are the store's coverage (what progress displays show).
func checkCoverageCounted(t testing.TB, e *env, cr *crawl.Crawler) {
	t.Helper()
	ps, err := e.store.Progress(context.Background(), e.run.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		for _, c := range cr.Counters() {
			// IPv6 counts are floats summed in a different order: compare
			// to a part in a billion.
			if c.Registry == p.Registry && (c.Covered4 != p.IPv4.Covered || math.Abs(c.Covered6-p.IPv6.Covered) > 1e-9*p.IPv6.Covered) {
				t.Errorf("%s: crawler counted %v + %v addresses, the store has %v + %v",
					p.Registry, c.Covered4, c.Covered6, p.IPv4.Covered, p.IPv6.Covered)
			}
		}
	}
}
