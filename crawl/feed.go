package crawl

import (
	"context"
	"errors"
	"time"

	"github.com/ipatlas/ipatlas"
)

// This file is how units reach the walkers: one feeder per registry leases
// them from the store and hands them over; the walkers walk them.

// leased is a unit with its lease.
type leased struct {
	unit  ipatlas.Unit
	lease ipatlas.Lease
}

// walkers is one registry's walkers as its feeder sees them. A token
// stands for a unit held: being walked, or leased ahead and queued for the
// next idle walker. The feeder leases a batch of units whenever it has
// gathered a batch of tokens.
//
// Leasing ahead saves store writes (one lease for many units costs about
// what one for a single unit does) but a unit leased ahead waits while
// other workers of a fleet may run out of work at the end of a run. So a
// registry leases ahead only what its walkers get through in a moment at
// its rate: whole batches when it is fast, nothing when the registry
// allows a few queries a second.
type walkers struct {
	units    chan leased   // from the feeder to the walkers; never full
	idle     chan struct{} // a token per unit the registry may hold more
	finished chan struct{} // a unit was finished (its walker may have stopped early)
	// batch is how many tokens the feeder gathers before it leases: what
	// is leased ahead, of which there are two batches' worth of tokens, so
	// the queue is refilled while a batch is still in it; one unit at a
	// time when nothing is leased ahead.
	batch int
}

// leaseAheadWindow is how much of a registry's rate is leased ahead.
const leaseAheadWindow = 100 * time.Millisecond

// newWalkers is the feeder's view of n walkers at rate queries a second
// (0: unlimited).
func newWalkers(n int, rate float64) *walkers {
	ahead := n
	if rate > 0 {
		ahead = min(n, int(rate*leaseAheadWindow.Seconds()))
	}
	tokens := n + 2*ahead
	ws := &walkers{units: make(chan leased, tokens), idle: make(chan struct{}, tokens), finished: make(chan struct{}, 1),
		batch: max(1, ahead)}
	for range tokens {
		ws.idle <- struct{}{}
	}
	return ws
}

// takeIdle gathers a batch of free tokens, then takes whatever else is
// free, returning how many (0 when ctx is done).
func (ws *walkers) takeIdle(ctx context.Context) int {
	n := 0
	for n < ws.batch {
		select {
		case <-ws.idle:
			n++
		case <-ctx.Done():
			ws.giveBack(n)
			return 0
		}
	}
	for {
		select {
		case <-ws.idle:
			n++
		default:
			return n
		}
	}
}

func (ws *walkers) giveBack(n int) {
	for range n {
		ws.idle <- struct{}{}
	}
}

// done is called by a walker that finished a unit.
func (ws *walkers) done() {
	ws.idle <- struct{}{}
	select {
	case ws.finished <- struct{}{}:
	default:
	}
}

// feed leases one registry's units, as many at a time as it has tokens
// (one write for several units), until none is left. When every unit left
// is leased, by this crawler's walkers or by other workers, it waits for
// one to come free: a lease that expires is taken over.
func (c *Crawler) feed(ctx context.Context, run int64, reg ipatlas.Registry, ws *walkers) error {
	defer close(ws.units)
	for {
		n := ws.takeIdle(ctx)
		if n == 0 {
			return nil
		}
		var us []ipatlas.Unit
		var ls []ipatlas.Lease
		err := c.retryStore(ctx, func() (err error) {
			us, ls, err = c.cfg.Store.Lease(ctx, run, reg, c.cfg.Owner, c.cfg.LeaseTTL, n)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		ws.giveBack(n - len(us))
		if len(us) == 0 {
			more, err := c.awaitLeases(ctx, run, reg, ws.finished)
			if !more || err != nil {
				return err
			}
			continue
		}
		c.counters[reg].LeasesTaken.Add(int64(len(us)))
		for i := range us {
			ws.units <- leased{us[i], ls[i]} // a token for each: never blocks
		}
	}
}

// work walks the units it is handed. After a failure it stops walking but
// keeps draining, so the feeder never blocks.
func (c *Crawler) work(ctx context.Context, ws *walkers) error {
	var failed error
	for l := range ws.units {
		if ctx.Err() == nil && failed == nil {
			err := c.walk(ctx, l.unit, l.lease)
			if err != nil && !errors.Is(err, ipatlas.ErrStaleLease) && ctx.Err() == nil {
				failed = err
			}
		}
		ws.done()
	}
	return failed
}
