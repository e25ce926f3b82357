package crawl_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/regsim"
)

// benchConcurrency is the walkers per registry of the end-to-end benchmark.
const benchConcurrency = 32

// BenchmarkCrawlEndToEnd crawls a world with limits off: HTTP, parsing and
// the store together. Goal: ≥ 10,000 answers/s on 2 cores.
func BenchmarkCrawlEndToEnd(b *testing.B) {
	w, err := regsim.New(regsim.Config{Seed: 1, IPv4: prefixes("13.0.0.0/8", "62.0.0.0/8", "193.0.0.0/8", "1.0.0.0/8", "200.0.0.0/8", "41.0.0.0/8"),
		IPv6: prefixes("2001:600::/23"), IPv6PerBlock: 200})
	if err != nil {
		b.Fatal(err)
	}
	var answers, queries int64
	var elapsed time.Duration
	for b.Loop() {
		e := newEnv(b, w, regsim.ServerConfig{})
		cr := e.crawler(b, crawl.Config{Concurrency: benchConcurrency})
		start := time.Now()
		if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
			b.Fatalf("Run = %v, %v", complete, err)
		}
		elapsed += time.Since(start)
		for _, c := range cr.Counters() {
			answers += c.Answers
			queries += c.Queries
		}
	}
	b.ReportMetric(float64(answers)/elapsed.Seconds(), "answers/s")
	b.ReportMetric(float64(queries)/elapsed.Seconds(), "queries/s")
	b.ReportMetric(float64(answers)/float64(b.N), "answers/crawl")
}

// BenchmarkCrawlAgainstRateBound crawls with limits on and reports the wall
// time against the bound: max over registries of queries / allowed rate.
// Goal: ≤ 1.05.
func BenchmarkCrawlAgainstRateBound(b *testing.B) {
	const rate = 100
	w, err := regsim.New(regsim.Config{Seed: 2, IPv4: prefixes("13.64.0.0/15", "62.0.0.0/15", "200.57.0.0/16"), IPv6: prefixes()})
	if err != nil {
		b.Fatal(err)
	}
	sc := regsim.ServerConfig{Limits: map[ipatlas.Registry]regsim.Limit{}}
	rates := map[ipatlas.Registry]float64{}
	for _, r := range ipatlas.Registries() {
		sc.Limits[r], rates[r] = regsim.Limit{Rate: rate, Burst: 5}, rate
	}
	if os.Getenv("BENCH_FAULTS") != "" {
		sc.Faults = map[ipatlas.Registry]regsim.Faults{}
		for _, r := range ipatlas.Registries() {
			sc.Faults[r] = regsim.Faults{ServerError: 0.01, Reset: 0.005, Truncate: 0.005, Malformed: 0.002}
		}
	}
	for b.Loop() {
		e := newEnv(b, w, sc)
		cr := e.crawler(b, crawl.Config{Concurrency: 8, Rates: rates})
		start := time.Now()
		if complete, err := cr.Run(context.Background(), e.run.ID); err != nil || !complete {
			b.Fatalf("Run = %v, %v", complete, err)
		}
		wall := time.Since(start)
		bound := 0.0
		for _, c := range cr.Counters() {
			bound = max(bound, float64(c.Queries)/rate)
		}
		b.ReportMetric(wall.Seconds()/bound, "wall/bound")
		b.ReportMetric(bound, "bound-s")
	}
}
