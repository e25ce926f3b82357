package cymru_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/cymru"
	"github.com/ipatlas/ipatlas/internal/fakeclock"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// clock is a fake clock whose sleeps move it and are recorded, so pacing
// and backoff are tested without waiting.
type clock struct {
	*fakeclock.Clock
	mu     sync.Mutex
	sleeps []time.Duration
}

func newClock() *clock {
	return &clock{Clock: fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	c.Advance(d)
	return ctx.Err()
}

func (c *clock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Duration
	for _, d := range c.sleeps {
		t += d
	}
	return t
}

// client is a client of server on the fake clock.
func client(tb testing.TB, server string, clk *clock, cfg cymru.Config) *cymru.Client {
	tb.Helper()
	cfg.Server, cfg.Now, cfg.Sleep = server, clk.Now, clk.Sleep
	c, err := cymru.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// world is a small world of every registry, nested networks and some
// space no route holds; addrs are its networks' origin addresses.
func world(tb testing.TB) (*regsim.World, []netip.Addr) {
	tb.Helper()
	w := regsim.MustNew(regsim.Config{Seed: 9, IPv4: []netip.Prefix{prefix("62.0.0.0/14"), prefix("13.64.0.0/14"), prefix("41.0.0.0/14")},
		IPv6: []netip.Prefix{prefix("2001:600::/23"), prefix("2001:4200::/23")}, IPv6PerBlock: 20})
	var addrs []netip.Addr
	w.Each(func(r regsim.NetRef) bool { addrs = append(addrs, w.OriginAddr(r)); return true })
	return w, addrs
}

// checkAnswers compares answers with the world's routes.
func checkAnswers(t *testing.T, w *regsim.World, addrs []netip.Addr, got []cymru.Answer) {
	t.Helper()
	if len(got) != len(addrs) {
		t.Fatalf("%d answers for %d addresses", len(got), len(addrs))
	}
	for i, a := range addrs {
		rt := w.RouteOf(a)
		g := got[i]
		if g.Addr != a || g.AS != rt.AS || g.Prefix != rt.Prefix || g.ASName != rt.ASName || g.Country != rt.Country ||
			g.Registry != string(rt.Registry) || !g.Allocated.Equal(rt.Allocated) {
			t.Fatalf("%s: %+v, want %+v", a, g, rt)
		}
	}
}

// TestLookupAsksInBulk: every answer is the world's route, each batch is
// one session, and sessions are paced.
func TestLookupAsksInBulk(t *testing.T) {
	t.Parallel()
	w, addrs := world(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	clk := newClock()
	c := client(t, srv.CymruAddr(), clk, cymru.Config{Batch: 100, Interval: time.Second})
	asked := append(addrs, addrs[:10]...) // asked twice: one query each
	got, err := c.Lookup(context.Background(), asked)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswers(t, w, asked, got)
	distinct := map[netip.Addr]bool{}
	for _, a := range addrs {
		distinct[a] = true
	}
	n := len(distinct) // networks covered whole by nested ones share their first address with one
	sessions := (n + 99) / 100
	st, sst := c.Stats(), srv.CymruStats()
	if st.Sessions != sessions || st.Retries != 0 || st.Addresses != n || sst.Sessions != int64(sessions) ||
		sst.Addresses != int64(n) || sst.MaxPerSession != 100 {
		t.Errorf("client %+v, server %+v: want %d sessions of at most 100 for %d addresses", st, sst, sessions, n)
	}
	if want := time.Duration(sessions-1) * time.Second; clk.total() != want {
		t.Errorf("slept %s between %d sessions, want %s", clk.total(), sessions, want)
	}
	t.Logf("%d networks, %d sessions", len(addrs), sessions)
}

// TestLookupRetriesACutSession: a session cut off mid-answer is retried
// after a backoff for the addresses it left (and again when the retry is
// cut too), and the answers are exact.
func TestLookupRetriesACutSession(t *testing.T) {
	t.Parallel()
	w, addrs := world(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{Cymru: regsim.CymruConfig{CutSessions: []int{2, 3}}})
	clk := newClock()
	c := client(t, srv.CymruAddr(), clk, cymru.Config{Batch: 200, Interval: time.Nanosecond, Backoff: time.Minute, MaxBackoff: time.Hour})
	got, err := c.Lookup(context.Background(), addrs)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswers(t, w, addrs, got)
	batches := (len(addrs) + 199) / 200
	if st := c.Stats(); st.Sessions != batches+2 || st.Retries != 2 || srv.CymruStats().Cut != 2 {
		t.Errorf("client %+v, server %+v: want %d sessions, 2 of them retries of cut ones", st, srv.CymruStats(), batches+2)
	}
	if clk.total() < time.Minute/2+time.Minute {
		t.Errorf("slept %s in all: want backoffs of at least 30s then 60s (jittered)", clk.total())
	}
}

// fakeServer answers every session with answer(query lines).
func fakeServer(tb testing.TB, answer func(lines []string) string) (string, func() int) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	sessions := 0
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			sessions++
			mu.Unlock()
			go fakeSession(conn, answer)
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return sessions }
}

func fakeSession(conn net.Conn, answer func([]string) string) {
	defer conn.Close()
	var lines []string
	sc := bufio.NewScanner(conn)
	for sc.Scan() && sc.Text() != "end" {
		lines = append(lines, sc.Text())
	}
	fmt.Fprint(conn, answer(lines))
}

// TestLookupStopsAtABadAnswer: a malformed line, the service's error line
// or an answer for an address not asked about stops the lookup at once,
// not retried, naming the line.
func TestLookupStopsAtABadAnswer(t *testing.T) {
	t.Parallel()
	const banner = "Bulk mode; whois.cymru.com [2024-10-15 05:46:42 +0000]\n"
	cases := []struct{ name, answer, want string }{
		{"Malformed", banner + "15169 | 192.0.2.1 | 192.0.2.0/24 | US | arin\n", "line 2"},
		{"ServerError", banner + "Error: no ASN or IP match on line 3.\n", "line 2"},
		{"Unasked", banner + "15169 | 198.51.100.1 | X, US\n", "not asked about: 198.51.100.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, sessions := fakeServer(t, func([]string) string { return c.answer })
			cl := client(t, addr, newClock(), cymru.Config{})
			_, err := cl.Lookup(context.Background(), []netip.Addr{netip.MustParseAddr("192.0.2.1")})
			if err == nil || !strings.Contains(err.Error(), c.want) || sessions() != 1 {
				t.Errorf("Lookup: %v after %d sessions; want an error with %q after 1", err, sessions(), c.want)
			}
		})
	}
}

// TestLookupGivesUpAfterTries: a server that keeps answering nothing is
// asked Tries times, with doubling backoff between, then the error says
// how many tries were made.
func TestLookupGivesUpAfterTries(t *testing.T) {
	t.Parallel()
	addr, sessions := fakeServer(t, func([]string) string { return "" })
	clk := newClock()
	cl := client(t, addr, clk, cymru.Config{Tries: 3, Backoff: time.Second, MaxBackoff: time.Minute, Interval: time.Nanosecond})
	_, err := cl.Lookup(context.Background(), []netip.Addr{netip.MustParseAddr("192.0.2.1")})
	if !errors.Is(err, cymru.ErrIncomplete) || !strings.Contains(err.Error(), "try 3 of 3") || sessions() != 3 {
		t.Errorf("Lookup: %v after %d sessions; want ErrIncomplete after 3 tries", err, sessions())
	}
	if got := clk.total(); got < time.Second/2+time.Second || got > 3*time.Second+time.Microsecond {
		t.Errorf("backoff %s in all: want 1s then 2s, jittered into their upper halves", got)
	}
}

// TestLookupStopsWhenCancelled: a session waiting on a silent server ends
// when the context does, long before its timeout.
func TestLookupStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			defer conn.Close()
			bufio.NewReader(conn).ReadString('\n') // the session began: stop it
			cancel()
			<-ctx.Done()
		}
	}()
	cl := client(t, ln.Addr().String(), newClock(), cymru.Config{Timeout: time.Hour})
	if _, err := cl.Lookup(ctx, []netip.Addr{netip.MustParseAddr("192.0.2.1")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Lookup: %v, want context.Canceled", err)
	}
}

// TestLookupOverTheServersCap: a batch larger than the service allows is
// its error line, not retried.
func TestLookupOverTheServersCap(t *testing.T) {
	t.Parallel()
	w, addrs := world(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{Cymru: regsim.CymruConfig{MaxPerSession: 10}})
	cl := client(t, srv.CymruAddr(), newClock(), cymru.Config{Batch: 20})
	_, err := cl.Lookup(context.Background(), addrs[:20])
	if !errors.Is(err, cymru.ErrServer) || !strings.Contains(err.Error(), "10 addresses at most") || srv.CymruStats().Sessions != 1 {
		t.Errorf("Lookup: %v; want the service's error about its cap, after one session", err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	d := cymru.Config{}.WithDefaults()
	if d.Server != cymru.DefaultServer || d.Batch != 1000 || d.Tries != 5 || d.Interval != time.Second || d.Validate() != nil {
		t.Errorf("defaults %+v", d)
	}
	for _, c := range []struct {
		cfg  cymru.Config
		want string
	}{
		{cymru.Config{Batch: cymru.MaxBatch + 1}, "Batch 10001"},
		{cymru.Config{Batch: -1}, "Batch -1"},
		{cymru.Config{Server: "whois.cymru.com"}, `Server "whois.cymru.com"`},
		{cymru.Config{Tries: -2}, "Tries -2"},
		{cymru.Config{Interval: -time.Second}, "negative"},
	} {
		if _, err := cymru.New(c.cfg); !errors.Is(err, cymru.ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v): %v, want %q", c.cfg, err, c.want)
		}
	}
	cl, _ := cymru.New(cymru.Config{Server: "127.0.0.1:1"})
	if _, err := cl.Lookup(context.Background(), []netip.Addr{{}}); err == nil {
		t.Error("Lookup of an invalid address: no error")
	}
}
