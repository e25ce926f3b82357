package metrics_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/metrics"
	"github.com/ipatlas/ipatlas/serve"
)

// mustLive serves an index of two snapshots of one network.
func mustLive(t *testing.T) *serve.Live {
	t.Helper()
	var pending []history.Pending
	for _, day := range []string{"2024-01-01", "2024-01-08"} {
		at, _ := time.Parse(time.DateOnly, day)
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: day},
			Records: []ipatlas.Record{historytest.Record("192.0.2.0", "192.0.2.255", `{"org":"`+day+`"}`)}})
	}
	live := serve.NewLive(historytest.Index(t, historytest.Timeline(t, pending)))
	t.Cleanup(func() { live.Close() })
	return live
}

// TestServingMetrics: requests show by route and code, each route's
// histogram counts its requests, a scrape is itself counted (in the next
// one), and the index's snapshots show.
func TestServingMetrics(t *testing.T) {
	t.Parallel()
	live := mustLive(t)
	c := &serve.Counters{}
	h := serve.Handler(live, serve.Options{Counters: c, Metrics: metrics.Handler(metrics.Serving(c), metrics.Index(live))})
	for _, path := range []string{"/ip/192.0.2.7", "/ip/192.0.2.8", "/ip/192.0.2.9", "/ip/nope", "/healthz", "/nothing"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	f := MustScrape(t, h)
	checkHelp(t, f)
	want := []struct {
		route, code string
		n           float64
	}{{"ip", "200", 3}, {"ip", "400", 1}, {"healthz", "200", 1}, {"other", "404", 1}}
	for _, w := range want {
		if got := f.value(t, "ipatlas_http_requests_total", "route", w.route, "code", w.code); got != w.n {
			t.Errorf("requests %s %s: %v, want %v", w.route, w.code, got, w.n)
		}
	}
	if m := f.metric("ipatlas_http_request_duration_seconds", "route", "ip"); m == nil || m.Histogram.GetSampleCount() != 4 || m.Histogram.GetSampleSum() <= 0 {
		t.Errorf("ip durations: %v, want 4 requests", m)
	}
	if m := f.metric("ipatlas_http_request_duration_seconds", "route", "ip_bulk"); m == nil || m.Histogram.GetSampleCount() != 0 {
		t.Errorf("ip_bulk durations: %v, want an empty histogram", m)
	}
	if got := f.value(t, "ipatlas_index_snapshots"); got != 2 {
		t.Errorf("index snapshots %v, want 2", got)
	}
	latest, _ := time.Parse(time.DateOnly, "2024-01-08")
	if got := f.value(t, "ipatlas_index_latest_snapshot_timestamp_seconds"); got != float64(latest.Unix()) {
		t.Errorf("latest snapshot at %v, want %d", got, latest.Unix())
	}
	if got := MustScrape(t, h).value(t, "ipatlas_http_requests_total", "route", "metrics", "code", "200"); got != 1 {
		t.Errorf("the first scrape counted %v times, want once", got)
	}
}
