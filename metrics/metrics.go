// Package metrics exports ipatlas's own counters to Prometheus: the crawl
// workers' and the lookup server's. Its collectors read those counters when
// Prometheus scrapes, and at no other time, so the crawl's and the
// server's hot paths pay nothing for being watched.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "ipatlas"

// Handler serves the collectors in Prometheus' text format, with the Go
// runtime's and the process's metrics. Each call makes its own registry,
// so two servers (or tests) in one process never collide over global
// state. It panics if two collectors describe the same metric: that is a
// programming error, not a condition to handle.
func Handler(cs ...prometheus.Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(cs...)
	// One failing collector should not blank the whole scrape: serve what
	// the others gathered.
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// desc describes a metric of ipatlas's namespace.
func desc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
}

func counter(d *prometheus.Desc, v int64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// histogram turns ipatlas's histograms (a count per bucket of bounds, then
// one over the last bound; not cumulative) into Prometheus' (cumulative,
// keyed by upper bound in seconds). The count is the buckets' total rather
// than a separately read counter, so the two always agree even while
// observations land mid-scrape.
func histogram(d *prometheus.Desc, bounds []time.Duration, buckets []int64, sum time.Duration, labels ...string) prometheus.Metric {
	cumulative := make(map[float64]uint64, len(bounds))
	var total uint64
	for i, b := range bounds {
		total += bucket(buckets, i)
		cumulative[b.Seconds()] = total
	}
	total += bucket(buckets, len(bounds))
	return prometheus.MustNewConstHistogram(d, total, sum.Seconds(), cumulative, labels...)
}

// bucket is buckets[i], or 0 past the end (an empty snapshot has none).
func bucket(buckets []int64, i int) uint64 {
	if i >= len(buckets) || buckets[i] < 0 {
		return 0
	}
	return uint64(buckets[i])
}
