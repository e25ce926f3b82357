// Package histogram counts durations in buckets whose bounds double, with
// atomics alone: an observation is a short bucket search and two adds, so
// hot paths (the lean HTTP loop, the crawl's commits) can afford one. The
// metrics package turns snapshots into Prometheus histograms.
package histogram

import (
	"sync/atomic"
	"time"
)

// MaxBounds is the most bounds a Histogram takes.
const MaxBounds = 23

// Bounds are the upper bounds of a histogram's buckets, rising; one more
// bucket counts what lies above the last.
type Bounds []time.Duration

// Doubling is n bounds from first, each twice the one before.
func Doubling(first time.Duration, n int) Bounds {
	out := make(Bounds, n)
	for i := range out {
		out[i] = first << i
	}
	return out
}

// bucket is the index of the bucket d falls in.
func (b Bounds) bucket(d time.Duration) int {
	i := 0
	for i < len(b) && d > b[i] {
		i++
	}
	return i
}

// Histogram counts durations into the buckets of the Bounds its caller
// passes (always the same ones). Its count is its buckets' total, so the
// two cannot disagree mid-observation. The zero value is ready; it is safe
// for concurrent use and must not be copied after first use.
type Histogram struct {
	buckets [MaxBounds + 1]atomic.Int64
	sumNs   atomic.Int64
}

// Observe counts n events that took d each.
func (h *Histogram) Observe(b Bounds, d time.Duration, n int64) {
	h.buckets[b.bucket(d)].Add(n)
	h.sumNs.Add(n * int64(d))
}

// Snapshot is a histogram at one moment.
type Snapshot struct {
	Bounds  Bounds
	Buckets []int64 // one per bound, then the one above the last; not cumulative
	Count   int64   // the buckets' total
	Sum     time.Duration
}

// Snapshot copies the histogram.
func (h *Histogram) Snapshot(b Bounds) Snapshot {
	s := Snapshot{Bounds: b, Buckets: make([]int64, len(b)+1), Sum: time.Duration(h.sumNs.Load())}
	for i := range s.Buckets {
		s.Buckets[i] = h.buckets[i].Load()
		s.Count += s.Buckets[i]
	}
	return s
}

// Add merges a snapshot of the same bounds into s.
func (s *Snapshot) Add(o Snapshot) {
	for i := range s.Buckets {
		s.Buckets[i] += o.Buckets[i]
	}
	s.Count += o.Count
	s.Sum += o.Sum
}

// Quantile is an upper bound on the q-quantile (0 < q ≤ 1): the bound of
// the bucket it falls in, twice the last bound above them all. Zero when
// nothing was observed.
func (s Snapshot) Quantile(q float64) time.Duration {
	if s.Count == 0 {
		return 0
	}
	want := max(int64(q*float64(s.Count)+0.5), 1)
	var seen int64
	for i, n := range s.Buckets {
		if seen += n; seen >= want && i < len(s.Bounds) {
			return s.Bounds[i]
		}
	}
	return 2 * s.Bounds[len(s.Bounds)-1]
}
