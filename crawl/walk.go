package crawl

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/internal/retry"
	"github.com/ipatlas/ipatlas/internal/u128"
	"github.com/ipatlas/ipatlas/rdap"
)

// walker walks one leased unit.
type walker struct {
	c     *Crawler
	unit  ipatlas.Unit
	lease ipatlas.Lease
	step  u128.U128 // the next skip after a 404 or a failure; doubles while they last
	// pending reports the commit of the last answer handed over. A walker
	// asks its next question while that answer commits, so the store's
	// serial work overlaps the network's; answers still commit in order, and
	// a crash repeats at most the walker's question in flight and the one
	// before it.
	pending <-chan error
}

// walk queries the unit's cursor, records the most specific network
// returned, and moves the cursor past it, until the unit is covered. Each
// answer is committed with the new cursor; the next query overlaps that
// commit, and the walk ends only when the last one is durable. The
// heartbeat keeps the lease alive meanwhile, and stops the walk at once if
// another worker took the unit over: it returns ipatlas.ErrStaleLease then.
func (c *Crawler) walk(ctx context.Context, u ipatlas.Unit, l ipatlas.Lease) error {
	ctx, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	c.held.add(l, lose)
	defer c.held.drop(l.Unit)
	w := &walker{c: c, unit: u, lease: l}
	err := w.walk(ctx)
	if werr := w.wait(); err == nil || errors.Is(werr, ipatlas.ErrStaleLease) {
		err = werr
	}
	if errors.Is(context.Cause(ctx), ipatlas.ErrStaleLease) {
		err = ipatlas.ErrStaleLease
	}
	switch {
	case err == nil:
		c.counters[u.Registry].UnitsDone.Add(1)
	case errors.Is(err, ipatlas.ErrStaleLease):
		c.counters[u.Registry].LeasesLost.Add(1)
		c.cfg.Logger.Warn("lease lost: another worker took the unit over", "unit", u.ID, "registry", u.Registry)
	}
	return err
}

func (w *walker) walk(ctx context.Context) error {
	cursor, err := w.skipCovered(ctx, w.unit.Cursor)
	if err != nil {
		return err
	}
	for cursor.IsValid() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a, err := w.step1(ctx, cursor)
		if err != nil {
			return err
		}
		if err := w.commit(a); err != nil {
			return err
		}
		cursor = a.Cursor
	}
	return nil
}

// skipCovered moves a unit's starting cursor past networks another unit
// already recorded, committing the jump (or the unit's end) first.
func (w *walker) skipCovered(ctx context.Context, cursor netip.Addr) (netip.Addr, error) {
	if err := w.c.checkSpills(ctx, w.unit.Run); err != nil {
		return cursor, err
	}
	if !w.c.spilled.Load() {
		return cursor, nil // no network reaches past its unit: nothing can cover this one
	}
	start := cursor
	for cursor.IsValid() {
		var r ipatlas.Range
		var ok bool
		err := w.c.retryStore(ctx, func() (err error) {
			r, ok, err = w.c.cfg.Store.Covering(ctx, w.unit.Run, cursor)
			return err
		})
		if err != nil || !ok {
			if err != nil {
				return cursor, err
			}
			break
		}
		w.c.counters[w.unit.Registry].Skipped.Add(1)
		cursor = w.after(r.To)
	}
	if cursor == start {
		return cursor, nil
	}
	return cursor, w.commit(ipatlas.Answer{Lease: w.lease, Query: start, Cursor: cursor})
}

// after is the cursor following a network that ends at end: invalid when
// the unit is covered.
func (w *walker) after(end netip.Addr) netip.Addr {
	next := end.Next()
	if !next.IsValid() || w.unit.Range.To.Less(next) {
		return netip.Addr{}
	}
	return next
}

// step1 asks about cursor and turns the outcome into an answer to commit.
func (w *walker) step1(ctx context.Context, cursor netip.Addr) (ipatlas.Answer, error) {
	a := ipatlas.Answer{Lease: w.lease, Query: cursor}
	got, qerr, tries, err := w.c.ask(ctx, w.unit.Registry, cursor)
	switch {
	case err != nil:
		return a, err
	case qerr == nil && !got.Network.Range.Contains(cursor):
		qerr = &rdap.QueryError{Kind: rdap.KindMalformed, URL: got.URL,
			Err: fmt.Errorf("answer %s does not hold the query %s", got.Network.Range, cursor)}
	case qerr == nil:
		// Encoded here, by each walker, rather than by the store's one
		// writer; an answer that cannot be stored is malformed, not fatal.
		n := got.Network
		if a.NetworkJSON, err = netjson.Append(make([]byte, 0, len(got.Body)), &n); err != nil {
			qerr = &rdap.QueryError{Kind: rdap.KindMalformed, URL: got.URL, Err: err}
			break
		}
		w.step = u128.U128{}
		a.Network, a.Cursor = &n, w.after(n.Range.To)
		if w.unit.Range.To.Less(n.Range.To) {
			w.c.spilled.Store(true)
		}
		if w.c.cfg.KeepRaw {
			a.Raw = got.Body
		}
		return a, nil
	}
	if qerr.Kind == rdap.KindNotFound && w.unit.Kind == ipatlas.UnitProbe {
		return a, nil // unlisted space that is unregistered: one probe was enough
	}
	next := w.skip(cursor)
	if qerr.Kind != rdap.KindNotFound {
		a.Failure = &ipatlas.Failure{Registry: w.unit.Registry, Addr: cursor, SpanEnd: w.spanEnd(next),
			Reason: qerr.Error(), Attempts: tries, At: time.Now().UTC()}
		w.c.counters[w.unit.Registry].Failures.Add(1)
	}
	a.Cursor = next
	return a, nil
}

// skip moves past an address that gave no network: a /24 (or /48) first,
// doubling while the misses last, so a hole costs a few probes, not one per
// address.
func (w *walker) skip(cursor netip.Addr) netip.Addr {
	if w.step.IsZero() {
		w.step = u128.Pow2(8)
		if !cursor.Is4() {
			w.step = u128.Pow2(80)
		}
	} else if w.step.Hi>>63 == 0 {
		w.step = w.step.Add(w.step)
	}
	c := u128.FromAddr(cursor)
	next := c.Add(w.step)
	last := u128.FromAddr(w.unit.Range.To)
	if next.Less(c) || last.Less(next) {
		return netip.Addr{}
	}
	return next.Addr(cursor.Is4())
}

// spanEnd is the last address a skip to next passes over.
func (w *walker) spanEnd(next netip.Addr) netip.Addr {
	if !next.IsValid() {
		return w.unit.Range.To
	}
	return next.Prev()
}

// wait waits for the answer last handed over to be committed.
func (w *walker) wait() error {
	if w.pending == nil {
		return nil
	}
	err := <-w.pending
	w.pending = nil
	return err
}

// commit hands the answer to the committer once the previous one is
// committed (so a stale lease stops the walk one answer late at most), and
// counts the addresses the cursor moved past.
func (w *walker) commit(a ipatlas.Answer) error {
	if err := w.wait(); err != nil {
		return err
	}
	w.pending = w.c.commits.submit(a)
	end := u128.FromAddr(w.unit.Range.To).Add64(1)
	if a.Cursor.IsValid() {
		end = u128.FromAddr(a.Cursor)
	}
	w.c.counters[w.unit.Registry].addCovered(a.Query.Is4(), end.Sub(u128.FromAddr(a.Query)).Float64())
	return nil
}

// ask queries a registry about a, pacing with its limiter, slowing down on
// 429s and retrying what may succeed on a second try. It returns the answer,
// or the query error that ended the tries, with the number of tries; err is
// set only when ctx was cancelled.
func (c *Crawler) ask(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, *rdap.QueryError, int, error) {
	lim, cnt := c.limiters[reg], c.counters[reg]
	attempts, throttles, tries := 0, 0, 0
	for {
		waited, err := lim.Wait(ctx)
		cnt.WaitNanos.Add(int64(waited))
		if err != nil {
			return rdap.Answer{}, nil, tries, err
		}
		if !c.budget.spend() {
			return rdap.Answer{}, nil, tries, context.Cause(ctx)
		}
		tries++
		got, err := c.cfg.Client.QueryIP(ctx, reg, a)
		cnt.Queries.Add(1 + int64(got.Redirects))
		cnt.Redirects.Add(int64(got.Redirects))
		if ctx.Err() != nil {
			return rdap.Answer{}, nil, tries, ctx.Err()
		}
		if err == nil {
			lim.Succeeded()
			cnt.Answers.Add(1)
			return got, nil, tries, nil
		}
		var qe *rdap.QueryError
		if !errors.As(err, &qe) {
			qe = &rdap.QueryError{Kind: rdap.KindTransport, Err: err}
		}
		if int(qe.Kind) < len(cnt.Errors) {
			cnt.Errors[qe.Kind].Add(1)
		}
		switch {
		case qe.Kind == rdap.KindNotFound:
			lim.Succeeded()
			return got, qe, tries, nil
		case qe.Kind == rdap.KindRateLimited:
			lim.Throttled(qe.RetryAfter)
			if throttles++; throttles >= c.cfg.MaxThrottles {
				return got, qe, tries, nil
			}
		case !qe.Kind.Retryable():
			return got, qe, tries, nil
		default:
			if attempts++; attempts >= c.cfg.MaxAttempts {
				return got, qe, tries, nil
			}
			cnt.Retries.Add(1)
			if err := retry.Sleep(ctx, c.backoff(attempts)); err != nil {
				return rdap.Answer{}, nil, tries, err
			}
		}
	}
}

// backoff is a capped exponential backoff with full jitter.
func (c *Crawler) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBase << min(attempt-1, 20)
	if d > c.cfg.RetryCap || d <= 0 {
		d = c.cfg.RetryCap
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}
