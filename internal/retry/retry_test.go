package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/retry"
)

var fast = retry.Backoff{Base: time.Microsecond, Cap: 10 * time.Microsecond}

func TestUnavailableIsRetriedOtherErrorsAreNot(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("dial: %w", ipatlas.ErrUnavailable)
	tries, waits := 0, 0
	err := retry.Unavailable(context.Background(), fast, func(int, time.Duration, error) { waits++ }, func() error {
		if tries++; tries < 4 {
			return down
		}
		return nil
	})
	if err != nil || tries != 4 || waits != 3 {
		t.Fatalf("err %v after %d tries and %d waits; want success on the 4th try after 3 waits", err, tries, waits)
	}
	final := errors.New("syntax error")
	tries = 0
	if err := retry.Unavailable(context.Background(), fast, nil, func() error { tries++; return final }); err != final || tries != 1 {
		t.Errorf("a final error: %v after %d tries; want it returned after one", err, tries)
	}
}

func TestUnavailableStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	err := retry.Unavailable(ctx, fast, nil, func() error {
		if tries++; tries == 3 {
			cancel()
		}
		return ipatlas.ErrUnavailable
	})
	if !errors.Is(err, context.Canceled) || tries != 3 {
		t.Errorf("%v after %d tries; want context.Canceled after the 3rd", err, tries)
	}
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	t.Parallel()
	b := retry.Backoff{Base: 100 * time.Millisecond, Cap: time.Second}
	for attempt, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond,
		5: time.Second, 60: time.Second} {
		for range 20 {
			if w := b.Wait(attempt); w < full/2 || w > full {
				t.Fatalf("attempt %d: wait %v, want between %v and %v", attempt, w, full/2, full)
			}
		}
	}
}
