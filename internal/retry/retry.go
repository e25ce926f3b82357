// Package retry waits out a store that is briefly out of reach: a
// database restarting, a connection cut, a network blip. Stores mark such
// errors ipatlas.ErrUnavailable; everything else is final and returned at
// once.
package retry

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Backoff is how long to wait between tries: Base doubling to Cap, the
// upper half of each wait jittered, so workers that lost their database
// together do not all come back at the same instant.
type Backoff struct {
	Base, Cap time.Duration
}

// Wait is the wait before try attempt+1 (attempt counts from 1).
func (b Backoff) Wait(attempt int) time.Duration {
	d := min(b.Base<<min(attempt-1, 30), b.Cap)
	if d <= 0 {
		d = b.Cap
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Unavailable runs op until it succeeds, fails with an error that is not
// ipatlas.ErrUnavailable, or ctx is done (then ctx's error). Before each
// wait it calls onWait, when set, with the attempt that failed.
func Unavailable(ctx context.Context, b Backoff, onWait func(attempt int, wait time.Duration, err error), op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !errors.Is(err, ipatlas.ErrUnavailable) {
			return err
		}
		wait := b.Wait(attempt)
		if onWait != nil {
			onWait(attempt, wait, err)
		}
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Sleep sleeps for d or until ctx is done, returning ctx's error then. A
// ctx already done returns at once, even for a wait short enough to have
// ended too (select would pick either).
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
