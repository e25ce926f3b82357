package serve_test

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/serve"
)

// benchRequests are lookups the lean path answers, cycled through so the
// index is not asked the same thing every time.
var benchRequests = func() [][]byte {
	var out [][]byte
	for _, a := range []string{"192.0.2.7", "10.1.2.3", "10.2.0.0", "2001:db8::1", "8.8.8.8", "198.51.100.1"} {
		out = append(out, fmt.Appendf(nil, "GET /ip/%s HTTP/1.1\r\nHost: bench\r\nUser-Agent: wrk\r\n\r\n", a))
	}
	return out
}()

// BenchmarkLeanAnswer is the lean path without the network: parsing one
// request and appending its answer, as a connection does between a read
// and its write.
func BenchmarkLeanAnswer(b *testing.B) { benchLeanAnswer(b, benchOptions()) }

// BenchmarkLeanAnswerUncounted is BenchmarkLeanAnswer with no Counters:
// the difference is what counting costs.
func BenchmarkLeanAnswerUncounted(b *testing.B) { benchLeanAnswer(b, serve.Options{}) }

func benchLeanAnswer(b *testing.B, o serve.Options) {
	benchAnswer(b, buildIndex(b, 3), o, benchRequests)
}

// benchAnswer answers reqs, cycled through, from ix as a lean connection
// does between a read and its write.
func benchAnswer(b *testing.B, ix *index.Index, o serve.Options, reqs [][]byte) {
	live := serve.NewLive(ix)
	b.Cleanup(func() { live.Close() })
	answer := serve.LeanAnswerer(live, o)
	out := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		out = answer(reqs[i%len(reqs)], out[:0])
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "answers/s")
}

// benchOptions are the options `ipatlas serve` runs with: every request
// counted.
func benchOptions() serve.Options { return serve.Options{Counters: &serve.Counters{}} }

// BenchmarkLeanLookup is one keep-alive connection asking GET /ip/{addr}
// and waiting for each answer: the lean path's cost per request, the
// loopback's included. Allocations are the server's: the client reuses
// its buffers.
func BenchmarkLeanLookup(b *testing.B) {
	c := dialBench(b, benchOptions())
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		c.roundTrip(b, benchRequests[i%len(benchRequests)])
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkLeanLookupParallel is wrk's load in bench/lookup.sh: 16
// connections on 2 cores (8 per core), each asking and waiting.
func BenchmarkLeanLookupParallel(b *testing.B) {
	live := serve.NewLive(buildIndex(b, 3))
	b.Cleanup(func() { live.Close() })
	addr := startServe(b, live, benchOptions(), 5*time.Second).addr
	b.ReportAllocs()
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := dial(b, addr)
		defer c.conn.Close()
		for i := 0; pb.Next(); i++ {
			c.roundTrip(b, benchRequests[i%len(benchRequests)])
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHandedOffLookup is the same lookup on a connection the lean
// path has handed to net/http (its first request was GET /healthz).
func BenchmarkHandedOffLookup(b *testing.B) {
	c := dialBench(b, benchOptions())
	c.roundTrip(b, []byte("GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.roundTrip(b, benchRequests[i%len(benchRequests)])
		i++
	}
}

// dialBench serves the fixture with o and connects to it.
func dialBench(b *testing.B, o serve.Options) *benchClient {
	b.Helper()
	live := serve.NewLive(buildIndex(b, 3))
	b.Cleanup(func() { live.Close() })
	c := dial(b, startServe(b, live, o, 5*time.Second).addr)
	b.Cleanup(func() { c.conn.Close() })
	return c
}

// benchClient reads answers into one buffer it keeps, so it allocates
// nothing per request.
type benchClient struct {
	conn net.Conn
	buf  []byte
}

func dial(tb testing.TB, addr string) *benchClient {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	return &benchClient{conn: c, buf: make([]byte, 0, 64<<10)}
}

// roundTrip writes req and reads its answer (a Content-Length body) whole.
func (c *benchClient) roundTrip(tb testing.TB, req []byte) {
	if _, err := c.conn.Write(req); err != nil {
		tb.Fatal(err)
	}
	c.buf = c.buf[:0]
	want := -1
	for want < 0 || len(c.buf) < want {
		n, err := c.conn.Read(c.buf[len(c.buf):cap(c.buf)])
		if err != nil {
			tb.Fatal(err)
		}
		c.buf = c.buf[:len(c.buf)+n]
		if want < 0 {
			want = answerLength(c.buf)
		}
	}
	if !bytes.HasPrefix(c.buf, []byte("HTTP/1.1 200 ")) {
		tb.Fatalf("answer: %q", c.buf)
	}
}

// answerLength is the whole answer's length once its header is in, else -1.
func answerLength(b []byte) int {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return -1
	}
	_, v, ok := bytes.Cut(b[:end], []byte("Content-Length: "))
	if !ok {
		return -1
	}
	v, _, _ = bytes.Cut(v, []byte("\r\n"))
	n, _ := strconv.Atoi(string(v))
	return end + 4 + n
}
