package crawl_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/internal/fakeclock"
)

func TestLimiterBacksOffAndRecovers(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(1e9, 0))
	l := crawl.NewLimiter(8, c.Now)
	if pause := l.Throttled(3 * time.Second); pause != 3*time.Second || l.Rate() != 4 {
		t.Fatalf("after a 429 with Retry-After 3: pause %v, rate %v; want 3s and 4/s", pause, l.Rate())
	}
	c.Advance(time.Second)
	if pause := l.Throttled(0); pause != 2*time.Second || l.Rate() != 4 {
		t.Fatalf("a 429 during the pause (sent before it): pause %v, rate %v; want the rest of the pause and 4/s", pause, l.Rate())
	}
	c.Advance(2 * time.Second)
	if pause := l.Throttled(0); pause != time.Second || l.Rate() != 2 {
		t.Fatalf("a 429 after the pause: pause %v, rate %v; want 1s and 2/s", pause, l.Rate())
	}
	c.Advance(time.Second)
	if pause := l.Throttled(0); pause != 2*time.Second || l.Rate() != 1 {
		t.Fatalf("backoff does not double, or the rate does not fall: %v, %v", pause, l.Rate())
	}
	l.Succeeded()
	if l.Rate() != 1 {
		t.Fatalf("rate rose without a quiet period: %v", l.Rate())
	}
	for range 40 {
		c.Advance(2 * time.Second)
		l.Succeeded()
	}
	if l.Rate() != 8 {
		t.Errorf("after a long quiet period the rate is %v, want the ceiling 8", l.Rate())
	}
}

func TestLimiterPausesEveryone(t *testing.T) {
	t.Parallel()
	l := crawl.NewLimiter(0, nil) // unlimited
	l.Throttled(150 * time.Millisecond)
	start := time.Now()
	if _, err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Errorf("Wait returned during the pause")
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.Throttled(time.Hour)
	cancel()
	if _, err := l.Wait(ctx); err == nil {
		t.Error("Wait ignored a cancelled context during a pause")
	}
}

// TestLimiterSharesItsCeiling: workers behind one address divide its
// budget; a limiter slowed by 429s stays slow when the share changes, and
// every limiter climbs back only to its part.
func TestLimiterSharesItsCeiling(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(1e9, 0))
	l := crawl.NewLimiter(12, c.Now)
	l.SetShare(3)
	if l.Rate() != 4 {
		t.Fatalf("a third of 12/s: %v", l.Rate())
	}
	l.Throttled(time.Second)
	if l.Rate() != 2 {
		t.Fatalf("a 429 at the shared rate: %v, want 2", l.Rate())
	}
	l.SetShare(2)
	if l.Rate() != 2 {
		t.Fatalf("a slowed limiter jumped to %v when the share grew", l.Rate())
	}
	for range 40 {
		c.Advance(2 * time.Second)
		l.Succeeded()
	}
	if l.Rate() != 6 {
		t.Fatalf("recovered to %v, want its half of 12/s", l.Rate())
	}
	l.SetShare(1)
	if l.Rate() != 12 {
		t.Errorf("alone again at %v, want the whole 12/s", l.Rate())
	}
	unlimited := crawl.NewLimiter(0, nil)
	unlimited.SetShare(4)
	if unlimited.Rate() != 0 {
		t.Errorf("an unlimited limiter shared: rate %v, want still unlimited", unlimited.Rate())
	}
}
