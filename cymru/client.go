package cymru

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas/internal/retry"
)

// DefaultServer is Team Cymru's whois service.
const DefaultServer = "whois.cymru.com:43"

// MaxBatch is the most addresses Config.Batch may put in one session.
const MaxBatch = 10000

// Config says how a Client talks to the service. The zero value, after
// WithDefaults, asks whois.cymru.com about 1,000 addresses a session, one
// session a second.
type Config struct {
	// Server is the service's host:port. Defaults to DefaultServer.
	Server string
	// Batch is how many addresses one session asks about, at most
	// MaxBatch. Defaults to 1,000: a few sessions for thousands of
	// networks, and little to ask again when one is cut off.
	Batch int
	// Timeout is how long a session may go without progress: connecting,
	// or between two reads or writes. Defaults to 30 seconds.
	Timeout time.Duration
	// Tries is how many sessions a batch gets, the first included, before
	// its error is returned. A retry asks only about the addresses not yet
	// answered. Defaults to 5.
	Tries int
	// Backoff is the wait before a batch's second try, doubling (and
	// jittered) for each later one up to MaxBackoff. Defaults to 2 seconds.
	Backoff time.Duration
	// MaxBackoff caps the wait between tries. Defaults to 1 minute.
	MaxBackoff time.Duration
	// Interval is the least time between the starts of two sessions.
	// Defaults to 1 second.
	Interval time.Duration
	// Dial connects to Server. Defaults to net.Dialer's DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now and Sleep are the clock the pacing and backoff run on. Default
	// to time.Now and a sleep that ends early when its context is done.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress, when set, is called after each batch with how many of the
	// distinct addresses are answered.
	Progress func(done, total int)
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.Server == "" {
		c.Server = DefaultServer
	}
	if c.Batch == 0 {
		c.Batch = 1000
	}
	c.Timeout = cmp.Or(c.Timeout, 30*time.Second)
	c.Backoff = cmp.Or(c.Backoff, 2*time.Second)
	c.MaxBackoff = cmp.Or(c.MaxBackoff, time.Minute)
	c.Interval = cmp.Or(c.Interval, time.Second)
	if c.Tries == 0 {
		c.Tries = 5
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{}).DialContext
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = retry.Sleep
	}
	return c
}

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("bad cymru config")

// Validate names the first bad field of c (defaults applied).
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Server); err != nil {
		return fmt.Errorf("%w: Server %q: want host:port", ErrConfig, c.Server)
	}
	switch {
	case c.Batch < 1 || c.Batch > MaxBatch:
		return fmt.Errorf("%w: Batch %d: want 1 to %d", ErrConfig, c.Batch, MaxBatch)
	case c.Tries < 1:
		return fmt.Errorf("%w: Tries %d: want 1 or more", ErrConfig, c.Tries)
	case c.Timeout < 0, c.Backoff < 0, c.MaxBackoff < 0, c.Interval < 0:
		return fmt.Errorf("%w: Timeout, Backoff, MaxBackoff and Interval must not be negative", ErrConfig)
	}
	return nil
}

// Stats count a client's work.
type Stats struct {
	Sessions  int // sessions opened, retries included
	Retries   int // sessions that retried a batch
	Addresses int // distinct addresses asked about
}

// Client asks the service about addresses in bulk sessions. It is safe for
// concurrent use; its sessions run one at a time, paced by Interval.
type Client struct {
	cfg  Config
	mu   sync.Mutex // held for a whole session, so sessions never overlap
	last time.Time  // when the last session started
	st   Stats
}

// New returns a client for c (defaults applied).
func New(c Config) (*Client, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: c}, nil
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

// ErrIncomplete is wrapped by the error of a session that ended before
// every address it asked about was answered.
var ErrIncomplete = errors.New("session ended before every address was answered")

// Lookup asks about every address and returns the answers in the order
// of addrs (IPv4-mapped IPv6 addresses are asked about as IPv4). Each
// distinct address is asked about once, Batch to a session; a session that
// fails for a reason trying again may cure (a refused or cut connection,
// a timeout, a truncated answer) is retried with backoff for the
// addresses it left unanswered. A malformed line, the service's own error
// line or ctx ending stops the lookup with that error.
func (c *Client) Lookup(ctx context.Context, addrs []netip.Addr) ([]Answer, error) {
	uniq, err := distinct(addrs)
	if err != nil {
		return nil, err
	}
	got := make(map[netip.Addr]Answer, len(uniq))
	for start := 0; start < len(uniq); start += c.cfg.Batch {
		end := min(start+c.cfg.Batch, len(uniq))
		if err := c.batch(ctx, uniq[start:end], got); err != nil {
			return nil, fmt.Errorf("cymru %s: addresses %d to %d of %d: %w", c.cfg.Server, start+1, end, len(uniq), err)
		}
		if c.cfg.Progress != nil {
			c.cfg.Progress(end, len(uniq))
		}
	}
	out := make([]Answer, len(addrs))
	for i, a := range addrs {
		out[i] = got[a.Unmap()]
	}
	return out, nil
}

// distinct lists each address once, unmapped, in first-seen order.
func distinct(addrs []netip.Addr) ([]netip.Addr, error) {
	seen := make(map[netip.Addr]bool, len(addrs))
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if !a.IsValid() || a.Zone() != "" {
			return nil, fmt.Errorf("cymru: cannot ask about %q: want an address without a zone", a)
		}
		if a = a.Unmap(); !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// batch asks about addrs, retrying what is left unanswered while the
// failure is one trying again may cure.
func (c *Client) batch(ctx context.Context, addrs []netip.Addr, got map[netip.Addr]Answer) error {
	backoff := retry.Backoff{Base: c.cfg.Backoff, Cap: c.cfg.MaxBackoff}
	left := addrs
	for try := 1; ; try++ {
		err := c.session(ctx, left, got, try > 1)
		n := len(left)
		left = unanswered(left, got)
		if err == nil && len(left) > 0 {
			err = fmt.Errorf("%w: %d of %d unanswered", ErrIncomplete, len(left), n)
		}
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !retryable(err) || try >= c.cfg.Tries:
			return fmt.Errorf("try %d of %d: %w", try, c.cfg.Tries, err)
		}
		if err := c.cfg.Sleep(ctx, backoff.Wait(try)); err != nil {
			return err
		}
	}
}

func unanswered(addrs []netip.Addr, got map[netip.Addr]Answer) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		if _, ok := got[a]; !ok {
			out = append(out, a)
		}
	}
	return out
}

// errUnasked is wrapped by the error of an answer for an address the
// session did not ask about: the service is answering someone else.
var errUnasked = errors.New("answer for an address not asked about")

// retryable reports whether trying again may cure err: everything but
// an answer that does not read, or that the service refused.
func retryable(err error) bool {
	return !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrServer) && !errors.Is(err, errUnasked)
}
