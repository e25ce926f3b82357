package metrics_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/metrics"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

// crawled is a finished crawl of a tiny simulated world: the crawler, and
// the store and run it crawled.
type crawled struct {
	cr    *crawl.Crawler
	store *sqlite.Store
	run   int64
}

// MustCrawl crawls a /16 of each registry, with ARIN answering 10% of
// queries with a server error so failures show. It takes well under a
// second.
func MustCrawl(t *testing.T) crawled {
	t.Helper()
	ctx := context.Background()
	w, err := regsim.New(regsim.Config{Seed: 1, IPv4: prefixes("13.64.0.0/16", "41.10.0.0/16", "1.2.0.0/16", "200.57.0.0/16", "62.0.0.0/16"),
		IPv6: []netip.Prefix{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := simtest.Serve(t, w, regsim.ServerConfig{Faults: map[ipatlas.Registry]regsim.Faults{ipatlas.ARIN: {ServerError: 0.1}}})
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crawl.db"), sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r, err := store.StartRun(ctx, "test", simtest.Plan(t, srv).Units)
	if err != nil {
		t.Fatal(err)
	}
	run := r.ID
	cr, err := crawl.New(crawl.Config{Store: store, Client: simtest.Client(t, srv), Rates: map[ipatlas.Registry]float64{},
		RetryBase: time.Millisecond, RetryCap: 10 * time.Millisecond, MaxAttempts: 10, Poll: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if complete, err := cr.Run(ctx, run); err != nil || !complete {
		t.Fatalf("Run = %v, %v", complete, err)
	}
	return crawled{cr: cr, store: store, run: run}
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// backlogs counts the run's units per registry, as `ipatlas crawl` would
// give Crawl.
func (c crawled) backlogs(ctx context.Context) (map[ipatlas.Registry]metrics.Units, error) {
	out := map[ipatlas.Registry]metrics.Units{}
	progress, err := c.store.Progress(ctx, c.run)
	if err != nil {
		return nil, err
	}
	for _, p := range progress {
		b, err := c.store.Backlog(ctx, c.run, p.Registry)
		if err != nil {
			return nil, err
		}
		out[p.Registry] = metrics.Units{Pending: b.Pending, Leased: b.Leased, Done: p.UnitsDone}
	}
	return out, nil
}

// statuses are responses_total's status labels of failed queries.
var statuses = map[rdap.Kind]string{rdap.KindNotFound: "not_found", rdap.KindBadRequest: "bad_request",
	rdap.KindRateLimited: "rate_limited", rdap.KindServer: "server_error", rdap.KindTransport: "transport_error",
	rdap.KindTruncated: "truncated", rdap.KindMalformed: "malformed", rdap.KindRedirect: "refused_redirect"}

// TestCrawlMetricsMatchTheCrawler: after a crawl, every exported number
// is the crawler's own, registry by registry, and the units are the
// store's.
func TestCrawlMetricsMatchTheCrawler(t *testing.T) {
	t.Parallel()
	c := MustCrawl(t)
	f := MustScrape(t, metrics.Handler(metrics.Crawl(c.cr, c.backlogs)))
	checkHelp(t, f)
	for _, s := range c.cr.Counters() {
		checkRegistry(t, f, s)
		units, err := c.backlogs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		reg := string(s.Registry)
		if got, want := f.value(t, "ipatlas_crawl_units", "registry", reg, "state", "done"), units[s.Registry].Done; got != float64(want) || want == 0 {
			t.Errorf("%s: units done %v, the store has %d", reg, got, want)
		}
		if p, l := f.value(t, "ipatlas_crawl_units", "registry", reg, "state", "pending"), f.value(t, "ipatlas_crawl_units", "registry", reg, "state", "leased"); p != 0 || l != 0 {
			t.Errorf("%s: %v pending and %v leased after a complete crawl", reg, p, l)
		}
	}
	a := c.cr.Activity()
	checkCommits(t, f, a)
	if got := f.value(t, "ipatlas_crawl_store_retries_total"); got != float64(a.StoreRetries) {
		t.Errorf("store retries %v, the crawler counts %d", got, a.StoreRetries)
	}
	if got := f.value(t, "ipatlas_crawl_lease_renewals_total"); got != float64(a.LeaseRenewals) {
		t.Errorf("lease renewals %v, the crawler counts %d", got, a.LeaseRenewals)
	}
	if got := f.value(t, "ipatlas_crawl_budget_share"); got != 1 {
		t.Errorf("budget share %v, want 1 (a lone worker)", got)
	}
	if got := f.value(t, "ipatlas_crawl_units_scrape_errors_total"); got != 0 {
		t.Errorf("units scrape errors %v", got)
	}
	arin := f.value(t, "ipatlas_crawl_responses_total", "registry", "arin", "status", "server_error")
	if arin == 0 {
		t.Error("ARIN's injected server errors are not counted")
	}
}

// checkRegistry compares one registry's exported counters to its snapshot.
func checkRegistry(t *testing.T, f families, s crawl.CounterSnapshot) {
	t.Helper()
	reg := string(s.Registry)
	want := map[string]float64{
		"ipatlas_crawl_queries_total":              float64(s.Queries),
		"ipatlas_crawl_redirects_total":            float64(s.Redirects),
		"ipatlas_crawl_throttled_total":            float64(s.Throttled),
		"ipatlas_crawl_retries_total":              float64(s.Retries),
		"ipatlas_crawl_failures_total":             float64(s.Failures),
		"ipatlas_crawl_skipped_total":              float64(s.Skipped),
		"ipatlas_crawl_units_done_total":           float64(s.Done),
		"ipatlas_crawl_limiter_rate":               s.Rate,
		"ipatlas_crawl_limiter_wait_seconds_total": s.Waited.Seconds(),
	}
	for name, w := range want {
		if got := f.value(t, name, "registry", reg); got != w {
			t.Errorf("%s{registry=%q} = %v, the crawler counts %v", name, reg, got, w)
		}
	}
	if s.Queries == 0 || s.Done == 0 {
		t.Errorf("%s: %d queries, %d units done: the crawl did not reach it", reg, s.Queries, s.Done)
	}
	if got := f.value(t, "ipatlas_crawl_responses_total", "registry", reg, "status", "ok"); got != float64(s.Answers) {
		t.Errorf("%s: responses ok %v, answers %d", reg, got, s.Answers)
	}
	for k, status := range statuses {
		if got := f.value(t, "ipatlas_crawl_responses_total", "registry", reg, "status", status); got != float64(s.Errors[k]) {
			t.Errorf("%s: responses %s %v, the crawler counts %d", reg, status, got, s.Errors[k])
		}
	}
	if got := f.value(t, "ipatlas_crawl_lease_events_total", "registry", reg, "event", "taken"); got != float64(s.LeasesTaken) || got == 0 {
		t.Errorf("%s: leases taken %v, the crawler counts %d", reg, got, s.LeasesTaken)
	}
}

// checkCommits compares the commit histogram to the crawler's: count, sum,
// and each cumulative bucket.
func checkCommits(t *testing.T, f families, a crawl.Activity) {
	t.Helper()
	m := f.metric("ipatlas_crawl_commit_duration_seconds")
	if m == nil || m.Histogram == nil {
		t.Fatal("no commit histogram")
	}
	h := m.Histogram
	if h.GetSampleCount() != uint64(a.Commits.Count) || a.Commits.Count == 0 {
		t.Errorf("commit count %d, the crawler counts %d", h.GetSampleCount(), a.Commits.Count)
	}
	if math.Abs(h.GetSampleSum()-a.Commits.Sum.Seconds()) > 1e-9 {
		t.Errorf("commit sum %v, the crawler sums %v", h.GetSampleSum(), a.Commits.Sum)
	}
	if len(h.Bucket) != len(crawl.LatencyBounds)+1 {
		t.Fatalf("%d buckets, want one per bound and +Inf (%d)", len(h.Bucket), len(crawl.LatencyBounds)+1)
	}
	var cum int64
	for i, b := range h.Bucket {
		cum += a.Commits.Buckets[i]
		bound := math.Inf(1)
		if i < len(crawl.LatencyBounds) {
			bound = crawl.LatencyBounds[i].Seconds()
		}
		if b.GetUpperBound() != bound || b.GetCumulativeCount() != uint64(cum) {
			t.Errorf("bucket %d: ≤%v: %d, want ≤%v: %d", i, b.GetUpperBound(), b.GetCumulativeCount(), bound, cum)
		}
	}
}

// TestCrawlUnitsAreCachedAndFailuresCounted: units is asked at most every
// 5 seconds; when it fails the scrape still answers, without units, and
// counts the failure.
func TestCrawlUnitsAreCachedAndFailuresCounted(t *testing.T) {
	t.Parallel()
	c := MustCrawl(t)
	var calls atomic.Int64
	var failing atomic.Bool
	units := func(ctx context.Context) (map[ipatlas.Registry]metrics.Units, error) {
		calls.Add(1)
		if failing.Load() {
			return nil, errors.New("store out of reach")
		}
		return c.backlogs(ctx)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	h := metrics.Handler(metrics.CrawlAt(c.cr, units, func() time.Time { return now }))
	MustScrape(t, h)
	now = now.Add(4 * time.Second)
	if f := MustScrape(t, h); calls.Load() != 1 || f.metric("ipatlas_crawl_units") == nil {
		t.Fatalf("two scrapes 4 s apart: units called %d times, want once, its answer kept", calls.Load())
	}
	failing.Store(true)
	now = now.Add(time.Second)
	f := MustScrape(t, h)
	if calls.Load() != 2 {
		t.Fatalf("5 s after the last call: units called %d times in all, want 2", calls.Load())
	}
	if f.metric("ipatlas_crawl_units") != nil {
		t.Error("units exported from a failed call")
	}
	if got := f.value(t, "ipatlas_crawl_units_scrape_errors_total"); got != 1 {
		t.Errorf("units scrape errors %v, want 1", got)
	}
	if f.value(t, "ipatlas_crawl_queries_total", "registry", "arin") == 0 {
		t.Error("the rest of the scrape is missing")
	}
}

// TestCrawlWithoutUnits: a nil units leaves the unit metrics out.
func TestCrawlWithoutUnits(t *testing.T) {
	t.Parallel()
	c := MustCrawl(t)
	f := MustScrape(t, metrics.Handler(metrics.Crawl(c.cr, nil)))
	if f.metric("ipatlas_crawl_units") != nil || f.metric("ipatlas_crawl_units_scrape_errors_total") != nil {
		t.Error("unit metrics without a units func")
	}
	if f.metric("ipatlas_crawl_queries_total") == nil {
		t.Error("no queries_total")
	}
}
