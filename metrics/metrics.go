// Package metrics exports ipatlas's own counters to Prometheus: the crawl
// workers' and the lookup server's. Its collectors read those counters when
// Prometheus scrapes, and at no other time, so the crawl's and the
// server's hot paths pay nothing for being watched.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	hist "github.com/ipatlas/ipatlas/internal/histogram"
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

// histogram turns one of ipatlas's histograms (a count per bucket, not
// cumulative) into Prometheus' (cumulative, keyed by upper bound in
// seconds). Its count is the buckets' total, as the snapshot's is.
func histogram(d *prometheus.Desc, h hist.Snapshot, labels ...string) prometheus.Metric {
	cumulative := make(map[float64]uint64, len(h.Bounds))
	var total uint64
	for i, n := range h.Buckets {
		total += uint64(max(n, 0))
		if i < len(h.Bounds) {
			cumulative[h.Bounds[i].Seconds()] = total
		}
	}
	return prometheus.MustNewConstHistogram(d, total, h.Sum.Seconds(), cumulative, labels...)
}
