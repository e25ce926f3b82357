package crawl

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/retry"
)

// This file is what lets many crawlers share one store: leases kept alive
// by a heartbeat (and given up at once when lost), each worker's report of
// itself, a request budget divided between the workers behind one address,
// waiting for other workers' leases, and riding out a store that is
// briefly unreachable.

// held is a lease a walker holds, and how to stop that walker.
type held struct {
	lease   ipatlas.Lease
	renewed time.Time
	lose    context.CancelCauseFunc // stops the walk when the lease is lost
}

// holdings are the leases this crawler's walkers hold, renewed together by
// the heartbeat. Safe for concurrent use.
type holdings struct {
	mu sync.Mutex
	m  map[int64]*held
}

func (h *holdings) add(l ipatlas.Lease, lose context.CancelCauseFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[int64]*held{}
	}
	h.m[l.Unit] = &held{lease: l, renewed: time.Now(), lose: lose}
}

func (h *holdings) drop(unit int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, unit)
}

// due lists the leases last renewed before since.
func (h *holdings) due(since time.Time) []ipatlas.Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []ipatlas.Lease
	for _, x := range h.m {
		if x.renewed.Before(since) {
			out = append(out, x.lease)
		}
	}
	return out
}

// renewed notes a renewal; lost stops the walk holding the lease.
func (h *holdings) renewed(unit int64, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if x := h.m[unit]; x != nil {
		x.renewed = at
	}
}

func (h *holdings) lost(unit int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if x := h.m[unit]; x != nil {
		x.lose(ipatlas.ErrStaleLease)
	}
}

// heartbeat, every interval until stop is closed, renews the leases that
// are due, reports the worker, and adds what the counters gained to the
// run's; once more when stopped, so the run's counters miss nothing.
func (c *Crawler) heartbeat(run int64, stop <-chan struct{}) {
	t := time.NewTicker(c.cfg.Heartbeat)
	defer t.Stop()
	for {
		c.renewDue()
		snaps := c.Counters()
		c.report(run, time.Time{}, snaps)
		c.flushCounts(run, snaps)
		select {
		case <-stop:
			c.flushCounts(run, c.Counters())
			return
		case <-t.C:
		}
	}
}

// renewDue renews each lease not renewed for a third of its life. A lease
// another worker took over stops its walk at once: nothing more is asked
// for a unit this worker no longer owns. A store out of reach is retried
// at the next beat; the lease only expires if that lasts its whole life.
func (c *Crawler) renewDue() {
	for _, l := range c.held.due(time.Now().Add(-c.cfg.LeaseTTL / 3)) {
		_, err := c.cfg.Store.Renew(context.Background(), l, c.cfg.LeaseTTL)
		switch {
		case err == nil:
			c.held.renewed(l.Unit, time.Now())
			c.activity.renewals.Add(1)
		case errors.Is(err, ipatlas.ErrStaleLease):
			c.held.lost(l.Unit)
		default:
			c.cfg.Logger.Warn("could not renew a lease; trying again at the next heartbeat", "unit", l.Unit, "err", err)
		}
	}
}

// report tells the store this worker is alive, with its counters, and
// divides each registry's rate by the live workers sharing its budget.
func (c *Crawler) report(run int64, stopped time.Time, snaps []CounterSnapshot) {
	w := c.cfg.Worker
	w.ID, w.Run, w.Stopped = c.cfg.Owner, run, stopped
	w.Started, w.Rates = c.started, map[ipatlas.Registry]float64{}
	now := time.Now()
	for _, s := range snaps {
		w.Counts = append(w.Counts, s.Counts())
		if was, ok := c.reported[s.Registry]; ok && now.After(c.reportedAt) {
			w.Rates[s.Registry] = float64(s.Queries-was.Queries) / now.Sub(c.reportedAt).Seconds()
		}
		c.reported[s.Registry] = s
	}
	c.reportedAt = now
	share, err := c.cfg.Store.Heartbeat(context.Background(), w, c.cfg.Alive)
	if err != nil {
		c.cfg.Logger.Warn("could not report to the store; trying again at the next heartbeat", "err", err)
		return
	}
	if stopped.IsZero() && int64(share) != c.activity.share.Swap(int64(share)) {
		c.cfg.Logger.Info("request budget shared", "budget", w.Budget, "workers", share)
		for _, l := range c.limiters {
			l.SetShare(share)
		}
	}
}

// Leave tells the store this worker stopped cleanly: the workers sharing
// its budget take its part at their next heartbeat.
func (c *Crawler) Leave() {
	c.report(c.lastRun, time.Now().UTC(), c.Counters())
}

// awaitLeases is called when a registry has nothing to lease. It reports
// false when none of the registry's units is left; else it waits until
// one may be: a unit of this crawler finishing (its walk may have
// stopped early), another registry of this crawler running out (the last
// units of a run tend to finish together, and the crawler that walks the
// last one should notice at once that the run is complete), the earliest
// lease expiring (its worker may be dead), or the poll interval, and
// reports true.
func (c *Crawler) awaitLeases(ctx context.Context, run int64, reg ipatlas.Registry, finished <-chan struct{}) (bool, error) {
	var b ipatlas.Backlog
	ranOut := c.ranOut.wait()
	err := c.retryStore(ctx, func() (err error) {
		b, err = c.cfg.Store.Backlog(ctx, run, reg)
		return err
	})
	if ctx.Err() != nil {
		return false, nil // stopping: the caller sees ctx
	}
	if err != nil || b.Left() == 0 {
		if err == nil {
			c.ranOut.notify()
		}
		return false, err
	}
	wait := c.cfg.Poll
	if b.Pending > 0 {
		wait = 10 * time.Millisecond // being leased by another worker this instant
	} else if !b.NextExpiry.IsZero() {
		// The store's clock decides expiry; a little past it on ours.
		wait = min(wait, max(time.Until(b.NextExpiry)+50*time.Millisecond, 10*time.Millisecond))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, nil
	case <-finished:
	case <-ranOut:
	case <-t.C:
	}
	return true, nil
}

// broadcast wakes every goroutine waiting on it at once. The zero value
// is ready; it is safe for concurrent use.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed at the next notify.
func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// storeBackoff paces retries against an unreachable store: 100 ms
// doubling to 10 s.
var storeBackoff = retry.Backoff{Base: 100 * time.Millisecond, Cap: 10 * time.Second}

// retryStore runs op until it succeeds, fails for good, or ctx is done,
// waiting out a store that is unreachable (ipatlas.ErrUnavailable).
func (c *Crawler) retryStore(ctx context.Context, op func() error) error {
	return retry.Unavailable(ctx, storeBackoff, func(attempt int, _ time.Duration, err error) {
		c.activity.storeRetries.Add(1)
		if attempt == 1 || attempt%10 == 0 {
			c.cfg.Logger.Warn("store unavailable; retrying", "attempt", attempt, "err", err)
		}
	}, op)
}
