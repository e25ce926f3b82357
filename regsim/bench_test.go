package regsim_test

import (
	"runtime"
	"testing"

	"github.com/ipatlas/ipatlas/regsim"
)

// BenchmarkFullWorld builds a full-scale world: every IANA /8 and IPv6 block
// of every registry. Goal: ~300,000 top-level allocations and ~3 million
// nested networks in under 30 s and under 2 GiB.
func BenchmarkFullWorld(b *testing.B) {
	cfg := regsim.Config{IPv4: regsim.FullIPv4(), IPv6: regsim.FullIPv6(), IPv6PerBlock: 3000}
	for b.Loop() {
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		w := regsim.MustNew(cfg)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		top := 0
		w.Each(func(r regsim.NetRef) bool {
			if w.TopLevel(r) {
				top++
			}
			return true
		})
		b.ReportMetric(float64(top), "top-level")
		b.ReportMetric(float64(w.Len()-top), "nested")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "MiB-allocated")
		b.ReportMetric(float64(after.HeapInuse)/(1<<20), "MiB-in-use")
		runtime.KeepAlive(w)
	}
}
