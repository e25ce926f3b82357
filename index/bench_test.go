package index_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
)

// benchIndex is the index the lookup benchmarks search: the file named by
// IPATLAS_BENCH_INDEX (bench/lookup.sh builds one from gen_ranges.py's
// data), or else a world shaped like it: 300,000 IPv4 ranges over 4 weekly
// snapshots with about 1% changing each week.
func benchIndex(b *testing.B) *index.Index {
	b.Helper()
	path := os.Getenv("IPATLAS_BENCH_INDEX")
	if path == "" {
		return historytest.Index(b, syntheticTimeline(b, 300_000, 4))
	}
	ix, err := index.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

func syntheticTimeline(b testing.TB, n, snapshots int) []history.Stored {
	rng := rand.New(rand.NewPCG(1, 1))
	cuts := make([]uint32, 0, 2*n)
	for len(cuts) < 2*n {
		cuts = append(cuts, rng.Uint32())
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	addr := func(v uint32) netip.Addr {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	payload := func() []byte {
		return fmt.Appendf(nil, `{"registry":"%s","country":"%c%c","asn":%d,"org":"Org %d Networks"}`,
			[]string{"arin", "ripencc", "apnic", "lacnic", "afrinic"}[rng.IntN(5)], 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(400000), rng.IntN(50000))
	}
	var state []ipatlas.Record
	for i := 0; i+1 < len(cuts); i += 2 {
		state = append(state, ipatlas.Record{Range: ipatlas.Range{From: addr(cuts[i]), To: addr(cuts[i+1])}, Payload: payload()})
	}
	var pending []history.Pending
	for k := range snapshots {
		if k > 0 {
			state = slices.Clone(state)
			for i := range state {
				if rng.IntN(100) == 0 {
					state[i].Payload = payload()
				}
			}
		}
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*k)
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: at.Format("2006-01-02")}, Records: state})
	}
	return historytest.Timeline(b, pending)
}

// benchAddrs are random IPv4 addresses, as a lookup service sees them:
// some in gaps, most in ranges.
func benchAddrs() []netip.Addr {
	rng := rand.New(rand.NewPCG(2, 2))
	out := make([]netip.Addr, 1<<20)
	for i := range out {
		v := rng.Uint32()
		out[i] = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return out
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "M/s")
}

func BenchmarkSegmentSearch(b *testing.B) {
	ix, addrs := benchIndex(b), benchAddrs()
	sink := 0
	b.ResetTimer()
	for i := range b.N {
		sink += ix.Segment(addrs[i&(len(addrs)-1)])
	}
	reportRate(b)
	_ = sink
}

func BenchmarkLatestRecord(b *testing.B) {
	ix, addrs := benchIndex(b), benchAddrs()
	n := 0
	b.ResetTimer()
	for i := range b.N {
		n += len(ix.Latest(addrs[i&(len(addrs)-1)]).Record())
	}
	reportRate(b)
	if n == 0 {
		b.Fatal("nothing found")
	}
}

func BenchmarkAtDatetime(b *testing.B) {
	ix, addrs := benchIndex(b), benchAddrs()
	snaps := ix.Snapshots()
	at := snaps[len(snaps)/2].At.Add(time.Hour) // between two snapshots
	n := 0
	b.ResetTimer()
	for i := range b.N {
		n += len(ix.At(addrs[i&(len(addrs)-1)], at).Record())
	}
	reportRate(b)
	if n == 0 {
		b.Fatal("nothing found")
	}
}

func BenchmarkHistoryAll(b *testing.B) {
	ix, addrs := benchIndex(b), benchAddrs()
	var buf []index.Version
	n := 0
	b.ResetTimer()
	for i := range b.N {
		buf = ix.History(addrs[i&(len(addrs)-1)], buf[:0])
		for _, v := range buf {
			n += len(v.Record())
		}
	}
	reportRate(b)
	if n == 0 {
		b.Fatal("nothing found")
	}
}

func BenchmarkBuild(b *testing.B) {
	timeline := syntheticTimeline(b, 300_000, 4)
	path := filepath.Join(b.TempDir(), "b.index")
	b.ResetTimer()
	for range b.N {
		if _, err := index.Build(path, index.FromTimeline(timeline)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen is what a server or a lookup pays before its first
// answer: mapping the file and checking its structure.
func BenchmarkOpen(b *testing.B) {
	path := benchIndex(b).Path()
	for range b.N {
		ix, err := index.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/open")
}
