package analytics_test

import (
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/regsim"
)

// benchSlash8s is how many of the RIRs' /8s the benchmark world fills:
// about 19,000 networks each, top-level and nested.
const benchSlash8s = 40

// benchRecords is a snapshot of over 300,000 networks.
var benchRecords = sync.OnceValue(func() []ipatlas.Record { return worldRecords(benchSlash8s) })

// worldRecords is a snapshot of the simulator's world over the first
// slash8s of the RIRs' /8s, as a crawl stores it: one record per network,
// nested ones too.
func worldRecords(slash8s int) []ipatlas.Record {
	var blocks []netip.Prefix
	for _, s := range iana.IPv4Slash8s() {
		if s.Registry != "" && len(blocks) < slash8s {
			blocks = append(blocks, s.Prefix())
		}
	}
	w := regsim.MustNew(regsim.Config{Seed: 1, IPv4: blocks})
	var recs []ipatlas.Record
	w.Each(func(r regsim.NetRef) bool {
		rec, err := ipatlas.NetworkRecord(w.Network(r))
		if err != nil {
			panic(err)
		}
		recs = append(recs, rec)
		return true
	})
	slices.SortFunc(recs, ipatlas.CompareRecords)
	return recs
}

// BenchmarkAnalyze is the figures of a snapshot of over 300,000
// networks, its records already read.
func BenchmarkAnalyze(b *testing.B) {
	recs := benchRecords()
	if len(recs) < 300_000 {
		b.Fatalf("%d networks: the benchmark wants 300,000 or more", len(recs))
	}
	blocks, err := analytics.FromRecords(recs)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		analytics.Analyze(blocks, analytics.Options{})
	}
	b.ReportMetric(float64(len(blocks)), "networks")
	b.ReportMetric(float64(len(blocks))*float64(b.N)/b.Elapsed().Seconds(), "networks/s")
}

// BenchmarkStats is what `ipatlas stats` does with a snapshot's state:
// read every record's payload, then analyse.
func BenchmarkStats(b *testing.B) {
	recs := benchRecords()
	for b.Loop() {
		blocks, err := analytics.FromRecords(recs)
		if err != nil {
			b.Fatal(err)
		}
		analytics.Analyze(blocks, analytics.Options{})
	}
	b.ReportMetric(float64(len(recs)), "networks")
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "networks/s")
}
