package regsim

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// CymruConfig says how the simulated Team Cymru bulk whois service
// behaves. The zero value is a well-behaved service with the default cap.
type CymruConfig struct {
	// MaxPerSession is how many addresses one session may ask about. A
	// session that asks about more is answered with the banner and an error
	// line only, and closed. Defaults to 10,000.
	MaxPerSession int
	// CutSessions lists sessions, numbered from 1 as they connect, that the
	// server cuts off halfway through their answer, in the middle of a
	// line, as a dropped connection does.
	CutSessions []int
	// IdleTimeout closes a session whose client sends nothing for this
	// long. Defaults to 30 seconds.
	IdleTimeout time.Duration
}

func (c CymruConfig) withDefaults() CymruConfig {
	if c.MaxPerSession <= 0 {
		c.MaxPerSession = 10000
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	return c
}

// CymruStats counts what the simulated Cymru service was asked, so tests
// can tell a bulk client from one that connects per address.
type CymruStats struct {
	Sessions      int64 `json:"sessions"`        // connections accepted
	Addresses     int64 `json:"addresses"`       // queries answered (addresses and bad lines)
	MaxPerSession int64 `json:"max_per_session"` // most queries answered in one session
	OverCap       int64 `json:"over_cap"`        // sessions refused for asking about too many
	Cut           int64 `json:"cut"`             // sessions cut off on purpose (CutSessions)
}

// cymruServer serves the world's routes in Team Cymru's whois protocol on
// its own port. It is safe for concurrent use.
type cymruServer struct {
	world *World
	cfg   CymruConfig
	now   func() time.Time

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	st     CymruStats
	wg     sync.WaitGroup
}

func newCymruServer(w *World, c CymruConfig, now func() time.Time) *cymruServer {
	return &cymruServer{world: w, cfg: c.withDefaults(), now: now, conns: map[net.Conn]struct{}{}}
}

// serve accepts sessions on ln in the background until close.
func (c *cymruServer) serve(ln net.Listener) {
	c.mu.Lock()
	c.ln = ln
	c.mu.Unlock()
	c.wg.Add(1)
	go c.accept(ln)
}

func (c *cymruServer) accept(ln net.Listener) {
	defer c.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return // closed
		}
		num, ok := c.open(conn)
		if !ok {
			conn.Close()
			return
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer c.drop(conn)
			c.session(conn, num)
		}()
	}
}

// open counts and tracks a new session; false once the server is closing.
func (c *cymruServer) open(conn net.Conn) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, false
	}
	c.conns[conn] = struct{}{}
	c.st.Sessions++
	return int(c.st.Sessions), true
}

func (c *cymruServer) drop(conn net.Conn) {
	conn.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.conns, conn)
}

// close stops accepting, cuts the sessions in progress and waits for them.
func (c *cymruServer) close() {
	c.mu.Lock()
	c.closed = true
	if c.ln != nil {
		c.ln.Close()
	}
	for conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *cymruServer) stats() CymruStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st
}

func (c *cymruServer) count(q *cymruQuery, cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.over {
		c.st.OverCap++
		return
	}
	c.st.Addresses += int64(len(q.lines))
	c.st.MaxPerSession = max(c.st.MaxPerSession, int64(len(q.lines)))
	if cut {
		c.st.Cut++
	}
}

// session reads one query (bulk or single) and answers it.
func (c *cymruServer) session(conn net.Conn, num int) {
	in := &deadlineReader{conn: conn, idle: c.cfg.IdleTimeout}
	q, err := readCymruQuery(bufio.NewReader(in), c.cfg.MaxPerSession)
	if err != nil {
		return // the client went quiet or away before asking anything whole
	}
	cut := slices.Contains(c.cfg.CutSessions, num) && !q.over
	c.count(q, cut)
	out := bufio.NewWriter(conn)
	c.answer(out, q, cut)
	if out.Flush() != nil || !q.over {
		return
	}
	// The refused client may still be writing: half-close and read on, so
	// the error line is not lost to a reset.
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	io.Copy(io.Discard, in) //nolint:errcheck // draining until the client closes or idles out
}

// deadlineReader reads from a connection, giving each read the idle
// timeout afresh.
type deadlineReader struct {
	conn net.Conn
	idle time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.conn.SetReadDeadline(time.Now().Add(d.idle))
	return d.conn.Read(p)
}

// cymruQuery is what one session asked.
type cymruQuery struct {
	bulk, verbose, header bool
	lines                 []queryLine // addresses asked (or lines that are none), in order
	over                  bool        // more than the cap were asked
}

// queryLine is one query of a session and its line number there.
type queryLine struct {
	n    int
	text string
}

// readCymruQuery reads a session's query. Bulk mode is "begin", options
// ("verbose", "header", "noheader") and one query per line until "end" (or
// the client's end of input); any other first line is a single query in
// the whois client's form: " -v 8.8.8.8".
func readCymruQuery(in *bufio.Reader, limit int) (*cymruQuery, error) {
	first, err := in.ReadString('\n')
	if err != nil && (err != io.EOF || first == "") {
		return nil, err
	}
	q := &cymruQuery{}
	if strings.TrimSpace(first) != "begin" {
		q.single(first)
		return q, nil
	}
	q.bulk = true
	for n := 2; ; n++ {
		line, err := in.ReadString('\n')
		if line = strings.TrimSpace(line); line == "end" {
			return q, nil
		}
		if !q.option(line) && line != "" {
			q.lines = append(q.lines, queryLine{n: n, text: line})
		}
		if len(q.lines) > limit {
			q.over = true
			return q, nil
		}
		if err == io.EOF {
			return q, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (q *cymruQuery) option(word string) bool {
	switch word {
	case "verbose":
		q.verbose = true
	case "header":
		q.header = true
	case "noheader":
		q.header = false
	default:
		return false
	}
	return true
}

// single reads a one-line query: flags, then queries; a header precedes
// the answer, as it does for `whois -h whois.cymru.com " -v 8.8.8.8"`.
func (q *cymruQuery) single(line string) {
	q.header = true
	for _, f := range strings.Fields(line) {
		switch {
		case f == "-v":
			q.verbose = true
		case !strings.HasPrefix(f, "-"):
			q.lines = append(q.lines, queryLine{n: 1, text: f})
		}
	}
}

// answer writes the banner (bulk mode), the header when asked, and a line
// per query; a cut session stops in the middle of its middle line.
func (c *cymruServer) answer(w *bufio.Writer, q *cymruQuery, cut bool) {
	if q.bulk {
		fmt.Fprintf(w, "Bulk mode; whois.cymru.com [%s]\n", c.now().UTC().Format("2006-01-02 15:04:05 -0700"))
	}
	if q.over {
		fmt.Fprintf(w, "Error: a bulk session may ask about %d addresses at most.\n", c.cfg.MaxPerSession)
		return
	}
	if q.header {
		w.Write(appendCymruLine(nil, q.verbose, "AS", "IP", "BGP Prefix", "CC", "Registry", "Allocated", "AS Name"))
	}
	var b []byte
	for i, l := range q.lines {
		b = c.appendAnswer(b[:0], l, q.verbose)
		if cut && i == len(q.lines)/2 {
			w.Write(b[:len(b)/2])
			return
		}
		w.Write(b)
	}
}

// appendAnswer writes the answer to one query line: the address's route,
// or the service's error for a line that is no address.
func (c *cymruServer) appendAnswer(b []byte, l queryLine, verbose bool) []byte {
	a, err := netip.ParseAddr(l.text)
	if err != nil || a.Zone() != "" {
		return fmt.Appendf(b, "Error: no ASN or IP match on line %d.\n", l.n)
	}
	rt := c.world.RouteOf(a)
	as, prefix, name := "NA", "NA", "NA"
	if rt.Routed() {
		as, prefix, name = fmt.Sprint(rt.AS), rt.Prefix.String(), rt.ASName
	}
	reg, date := string(rt.Registry), ""
	if reg == "" {
		reg = "other"
	}
	if !rt.Allocated.IsZero() {
		date = rt.Allocated.Format(time.DateOnly)
	}
	return appendCymruLine(b, verbose, as, a.String(), prefix, rt.Country, reg, date, name)
}

// appendCymruLine writes one line in the service's layout: columns padded
// to the real service's widths (IPv6 addresses to 40), "AS | IP | AS Name"
// unless verbose.
func appendCymruLine(b []byte, verbose bool, as, ip, prefix, cc, reg, date, name string) []byte {
	width := 16
	if strings.Contains(ip, ":") {
		width = 40
	}
	if !verbose {
		return fmt.Appendf(b, "%-7s | %-*s | %s\n", as, width, ip, name)
	}
	return fmt.Appendf(b, "%-7s | %-*s | %-19s | %-2s | %-8s | %-10s | %s\n", as, width, ip, prefix, cc, reg, date, name)
}
