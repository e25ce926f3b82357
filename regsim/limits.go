package regsim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Limit is a registry's rate limit, applied to each client source address
// separately (so a fleet can be simulated from 127.0.0.2, 127.0.0.3, …).
// The zero value is no limit.
type Limit struct {
	// Rate is the sustained rate allowed, in requests per second. Zero
	// means unlimited.
	Rate float64
	// Burst is how many requests may arrive at once. Defaults to 1.
	Burst int
	// BlockFor, when set, blocks a client that exceeds the limit for this
	// long: every request in that time is refused (LACNIC does this).
	BlockFor time.Duration
	// RetryAfter sends a Retry-After header with each 429.
	RetryAfter bool
}

// RealLimits are limits shaped like the real registries': LACNIC's 10
// queries a minute with a five-minute block, the others a few per second,
// some telling the client when to come back.
func RealLimits() map[ipatlas.Registry]Limit {
	return map[ipatlas.Registry]Limit{
		ipatlas.LACNIC:  {Rate: 10.0 / 60, Burst: 10, BlockFor: 5 * time.Minute},
		ipatlas.RIPENCC: {Rate: 10, Burst: 20},
		ipatlas.ARIN:    {Rate: 5, Burst: 15},
		ipatlas.APNIC:   {Rate: 5, Burst: 10, RetryAfter: true},
		ipatlas.AFRINIC: {Rate: 4, Burst: 8, RetryAfter: true},
	}
}

// ParseLimit reads a limit written as RATE[/s|/m|/h][,burst=N][,block=DURATION][,retry-after],
// e.g. "10/m,burst=10,block=5m".
func ParseLimit(s string) (Limit, error) {
	parts := strings.Split(s, ",")
	var l Limit
	rate, unit, _ := strings.Cut(parts[0], "/")
	r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
	if err != nil || r < 0 || math.IsInf(r, 0) {
		return l, fmt.Errorf("limit %q: rate %q: want a non-negative number", s, rate)
	}
	per := map[string]float64{"": 1, "s": 1, "m": 60, "h": 3600}[unit]
	if per == 0 {
		return l, fmt.Errorf("limit %q: unit %q: want s, m or h", s, unit)
	}
	l.Rate = r / per
	for _, opt := range parts[1:] {
		if err := l.setOption(strings.TrimSpace(opt)); err != nil {
			return l, fmt.Errorf("limit %q: %w", s, err)
		}
	}
	return l, nil
}

func (l *Limit) setOption(opt string) error {
	k, v, _ := strings.Cut(opt, "=")
	switch k {
	case "burst":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("burst %q: want a positive integer", v)
		}
		l.Burst = n
	case "block":
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("block %q: want a duration such as 5m", v)
		}
		l.BlockFor = d
	case "retry-after":
		l.RetryAfter = true
	default:
		return fmt.Errorf("option %q: want burst=N, block=DURATION or retry-after", opt)
	}
	return nil
}

// limiter enforces one registry's Limit per client address with token
// buckets. It is safe for concurrent use.
type limiter struct {
	limit Limit
	mu    sync.Mutex
	peers map[string]*bucket
}

type bucket struct {
	tokens       float64
	last         time.Time
	blockedUntil time.Time
}

// verdict is what the limiter says of one request.
type verdict int

const (
	allowed verdict = iota
	limited         // over the limit: answer 429
	blocked         // inside a block: refused without counting
)

func newLimiter(l Limit) *limiter {
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &limiter{limit: l, peers: map[string]*bucket{}}
}

// take decides a request from client at now, and how long the client
// should wait before trying again.
func (l *limiter) take(client string, now time.Time) (verdict, time.Duration) {
	if l.limit.Rate <= 0 {
		return allowed, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.peers[client]
	if b == nil {
		b = &bucket{tokens: float64(l.limit.Burst), last: now}
		l.peers[client] = b
	}
	if now.Before(b.blockedUntil) {
		return blocked, b.blockedUntil.Sub(now)
	}
	b.tokens = min(float64(l.limit.Burst), b.tokens+now.Sub(b.last).Seconds()*l.limit.Rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return allowed, 0
	}
	if l.limit.BlockFor > 0 {
		b.blockedUntil = now.Add(l.limit.BlockFor)
		return limited, l.limit.BlockFor
	}
	return limited, time.Duration((1 - b.tokens) / l.limit.Rate * float64(time.Second))
}
