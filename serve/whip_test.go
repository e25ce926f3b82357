package serve_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/serve"
)

var rec = historytest.Record

// fixture: 10.0.0.0/8 holds 10.1.0.0/16 throughout; 192.0.2.0/24 changes
// owner in the second snapshot; 198.51.100.0/24 is removed in the third;
// 2001:db8::/32 appears in the second.
var states = [][]ipatlas.Record{
	{rec("10.0.0.0", "10.255.255.255", `{"org":"Ten"}`), rec("10.1.0.0", "10.1.255.255", `{"org":"Ten-One"}`),
		rec("192.0.2.0", "192.0.2.255", `{"org":"Old"}`), rec("198.51.100.0", "198.51.100.255", `{"org":"Gone"}`)},
	{rec("10.0.0.0", "10.255.255.255", `{"org":"Ten"}`), rec("10.1.0.0", "10.1.255.255", `{"org":"Ten-One"}`),
		rec("192.0.2.0", "192.0.2.255", `{"org":"New"}`), rec("198.51.100.0", "198.51.100.255", `{"org":"Gone"}`),
		rec("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", `{"org":"Six"}`)},
	{rec("10.0.0.0", "10.255.255.255", `{"org":"Ten"}`), rec("10.1.0.0", "10.1.255.255", `{"org":"Ten-One"}`),
		rec("192.0.2.0", "192.0.2.255", `{"org":"New"}`),
		rec("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", `{"org":"Six"}`)},
}

var dates = []string{"2024-01-01", "2024-01-08", "2024-01-15"}

func buildIndex(t testing.TB, n int) *index.Index {
	t.Helper()
	var pending []history.Pending
	for k := range n {
		at, _ := time.Parse("2006-01-02", dates[k])
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: dates[k]}, Records: states[k]})
	}
	return historytest.Index(t, historytest.Timeline(t, pending))
}

// running is serve.Serve on a loopback port, as `ipatlas serve` runs it
// (the lean path and net/http behind it).
type running struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// startServe serves live until stop is called or the test ends; the test
// fails if Serve returns an error.
func startServe(t testing.TB, live *serve.Live, o serve.Options, grace time.Duration) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- serve.Serve(ctx, ln, live, o, grace) }()
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

// stop ends Serve and returns what it returned.
func (r *running) stop() error {
	r.cancel()
	r.once.Do(func() { r.err = <-r.done })
	return r.err
}

// newServer serves the fixture and returns its URL.
func newServer(t *testing.T, o serve.Options) (string, *serve.Live) {
	t.Helper()
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() }) // after Serve has stopped: cleanups run last first
	return "http://" + startServe(t, live, o, 5*time.Second).addr, live
}

func get(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	if !json.Valid(b) {
		t.Errorf("%s %s: not JSON: %s", method, url, b)
	}
	return resp.StatusCode, string(b)
}

func TestWhipAPI(t *testing.T) {
	srv, _ := newServer(t, serve.Options{})
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", "/ip/192.0.2.7", "", 200, `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"}`},
		{"GET", "/ip/192.0.2.7?datetime=2024-01-05", "", 200, `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-01","org":"Old"}`},
		{"GET", "/ip/192.0.2.7?datetime=2024-01-08T00:00:00Z", "", 200, `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"}`},
		{"GET", "/ip/192.0.2.7?datetime=2023-12-31", "", 200, `{}`},
		{"GET", "/ip/192.0.2.7?datetime=all", "", 200, `{"history":[{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"},{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-01","org":"Old"}]}`},
		// Removed: nothing latest (Whip would still answer "Gone"), but history keeps it.
		{"GET", "/ip/198.51.100.1", "", 200, `{}`},
		{"GET", "/ip/198.51.100.1?datetime=2024-01-10", "", 200, `{"begin":"198.51.100.0","end":"198.51.100.255","datetime":"2024-01-01","org":"Gone"}`},
		{"GET", "/ip/198.51.100.1?datetime=all", "", 200, `{"history":[{"begin":"198.51.100.0","end":"198.51.100.255","datetime":"2024-01-01","org":"Gone"}]}`},
		{"GET", "/ip/8.8.8.8?datetime=all", "", 200, `{"history":[]}`},
		// Nested: the most specific network, with its parent.
		{"GET", "/ip/10.1.2.3", "", 200, `{"begin":"10.1.0.0","end":"10.1.255.255","datetime":"2024-01-01","org":"Ten-One","parents":[{"begin":"10.0.0.0","end":"10.255.255.255","datetime":"2024-01-01","org":"Ten"}]}`},
		{"GET", "/ip/10.2.0.0", "", 200, `{"begin":"10.0.0.0","end":"10.255.255.255","datetime":"2024-01-01","org":"Ten"}`},
		{"GET", "/ip/2001:db8::1", "", 200, `{"begin":"2001:db8::","end":"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff","datetime":"2024-01-08","org":"Six"}`},
		{"GET", "/ip/::ffff:192.0.2.7", "", 200, `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"}`},
		{"GET", "/ip/300.1.2.3", "", 400, `{"error":"\"300.1.2.3\" is not an IP address"}`},
		{"GET", "/ip/fe80::1%25eth0", "", 400, `{"error":"\"fe80::1%eth0\" is not an IP address"}`},
		{"GET", "/ip/1.2.3.4?datetime=yesterday", "", 400, `{"error":"datetime: \"yesterday\" is not an ISO 8601 date or date-time (want e.g. 2024-01-31 or 2024-01-31T12:00:00Z)"}`},
		{"POST", "/ip", `["192.0.2.1", "8.8.8.8", "10.9.9.9"]`, 200, `[{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"},{},{"begin":"10.0.0.0","end":"10.255.255.255","datetime":"2024-01-01","org":"Ten"}]`},
		{"POST", "/ip?datetime=2024-01-01", "192.0.2.1\n\n198.51.100.9\n", 200, `[{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-01","org":"Old"},{"begin":"198.51.100.0","end":"198.51.100.255","datetime":"2024-01-01","org":"Gone"}]`},
		{"POST", "/ip", `["192.0.2.1", "nope"]`, 400, `{"error":"item 2: \"nope\" is not an IP address"}`},
		{"POST", "/ip", "192.0.2.1\n1.2.3\n", 400, `{"error":"line 2: \"1.2.3\" is not an IP address"}`},
		{"POST", "/ip", `{"ips": []}`, 400, ""},
		{"POST", "/ip/1.2.3.4", "", 405, ""},
		{"GET", "/ip", "", 405, ""},
		{"GET", "/nothing/here", "", 404, `{"error":"no such endpoint: /nothing/here (try GET /ip/{addr})"}`},
	}
	for _, c := range cases {
		status, body := get(t, c.method, srv+c.path, c.body)
		if status != c.status || (c.want != "" && body != c.want) {
			t.Errorf("%s %s: %d %s\nwant %d %s", c.method, c.path, status, body, c.status, c.want)
		}
		if status >= 400 && !strings.HasPrefix(body, `{"error":`) {
			t.Errorf("%s %s: error without an error field: %s", c.method, c.path, body)
		}
	}
}

func TestBulkLimits(t *testing.T) {
	srv, _ := newServer(t, serve.Options{BulkLimit: 3, MaxBody: 100})
	if status, body := get(t, "POST", srv+"/ip", "1.1.1.1\n2.2.2.2\n3.3.3.3\n4.4.4.4\n"); status != 413 || !strings.Contains(body, "at most 3") {
		t.Errorf("over the limit: %d %s", status, body)
	}
	if status, body := get(t, "POST", srv+"/ip", strings.Repeat(" ", 200)); status != 413 || !strings.Contains(body, "over 100 bytes") {
		t.Errorf("body too big: %d %s", status, body)
	}
}

func TestHealth(t *testing.T) {
	srv, _ := newServer(t, serve.Options{})
	status, body := get(t, "GET", srv+"/healthz", "")
	var h struct {
		Status    string
		Snapshots int
		Latest    string
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || status != 200 || h.Status != "ok" || h.Snapshots != 3 || h.Latest != "2024-01-15" {
		t.Fatalf("%d %s (%v)", status, body, err)
	}
}

// TestSwapDropsNoRequest swaps indexes back and forth under a stream of
// requests: every request succeeds with one index's answer or the other's.
func TestSwapDropsNoRequest(t *testing.T) {
	srv, live := newServer(t, serve.Options{})
	old := `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-01","org":"Old"}`
	cur := `{"begin":"192.0.2.0","end":"192.0.2.255","datetime":"2024-01-08","org":"New"}`
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := http.Get(srv + "/ip/192.0.2.9")
				if err != nil {
					errs <- err.Error()
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if s := string(b); resp.StatusCode != 200 || (s != old && s != cur) {
					errs <- fmt.Sprintf("%d %s", resp.StatusCode, s)
					return
				}
			}
		}()
	}
	for i := range 20 {
		live.Swap(buildIndex(t, 1+i%3))
		time.Sleep(2 * time.Millisecond)
	}
	stop()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestServeStopsGracefully(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 3))
	defer live.Close()
	srv := startServe(t, live, serve.Options{}, 5*time.Second)
	if status, _ := get(t, "GET", "http://"+srv.addr+"/ip/192.0.2.1", ""); status != 200 {
		t.Fatalf("status %d", status)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + srv.addr + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}
}
