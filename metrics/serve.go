package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipatlas/ipatlas/serve"
)

var (
	httpRequests = desc("http", "requests_total",
		"Requests the lookup server answered, by route (ip, ip_bulk, healthz, metrics, rdap, admin, other) and status code.", "route", "code")
	httpDurations = desc("http", "request_duration_seconds",
		"Time from a request read whole to its answer ready to send, by route.", "route")
	indexSnapshots = desc("index", "snapshots", "Snapshots in the index being served.")
	indexLatest    = desc("index", "latest_snapshot_timestamp_seconds",
		"When the newest snapshot in the index being served was taken, in Unix seconds (absent with no snapshot).")
)

// Serving collects the lookup server's metrics from its counters.
func Serving(c *serve.Counters) prometheus.Collector { return servingCollector{c} }

type servingCollector struct{ c *serve.Counters }

func (s servingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- httpRequests
	ch <- httpDurations
}

func (s servingCollector) Collect(ch chan<- prometheus.Metric) {
	snap := s.c.Snapshot()
	for _, r := range snap.Requests {
		ch <- counter(httpRequests, r.N, r.Route.String(), strconv.Itoa(r.Code))
	}
	for _, d := range snap.Durations {
		ch <- histogram(httpDurations, d.Snapshot, d.Route.String())
	}
}

// Index collects what the index being served holds: its snapshots, and
// when the newest was taken, so a stale index can be alerted on.
func Index(live *serve.Live) prometheus.Collector { return indexCollector{live} }

type indexCollector struct{ live *serve.Live }

func (i indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- indexSnapshots
	ch <- indexLatest
}

func (i indexCollector) Collect(ch chan<- prometheus.Metric) {
	snaps := i.live.Index().Snapshots()
	ch <- gauge(indexSnapshots, float64(len(snaps)))
	if len(snaps) > 0 {
		ch <- gauge(indexLatest, float64(snaps[len(snaps)-1].At.UnixNano())/1e9)
	}
}
