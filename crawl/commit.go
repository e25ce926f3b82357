package crawl

import (
	"context"
	"time"

	"github.com/ipatlas/ipatlas"
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
}

func newCommitter(s ipatlas.Store) *committer {
	return &committer{store: s, reqs: make(chan commitReq, maxBatch)}
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

func (c *committer) reply(batch []commitReq, answers []ipatlas.Answer) {
	stale, err := c.store.Commit(context.Background(), answers)
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
