package crawl

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/retry"
)

// DefaultRates are polite request rates for the real registries, per
// second: LACNIC allows 10 a minute before it blocks a client.
func DefaultRates() map[ipatlas.Registry]float64 {
	return map[ipatlas.Registry]float64{
		ipatlas.ARIN: 5, ipatlas.RIPENCC: 5, ipatlas.APNIC: 5, ipatlas.AFRINIC: 1, ipatlas.LACNIC: 10.0 / 60,
	}
}

// ParseRate reads N/s, N/m or N/h (N alone means per second); "0" or
// "unlimited" means no limit.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "unlimited" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if err != nil || n < 0 || per == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want N/s, N/m or N/h", s)
	}
	return n / per, nil
}

// Limiter paces one registry's requests (from one source address) and
// adapts: a 429 or rate-limit notice halves the rate and pauses the
// registry; a run of successes raises the rate back towards its ceiling.
// It is safe for concurrent use.
type Limiter struct {
	mu           sync.Mutex
	lim          *rate.Limiter
	ceiling      float64 // requests per second; 0 is unlimited
	share        int     // workers dividing the ceiling between them; at least 1
	current      float64
	pausedUntil  time.Time
	backoff      time.Duration
	now          func() time.Time
	lastThrottle time.Time
	lastRaise    time.Time
	// recent are the times of the last requests sent, a ring: the rate
	// actually sent, which an unlimited registry falls back from when it
	// first says 429.
	recent [32]time.Time
	next   int
}

// Backoff bounds for a throttled registry that gave no Retry-After.
const (
	minPause = time.Second
	maxPause = 10 * time.Minute
	// quietPeriod is how long a registry must go without a 429 before its
	// rate steps back up.
	quietPeriod = 5 * time.Second
)

// NewLimiter paces at perSecond (0: unlimited).
func NewLimiter(perSecond float64, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{ceiling: perSecond, share: 1, current: perSecond, now: now}
	l.lim = rate.NewLimiter(limitOf(perSecond), burstOf(perSecond))
	return l
}

func limitOf(r float64) rate.Limit {
	if r <= 0 {
		return rate.Inf
	}
	return rate.Limit(r)
}

// burstOf is one: requests are spaced evenly, so no registry's bucket,
// however shallow, sees a burst from us.
func burstOf(float64) int { return 1 }

// Wait blocks until a request may go, returning how long it waited.
func (l *Limiter) Wait(ctx context.Context) (time.Duration, error) {
	start := l.now()
	for {
		l.mu.Lock()
		pause := l.pausedUntil.Sub(l.now())
		l.mu.Unlock()
		if pause <= 0 {
			break
		}
		if err := retry.Sleep(ctx, pause); err != nil {
			return l.now().Sub(start), err
		}
	}
	err := l.lim.Wait(ctx)
	l.count()
	return l.now().Sub(start), err
}

// count records a request sent.
func (l *Limiter) count() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recent[l.next%len(l.recent)] = l.now()
	l.next++
}

// sentRate is the rate of the recent requests, per second.
func (l *Limiter) sentRate() float64 {
	n := min(l.next, len(l.recent))
	if n < 2 {
		return 1
	}
	oldest := l.recent[(l.next-n)%len(l.recent)]
	el := l.now().Sub(oldest).Seconds()
	if el <= 0 {
		return float64(n)
	}
	return float64(n) / el
}

// Throttled records a 429 or a rate-limit notice: the rate halves and the
// registry pauses for retryAfter, or a doubling backoff when none was given.
// A 429 that arrives while the registry is already paused answers a request
// sent before the pause: it changes nothing.
func (l *Limiter) Throttled(retryAfter time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.pausedUntil) {
		return l.pausedUntil.Sub(now)
	}
	switch {
	case l.current > 0:
		l.current = max(l.current/2, l.top()/64)
	default: // unlimited until now: fall back from what was actually sent
		l.current = max(l.sentRate()/2, 1)
	}
	l.lim.SetLimit(limitOf(l.current))
	l.lastThrottle = now
	pause := retryAfter
	if pause <= 0 {
		l.backoff = min(max(l.backoff*2, minPause), maxPause)
		pause = l.backoff
	}
	l.pausedUntil = now.Add(pause)
	return pause
}

// Succeeded records an answer. Once the registry has been quiet for a
// while, the rate steps back up, a quarter a second, to its ceiling.
func (l *Limiter) Succeeded() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.backoff = 0
	top := l.top()
	if l.current <= 0 || (top > 0 && l.current >= top) {
		return // unlimited, or at the ceiling
	}
	now := l.now()
	if now.Sub(l.lastThrottle) < quietPeriod || now.Sub(l.lastRaise) < time.Second {
		return
	}
	l.lastRaise = now
	l.current *= 1.25
	if top > 0 {
		l.current = min(top, l.current)
	}
	l.lim.SetLimit(limitOf(l.current))
}

// top is this limiter's part of the ceiling.
func (l *Limiter) top() float64 { return l.ceiling / float64(l.share) }

// SetShare divides the ceiling between n workers: workers that send from
// one address share that address's budget at the registry. A limiter at
// its old top moves to the new one; one slowed by 429s stays below it and
// climbs back as before.
func (l *Limiter) SetShare(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = max(n, 1)
	if n == l.share || l.ceiling <= 0 {
		l.share = n
		return
	}
	old := l.top()
	l.share = n
	if top := l.top(); l.current >= old || l.current > top {
		l.current = top
		l.lim.SetLimit(limitOf(top))
	}
}

// Rate is the current rate, per second (0: unlimited).
func (l *Limiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}
