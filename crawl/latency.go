package crawl

import (
	"sync/atomic"
	"time"
)

// LatencyBounds are the upper bounds of Latency's buckets: 250 µs
// doubling to about 4 s, which spans a local SQLite commit and a
// PostgreSQL commit across a slow network.
var LatencyBounds = func() []time.Duration {
	var out []time.Duration
	for d := 250 * time.Microsecond; len(out) < latencyBuckets-1; d *= 2 {
		out = append(out, d)
	}
	return out
}()

// latencyBuckets is how many buckets a Latency has, +Inf included.
const latencyBuckets = 16

// Latency is a histogram of durations in LatencyBounds' buckets, kept
// without locks so the commit path pays two atomic adds. The zero value is
// ready to use; it is safe for concurrent use.
type Latency struct {
	buckets [latencyBuckets]atomic.Int64 // one per bound, then +Inf
	count   atomic.Int64
	sumNs   atomic.Int64
}

// Observe records one duration.
func (l *Latency) Observe(d time.Duration) {
	i := 0
	for i < len(LatencyBounds) && d > LatencyBounds[i] {
		i++
	}
	l.buckets[i].Add(1)
	l.count.Add(1)
	l.sumNs.Add(int64(d))
}

// LatencySnapshot is a Latency at one moment.
type LatencySnapshot struct {
	Buckets []int64 // per bucket of LatencyBounds, then +Inf; not cumulative
	Count   int64
	Sum     time.Duration
}

// Snapshot copies the histogram.
func (l *Latency) Snapshot() LatencySnapshot {
	s := LatencySnapshot{Buckets: make([]int64, len(l.buckets)), Count: l.count.Load(), Sum: time.Duration(l.sumNs.Load())}
	for i := range l.buckets {
		s.Buckets[i] = l.buckets[i].Load()
	}
	return s
}

// Quantile is an upper bound on the q-quantile (0 < q ≤ 1): the bound of
// the bucket it falls in. Zero when nothing was observed.
func (s LatencySnapshot) Quantile(q float64) time.Duration {
	var total int64
	for _, n := range s.Buckets {
		total += n
	}
	if total == 0 {
		return 0
	}
	want := int64(q*float64(total) + 0.5)
	var seen int64
	for i, n := range s.Buckets {
		seen += n
		if seen >= max(want, 1) && i < len(LatencyBounds) {
			return LatencyBounds[i]
		}
	}
	return LatencyBounds[len(LatencyBounds)-1] * 2
}
