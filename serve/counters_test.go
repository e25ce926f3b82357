package serve_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/metrics"
	"github.com/ipatlas/ipatlas/serve"
)

// counts are a snapshot's request counts, as "route code" → n.
func counts(s serve.CounterSnapshot) map[string]int64 {
	out := map[string]int64{}
	for _, r := range s.Requests {
		out[r.Route.String()+" "+http.StatusText(r.Code)] += r.N
	}
	return out
}

// TestCountersCountBothPaths: requests the lean path answers and requests
// net/http answers are each counted once, by route and code, pipelined or
// not, and each route's durations count its requests.
func TestCountersCountBothPaths(t *testing.T) {
	t.Parallel()
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() })
	c := &serve.Counters{}
	addr := startServe(t, live, serve.Options{Counters: c}, 5*time.Second).addr
	lean := "GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n"
	leanBad := "GET /ip/1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n"
	roundTrips(t, addr, lean, 1, len(lean))
	roundTrips(t, addr, lean+lean+leanBad, 3, 1<<10) // pipelined: one batch
	handedOff := []string{
		"HEAD /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ip/fe80::1%25eth0 HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /ip HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n[\"192.0.2.1\"]",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ip/../healthz HTTP/1.1\r\nHost: x\r\n\r\n", // ServeMux's redirect: the route it leads to
		"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",       // no Metrics: a 404
	}
	for _, raw := range handedOff {
		method, _, _ := strings.Cut(raw, " ")
		roundTrips(t, addr, raw+lean, 2, len(raw), method, "GET") // the lookup after is net/http's too
	}
	want := map[string]int64{
		"ip OK": 3 + len64(handedOff) + 1, "ip Bad Request": 2,
		"ip_bulk OK": 1, "healthz OK": 1, "other Not Found": 2, "healthz Temporary Redirect": 1,
	}
	snap := c.Snapshot()
	got := counts(snap)
	if len(got) != len(want) {
		t.Errorf("counted %v\nwant %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d", k, got[k], n)
		}
	}
	for _, d := range snap.Durations {
		var n int64
		for _, r := range snap.Requests {
			if r.Route == d.Route {
				n += r.N
			}
		}
		if d.Count != n || (n > 0) != (d.Sum > 0) || len(d.Buckets) != len(serve.DurationBounds)+1 {
			t.Errorf("%s: %d durations summing %v in %d buckets, for %d requests", d.Route, d.Count, d.Sum, len(d.Buckets), n)
		}
	}
}

func len64[T any](s []T) int64 { return int64(len(s)) }

// TestMetricsRoute: with Metrics set, GET /metrics answers Prometheus'
// text with the request counts, and is counted itself; other methods are
// a 405; without Metrics it is a 404.
func TestMetricsRoute(t *testing.T) {
	t.Parallel()
	c := &serve.Counters{}
	srv, _ := newServer(t, serve.Options{Counters: c, Metrics: metrics.Handler(metrics.Serving(c))})
	get(t, "GET", srv+"/ip/192.0.2.7", "") // the lean path
	resp, err := http.Get(srv + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(body), `ipatlas_http_requests_total{code="200",route="ip"} 1`+"\n") {
		t.Fatalf("GET /metrics: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if status, _ := get(t, "POST", srv+"/metrics", ""); status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d, want 405", status)
	}
	if got := counts(c.Snapshot()); got["metrics OK"] != 1 || got["metrics Method Not Allowed"] != 1 {
		t.Errorf("counted %v, want the GET and the POST of /metrics", got)
	}
	bare, _ := newServer(t, serve.Options{})
	if status, _ := get(t, "GET", bare+"/metrics", ""); status != http.StatusNotFound {
		t.Errorf("GET /metrics without Metrics: %d, want 404", status)
	}
}
