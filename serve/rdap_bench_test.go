package serve_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/serve"
)

// rdapBenchRequests are lean RDAP queries, cycled through: networks with
// entities, nested and not, IPv6, a past snapshot, and a 404.
var rdapBenchRequests = func() [][]byte {
	var out [][]byte
	for _, q := range []string{"13.64.0.7", "13.70.1.2", "2001:db8::1", "13.65.0.1?datetime=2024-01-02", "192.0.2.1", "8.8.8.8"} {
		out = append(out, fmt.Appendf(nil, "GET /rdap/ip/%s HTTP/1.1\r\nHost: bench:8080\r\nAccept: application/rdap+json\r\n\r\n", q))
	}
	return out
}()

// BenchmarkRDAPLeanAnswer is an RDAP query on the lean path without the
// network: parsing it, finding the network and writing its RDAP answer.
func BenchmarkRDAPLeanAnswer(b *testing.B) {
	benchAnswer(b, rdapIndex(b), benchOptions(), rdapBenchRequests)
}

// BenchmarkRDAPLookupParallel is bench/rdap.sh's load in-process: 16
// keep-alive connections on the cores there are, each asking and waiting.
func BenchmarkRDAPLookupParallel(b *testing.B) {
	live := serve.NewLive(rdapIndex(b))
	b.Cleanup(func() { live.Close() })
	addr := startServe(b, live, benchOptions(), 5*time.Second).addr
	b.ReportAllocs()
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := dial(b, addr)
		defer c.conn.Close()
		for i := 0; pb.Next(); i++ {
			c.roundTrip(b, rdapBenchRequests[i%5]) // the 404 left out: roundTrip wants a 200
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
