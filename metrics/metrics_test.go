package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ipatlas/ipatlas/metrics"
)

// families is a scrape, by metric name.
type families map[string]*dto.MetricFamily

// MustScrape gets h's /metrics answer and parses it as Prometheus' text
// format, failing the test on anything but a 200 of text.
func MustScrape(tb testing.TB, h http.Handler) families {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		tb.Fatalf("scrape: %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		tb.Fatalf("scrape: %v", err)
	}
	return fams
}

// metric is the sample of name whose labels include the given pairs
// (name, value, name, value, …), or nil.
func (f families) metric(name string, labels ...string) *dto.Metric {
	fam := f[name]
	if fam == nil {
		return nil
	}
	for _, m := range fam.GetMetric() {
		if hasLabels(m, labels) {
			return m
		}
	}
	return nil
}

func hasLabels(m *dto.Metric, labels []string) bool {
	have := map[string]string{}
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for i := 0; i+1 < len(labels); i += 2 {
		if v, ok := have[labels[i]]; !ok || v != labels[i+1] {
			return false
		}
	}
	return true
}

// value is a counter's or gauge's value, failing the test when the sample
// is missing.
func (f families) value(tb testing.TB, name string, labels ...string) float64 {
	tb.Helper()
	m := f.metric(name, labels...)
	switch {
	case m == nil:
		tb.Fatalf("no %s%v in the scrape", name, labels)
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	tb.Fatalf("%s%v is neither a counter nor a gauge", name, labels)
	return 0
}

// ours are the names of the ipatlas_ metrics in the scrape, sorted.
func (f families) ours() []string {
	var out []string
	for name := range f {
		if strings.HasPrefix(name, "ipatlas_") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// checkHelp: every ipatlas metric says what it counts.
func checkHelp(t *testing.T, f families) {
	t.Helper()
	for _, name := range f.ours() {
		if len(f[name].GetHelp()) < 10 {
			t.Errorf("%s: help %q", name, f[name].GetHelp())
		}
	}
}

func TestHandlerServesRuntimeMetrics(t *testing.T) {
	t.Parallel()
	f := MustScrape(t, metrics.Handler())
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if f[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}
