package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/rdap"
)

// Units are a registry's units of a run, by state.
type Units struct {
	Pending, Leased, Done int
}

// UnitsFunc counts a run's units per registry and state.
type UnitsFunc = func(ctx context.Context) (map[ipatlas.Registry]Units, error)

// Crawl collects a crawler's metrics. units, when not nil, counts the
// run's units per registry and state; it asks the store, so it is called
// at most every 5 seconds (scrapes in between see its last answer) and
// given 5 seconds to answer. When it fails the scrape goes on without the
// units, and ipatlas_crawl_units_scrape_errors_total counts the failure.
func Crawl(cr *crawl.Crawler, units UnitsFunc) prometheus.Collector {
	return newCrawlCollector(cr, units, time.Now)
}

// How often units is called at most, and how long it may take.
const (
	unitsEvery   = 5 * time.Second
	unitsTimeout = 5 * time.Second
)

func newCrawlCollector(cr *crawl.Crawler, units UnitsFunc, now func() time.Time) prometheus.Collector {
	c := &crawlCollector{cr: cr}
	if units != nil {
		c.units = &unitsCache{units: units, now: now}
	}
	return c
}

type crawlCollector struct {
	cr    *crawl.Crawler
	units *unitsCache // nil: units are not counted
}

func crawlDesc(name, help string, labels ...string) *prometheus.Desc {
	return desc("crawl", name, help, labels...)
}

// registryCounters are the counters every registry has, each read from
// its snapshot.
var registryCounters = []struct {
	desc  *prometheus.Desc
	value func(crawl.CounterSnapshot) int64
}{
	{crawlDesc("queries_total", "HTTP requests sent to the registry's RDAP service, redirects and retries included.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Queries }},
	{crawlDesc("redirects_total", "Redirects the registry answered with.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Redirects }},
	{crawlDesc("throttled_total", "Queries the registry refused for rate: 429s and rate-limit notices.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Throttled }},
	{crawlDesc("retries_total", "Queries tried again after a failure.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Retries }},
	{crawlDesc("failures_total", "Addresses given up on after too many failed tries.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Failures }},
	{crawlDesc("skipped_total", "Unit starts skipped because a recorded network already covers them.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Skipped }},
	{crawlDesc("units_done_total", "Units this process walked to their end.", "registry"),
		func(s crawl.CounterSnapshot) int64 { return s.Done }},
}

var (
	crawlResponses = crawlDesc("responses_total",
		`Answers to RDAP queries by outcome: "ok" for a network returned, otherwise what went wrong.`, "registry", "status")
	crawlWait = crawlDesc("limiter_wait_seconds_total",
		"Time spent waiting on the registry's rate limiter, summed over the walkers.", "registry")
	crawlRate = crawlDesc("limiter_rate",
		"The rate limiter's current rate, in requests per second (0: unlimited).", "registry")
	crawlLeases = crawlDesc("lease_events_total",
		`Unit leases "taken" by this worker, and "lost": taken over by another worker after expiring.`, "registry", "event")
	crawlRenewals = crawlDesc("lease_renewals_total", "Unit leases this worker renewed.")
	crawlCommits  = crawlDesc("commit_duration_seconds", "How long each store commit of answers and cursors took.")
	crawlRetries  = crawlDesc("store_retries_total", "Store calls retried because the store was out of reach.")
	crawlShare    = crawlDesc("budget_share", "Live workers sharing this one's request budget, itself included.")
	crawlUnits    = crawlDesc("units",
		"The run's units by state, over every worker: pending (no one holds them), leased, or done.", "registry", "state")
	crawlUnitsErrors = crawlDesc("units_scrape_errors_total", "Times counting the run's units in the store failed.")
)

// kindNames label the responses_total statuses of failed queries: stable
// snake_case, independent of how rdap describes its kinds to people.
var kindNames = map[rdap.Kind]string{
	rdap.KindNotFound:    "not_found",
	rdap.KindBadRequest:  "bad_request",
	rdap.KindRateLimited: "rate_limited",
	rdap.KindServer:      "server_error",
	rdap.KindTransport:   "transport_error",
	rdap.KindTruncated:   "truncated",
	rdap.KindMalformed:   "malformed",
	rdap.KindRedirect:    "refused_redirect",
}

func (c *crawlCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, rc := range registryCounters {
		ch <- rc.desc
	}
	for _, d := range []*prometheus.Desc{crawlResponses, crawlWait, crawlRate, crawlLeases, crawlRenewals,
		crawlCommits, crawlRetries, crawlShare} {
		ch <- d
	}
	if c.units != nil {
		ch <- crawlUnits
		ch <- crawlUnitsErrors
	}
}

func (c *crawlCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.cr.Counters() {
		collectRegistry(ch, s)
	}
	collectActivity(ch, c.cr.Activity())
	if c.units != nil {
		c.units.collect(ch)
	}
}

func collectRegistry(ch chan<- prometheus.Metric, s crawl.CounterSnapshot) {
	reg := string(s.Registry)
	for _, rc := range registryCounters {
		ch <- counter(rc.desc, rc.value(s), reg)
	}
	collectResponses(ch, s)
	ch <- prometheus.MustNewConstMetric(crawlWait, prometheus.CounterValue, s.Waited.Seconds(), reg)
	ch <- gauge(crawlRate, s.Rate, reg)
	ch <- counter(crawlLeases, s.LeasesTaken, reg, "taken")
	ch <- counter(crawlLeases, s.LeasesLost, reg, "lost")
}

// collectResponses exports every status, zeros included, so a rate over
// an outcome exists before its first occurrence. A kind rdap gains later
// counts as "other" until it is named here.
func collectResponses(ch chan<- prometheus.Metric, s crawl.CounterSnapshot) {
	reg := string(s.Registry)
	byStatus := map[string]int64{"ok": s.Answers}
	for _, name := range kindNames {
		byStatus[name] = 0
	}
	for k, n := range s.Errors {
		name, ok := kindNames[k]
		if !ok {
			name = "other"
		}
		byStatus[name] += n
	}
	for status, n := range byStatus {
		ch <- counter(crawlResponses, n, reg, status)
	}
}

func collectActivity(ch chan<- prometheus.Metric, a crawl.Activity) {
	ch <- histogram(crawlCommits, a.Commits)
	ch <- counter(crawlRetries, a.StoreRetries)
	ch <- counter(crawlRenewals, a.LeaseRenewals)
	ch <- gauge(crawlShare, float64(a.BudgetShare))
}

// unitsCache keeps units' last answer for unitsEvery: counting units is a
// store query, and several Prometheus servers scraping every few seconds
// should not add up to a load on the store the crawl writes to.
type unitsCache struct {
	units UnitsFunc
	now   func() time.Time

	mu     sync.Mutex // held across the call, so concurrent scrapes make one
	at     time.Time  // when units was last called; zero: never
	last   map[ipatlas.Registry]Units
	err    error
	failed int64
}

// get returns units' answer, calling it when the last is too old.
func (u *unitsCache) get() (map[ipatlas.Registry]Units, int64, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now := u.now(); u.at.IsZero() || now.Sub(u.at) >= unitsEvery {
		ctx, cancel := context.WithTimeout(context.Background(), unitsTimeout)
		u.last, u.err = u.units(ctx)
		cancel()
		u.at = now
		if u.err != nil {
			u.failed++
		}
	}
	return u.last, u.failed, u.err
}

func (u *unitsCache) collect(ch chan<- prometheus.Metric) {
	units, failed, err := u.get()
	ch <- counter(crawlUnitsErrors, failed)
	if err != nil {
		return
	}
	for reg, b := range units {
		ch <- gauge(crawlUnits, float64(b.Pending), string(reg), "pending")
		ch <- gauge(crawlUnits, float64(b.Leased), string(reg), "leased")
		ch <- gauge(crawlUnits, float64(b.Done), string(reg), "done")
	}
}
