package crawl

import (
	"context"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/histogram"
)

// maxBatch bounds the answers one transaction commits; batchLinger is how
// long the committer waits for more once the first has arrived.
const (
	maxBatch    = 512
	batchLinger = time.Millisecond
)

// commitReq is one answer waiting to be committed.
type commitReq struct {
	ans  ipatlas.Answer
	done chan error
}

// committer commits answers from many walkers in batches: one transaction
// for whatever has arrived, so the store's cost per answer stays low while
// each walker still waits until its answer is durable.
type committer struct {
	store ipatlas.Store
	reqs  chan commitReq
	// giveUp ends retries against an unreachable store; retry runs a
	// commit until it lands or fails for good.
	giveUp  context.Context
	retry   func(context.Context, func() error) error
	latency *histogram.Histogram
}

// LatencyBounds are the bounds of the commit latency histogram: 250 µs
// doubling to about 4 s, which spans a local SQLite commit and a
// PostgreSQL commit across a slow network.
var LatencyBounds = histogram.Doubling(250*time.Microsecond, 15)

func newCommitter(s ipatlas.Store, giveUp context.Context, retry func(context.Context, func() error) error, latency *histogram.Histogram) *committer {
	return &committer{store: s, reqs: make(chan commitReq, maxBatch), giveUp: giveUp, retry: retry, latency: latency}
}

// submit hands over an answer; the channel it returns reports once the
// answer is committed.
func (c *committer) submit(a ipatlas.Answer) <-chan error {
	done := make(chan error, 1)
	c.reqs <- commitReq{ans: a, done: done}
	return done
}

// run commits until the request channel is closed. It uses its own
// context: answers already received are committed even when the crawl is
// being stopped.
func (c *committer) run() {
	batch := make([]commitReq, 0, maxBatch)
	answers := make([]ipatlas.Answer, 0, maxBatch)
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for first := range c.reqs {
		batch = append(batch[:0], first)
		// Wait a moment for more: a commit's fixed cost is most of the
		// store's work, so a fuller batch costs little more than a small one.
		linger.Reset(batchLinger)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			case <-linger.C:
				break drain
			}
		}
		linger.Stop()
		answers = answers[:0]
		for _, r := range batch {
			answers = append(answers, r.ans)
		}
		c.reply(batch, answers)
	}
}

// reply commits a batch and tells each walker how its answer fared. A
// commit the store could not be reached for is sent again: its writes are
// idempotent, so one that landed unseen does not land twice.
func (c *committer) reply(batch []commitReq, answers []ipatlas.Answer) {
	var stale []int
	err := c.retry(c.giveUp, func() (err error) {
		start := time.Now()
		stale, err = c.store.Commit(context.Background(), answers)
		if err == nil {
			c.latency.Observe(LatencyBounds, time.Since(start), 1)
		}
		return err
	})
	isStale := map[int]bool{}
	for _, i := range stale {
		isStale[i] = true
	}
	for i, r := range batch {
		switch {
		case err != nil:
			r.done <- err
		case isStale[i]:
			r.done <- ipatlas.ErrStaleLease
		default:
			r.done <- nil
		}
	}
}
