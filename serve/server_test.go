package serve_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/serve"
)

// exchange is one raw request and the answer read back.
type exchange struct {
	status      int
	contentType string
	body        string
	close       bool
}

// roundTrips writes raw (one or more requests, pipelined) to addr in
// chunks of at most chunk bytes, and reads n answers to requests of the
// given methods (GET when not given: HEAD answers have no body).
func roundTrips(t *testing.T, addr, raw string, n, chunk int, methods ...string) []exchange {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		for b := []byte(raw); len(b) > 0; {
			k := min(chunk, len(b))
			if _, err := c.Write(b[:k]); err != nil {
				return
			}
			b = b[k:]
			if chunk < len(raw) {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	br := bufio.NewReader(c)
	var out []exchange
	for i := range n {
		req := &http.Request{Method: "GET"}
		if i < len(methods) {
			req.Method = methods[i]
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("answer %d of %d to %q: %v", len(out)+1, n, raw, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, exchange{resp.StatusCode, resp.Header.Get("Content-Type"), string(b), resp.Close})
	}
	return out
}

// requests the lean path takes and requests it hands to net/http, each a
// complete raw HTTP/1.1 request.
var rawRequests = []string{
	"GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/10.1.2.3 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
	"GET /ip/192.0.2.7?datetime=2024-01-05 HTTP/1.1\r\nhost: x\r\nContent-Length: 0\r\n\r\n",
	"GET /ip/192.0.2.7?datetime=all HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
	"GET /ip/192.0.2.7?datetime=2024-01-08T00%3A00%3A00Z HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/192.0.2.7?datetime=yesterday HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/192.0.2.7?datetime=2024-01-05&datetime=all HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/2001:db8::1 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/fe80::1%25eth0 HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/192.0.2.7/ HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ip/../healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	"HEAD /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n",
	"POST /ip HTTP/1.1\r\nHost: x\r\nContent-Length: 21\r\n\r\n[\"192.0.2.1\",\"1.1.1\"]",
	"POST /ip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n[\"10.0.0.1\"\r\n1\r\n]\r\n0\r\n\r\n",
	"GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
	"GET /ip/192.0.2.7 HTTP/1.1\r\n\r\n", // no Host: 400
	"GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
	"GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n folded: y\r\n\r\n",
	"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n",
}

// TestLeanPathAnswersAsTheHandler: every request, on the lean path or
// handed to net/http, gets the status, type and body net/http's handler
// gives it alone; so do all of them pipelined on one connection, sent
// whole or dribbled a few bytes at a time.
func TestLeanPathAnswersAsTheHandler(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() }) // after Serve stops
	ref := httptest.NewServer(serve.Handler(live, serve.Options{}))
	defer ref.Close()
	refAddr := strings.TrimPrefix(ref.URL, "http://")
	addr := startServe(t, live, serve.Options{}, 5*time.Second).addr
	var want []exchange
	var pipelined strings.Builder
	var methods []string
	want0 := roundTrips(t, refAddr, rawRequests[0], 1, len(rawRequests[0]))[0]
	for _, raw := range rawRequests {
		method, _, _ := strings.Cut(raw, " ")
		w := roundTrips(t, refAddr, raw, 1, len(raw), method)[0]
		if w.close {
			if got := roundTrips(t, addr, raw, 1, len(raw), method)[0]; got != w {
				t.Errorf("%q:\n got %+v\nwant %+v", raw, got, w)
			}
			continue // a request net/http closes the connection after ends a pipeline
		}
		// Followed by a lean request: it must be read where this one ends.
		got := roundTrips(t, addr, raw+rawRequests[0], 2, len(raw), method, "GET")
		if got[0] != w || got[1] != want0 {
			t.Errorf("%q, then a lookup:\n got %+v\nwant %+v, %+v", raw, got, w, want0)
		}
		{ // a request net/http closes the connection after ends a pipeline
			want = append(want, w)
			pipelined.WriteString(raw)
			methods = append(methods, method)
		}
	}
	// Lean requests after a hand-off are net/http's too.
	pipelined.WriteString(rawRequests[0])
	want, methods = append(want, want[0]), append(methods, "GET")
	for _, chunk := range []int{pipelined.Len(), 7} {
		got := roundTrips(t, addr, pipelined.String(), len(want), chunk, methods...)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("pipelined in chunks of %d, answer %d:\n got %+v\nwant %+v", chunk, i+1, got[i], want[i])
			}
		}
	}
}

// TestLeanPathConnectionHandling: Connection: close closes after the
// answer; a header over the limit is net/http's 431.
func TestLeanPathConnectionHandling(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() }) // after Serve stops
	addr := startServe(t, live, serve.Options{}, 5*time.Second).addr
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n")
	all, err := io.ReadAll(c)
	if err != nil || strings.Count(string(all), "HTTP/1.1 200") != 1 || !strings.Contains(string(all), "Connection: close") {
		t.Errorf("Connection: close: %v\n%s\nwant one answer, then the connection closed", err, all)
	}
	huge := "GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 80<<10) + "\r\n\r\n"
	if got := roundTrips(t, addr, huge, 1, 4096)[0]; got.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("an 80 KiB header: %+v, want 431", got)
	}
}

// TestServeClosesIdleConnectionsAtOnce: at shutdown an idle keep-alive
// connection on the lean path is closed at once, not after the grace.
func TestServeClosesIdleConnectionsAtOnce(t *testing.T) {
	live := serve.NewLive(buildIndex(t, 3))
	t.Cleanup(func() { live.Close() }) // after Serve stops
	srv := startServe(t, live, serve.Options{}, time.Minute)
	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET /ip/192.0.2.7 HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	io.ReadAll(resp.Body)
	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve still waiting on an idle connection")
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection after shutdown: %v, want EOF", err)
	}
}
