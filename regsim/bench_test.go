package regsim_test

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/ipatlas/ipatlas"
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

// BenchmarkRDAPAnswer measures one registry's handler in-process: parse,
// look up, render. The load test in bench/ measures it over loopback.
func BenchmarkRDAPAnswer(b *testing.B) {
	w := regsim.MustNew(regsim.Config{})
	s, err := regsim.NewServer(w, regsim.ServerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler(ipatlas.ARIN)
	rng := rand.New(rand.NewPCG(1, 2))
	paths := make([]string, 4096)
	for i := range paths {
		paths[i] = fmt.Sprintf("/registry/ip/13.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))
	}
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", paths[i%len(paths)], nil))
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
}

// BenchmarkDelegatedFullScale renders ARIN's extended delegated-stats file
// of a full-scale world, free-pool rows included.
func BenchmarkDelegatedFullScale(b *testing.B) {
	w := regsim.MustNew(regsim.Config{IPv4: regsim.FullIPv4(), IPv6: regsim.FullIPv6(), IPv6PerBlock: 3000})
	for b.Loop() {
		if f := w.Delegated(ipatlas.ARIN, true); len(f.Records) == 0 {
			b.Fatal("empty file")
		}
	}
}
