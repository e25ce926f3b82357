package crawl

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rdap"
)

// Counters count one registry's crawl as it happens. Fields are updated
// atomically; read them with Snapshot.
type Counters struct {
	Queries   atomic.Int64 // HTTP requests sent, redirects and retries included
	Answers   atomic.Int64 // networks returned
	Redirects atomic.Int64
	Retries   atomic.Int64
	Failures  atomic.Int64 // addresses given up on
	Skipped   atomic.Int64 // unit starts already covered by a recorded network
	UnitsDone atomic.Int64
	WaitNanos atomic.Int64 // time spent waiting on the limiter
	// Errors count failed tries by what went wrong (rdap.Kind): 404s
	// (unregistered space) and 429s (with rate-limit notices) among them,
	// which the snapshot reports as NotFound and Throttled.
	Errors [rdap.KindRedirect + 1]atomic.Int64
	// Leases taken, and lost: taken over by another worker after expiring
	// (this worker paused, or cut off from the store for too long).
	LeasesTaken, LeasesLost atomic.Int64

	// Addresses the cursors passed, per IP version (float64 bits: IPv6
	// counts overflow any integer).
	covered4, covered6 atomic.Uint64
}

// addCovered counts addresses a cursor moved past.
func (c *Counters) addCovered(is4 bool, n float64) {
	v := &c.covered6
	if is4 {
		v = &c.covered4
	}
	for {
		old := v.Load()
		if v.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+n)) {
			return
		}
	}
}

// CounterSnapshot is a copy of Counters at one moment.
type CounterSnapshot struct {
	Registry                                    ipatlas.Registry
	Queries, Answers, NotFound, Redirects       int64
	Throttled, Retries, Failures, Skipped, Done int64
	Waited                                      time.Duration
	Rate                                        float64 // the limiter's current rate, per second (0: unlimited)
	Covered4, Covered6                          float64 // addresses the cursors passed, in this process
	Errors                                      map[rdap.Kind]int64
	LeasesTaken, LeasesLost                     int64
}

func (c *Counters) snapshot(reg ipatlas.Registry, rate float64) CounterSnapshot {
	return CounterSnapshot{Registry: reg, Queries: c.Queries.Load(), Answers: c.Answers.Load(),
		NotFound: c.Errors[rdap.KindNotFound].Load(), Redirects: c.Redirects.Load(),
		Throttled: c.Errors[rdap.KindRateLimited].Load(), Retries: c.Retries.Load(),
		Failures: c.Failures.Load(), Skipped: c.Skipped.Load(), Done: c.UnitsDone.Load(),
		Waited: time.Duration(c.WaitNanos.Load()), Rate: rate,
		Covered4: math.Float64frombits(c.covered4.Load()), Covered6: math.Float64frombits(c.covered6.Load()),
		Errors: c.errorsByKind(), LeasesTaken: c.LeasesTaken.Load(), LeasesLost: c.LeasesLost.Load()}
}

func (c *Counters) errorsByKind() map[rdap.Kind]int64 {
	out := map[rdap.Kind]int64{}
	for k := range c.Errors {
		if n := c.Errors[k].Load(); n > 0 {
			out[rdap.Kind(k)] = n
		}
	}
	return out
}

// Counts are the snapshot as the store keeps a crawl's counters.
func (s CounterSnapshot) Counts() ipatlas.Counts {
	return ipatlas.Counts{Registry: s.Registry, Queries: s.Queries, Answers: s.Answers, NotFound: s.NotFound,
		Redirects: s.Redirects, Throttled: s.Throttled, Retries: s.Retries, Failures: s.Failures, Skipped: s.Skipped,
		Waited: s.Waited}
}
