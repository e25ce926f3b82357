package crawl

import (
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Counters count one registry's crawl as it happens. Fields are updated
// atomically; read them with Snapshot.
type Counters struct {
	Queries   atomic.Int64 // HTTP requests sent, redirects and retries included
	Answers   atomic.Int64 // networks returned
	NotFound  atomic.Int64 // 404s: unregistered space
	Redirects atomic.Int64
	Throttled atomic.Int64 // 429s and rate-limit notices
	Retries   atomic.Int64
	Failures  atomic.Int64 // addresses given up on
	Skipped   atomic.Int64 // unit starts already covered by a recorded network
	UnitsDone atomic.Int64
	WaitNanos atomic.Int64 // time spent waiting on the limiter
}

// CounterSnapshot is a copy of Counters at one moment.
type CounterSnapshot struct {
	Registry                                    ipatlas.Registry
	Queries, Answers, NotFound, Redirects       int64
	Throttled, Retries, Failures, Skipped, Done int64
	Waited                                      time.Duration
	Rate                                        float64 // the limiter's current rate, per second (0: unlimited)
}

func (c *Counters) snapshot(reg ipatlas.Registry, rate float64) CounterSnapshot {
	return CounterSnapshot{Registry: reg, Queries: c.Queries.Load(), Answers: c.Answers.Load(), NotFound: c.NotFound.Load(),
		Redirects: c.Redirects.Load(), Throttled: c.Throttled.Load(), Retries: c.Retries.Load(),
		Failures: c.Failures.Load(), Skipped: c.Skipped.Load(), Done: c.UnitsDone.Load(),
		Waited: time.Duration(c.WaitNanos.Load()), Rate: rate}
}
