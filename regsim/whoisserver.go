package regsim

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// whoisServers serve WHOIS (RFC 3912) on a port per registry: one query
// line per connection, the answer in the registry's text format, then the
// server closes the connection. Each registry applies the same limits per
// client address as its RDAP service, counted apart from it (the real
// registries limit their port 43 separately), and the same faults. Safe
// for concurrent use.
type whoisServers struct {
	srv   *Server
	regs  map[ipatlas.Registry]*whoisServer
	stats *stats
	done  chan struct{} // closed by close: wakes answers that are sleeping

	mu     sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// whoisServer is one registry's port 43.
type whoisServer struct {
	set  *whoisServers
	reg  ipatlas.Registry
	lim  *limiter
	flt  *faulter
	addr string
}

func newWhoisServers(s *Server) *whoisServers {
	ws := &whoisServers{srv: s, regs: map[ipatlas.Registry]*whoisServer{}, stats: newStats(),
		done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	for i, r := range registries {
		ws.regs[r] = &whoisServer{set: ws, reg: r, lim: newLimiter(s.cfg.Limits[r]),
			flt: newFaulter(s.cfg.Faults[r], s.cfg.Seed+uint64(i)+0x77686f6973)}
	}
	return ws
}

// start listens on every registry's port, then serves them all.
func (ws *whoisServers) start() error {
	lns := map[ipatlas.Registry]net.Listener{}
	for _, r := range registries {
		ln, err := ws.srv.listen(ws.srv.cfg.WhoisPorts[r])
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("start %s whois server: %w", r, err)
		}
		lns[r] = ln
		ws.regs[r].addr = ln.Addr().String()
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for r, ln := range lns {
		ws.lns = append(ws.lns, ln)
		go ws.accept(ln, ws.regs[r])
	}
	return nil
}

func (ws *whoisServers) accept(ln net.Listener, rs *whoisServer) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		if !ws.track(c) {
			c.Close()
			return
		}
		go func() {
			defer ws.untrack(c)
			rs.serve(c)
		}()
	}
}

func (ws *whoisServers) track(c net.Conn) bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closed {
		return false
	}
	ws.conns[c] = struct{}{}
	ws.wg.Add(1)
	return true
}

func (ws *whoisServers) untrack(c net.Conn) {
	ws.mu.Lock()
	delete(ws.conns, c)
	ws.mu.Unlock()
	c.Close()
	ws.wg.Done()
}

// close stops listening, cuts the connections being answered and waits
// for their handlers.
func (ws *whoisServers) close() {
	ws.mu.Lock()
	if !ws.closed {
		ws.closed = true
		close(ws.done)
	}
	for _, ln := range ws.lns {
		ln.Close()
	}
	for c := range ws.conns {
		c.Close()
	}
	ws.mu.Unlock()
	ws.wg.Wait()
}

// maxQueryLine bounds a query line; real servers refuse longer ones too.
const maxQueryLine = 1024

// serve answers one connection: read the query line, answer, close.
func (rs *whoisServer) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck // a fresh connection takes a deadline
	line, err := bufio.NewReaderSize(c, maxQueryLine).ReadSlice('\n')
	if err != nil {
		return // no query line: nothing to answer
	}
	now := rs.set.srv.cfg.Now()
	client := hostOf(c.RemoteAddr().String())
	query := strings.TrimSpace(string(line))
	a := rs.admit(client, now)
	var f fault
	if a.status == 0 {
		var delay time.Duration
		f, delay = rs.flt.draw()
		if !rs.set.sleep(delay) {
			return
		}
		a = rs.route(query)
	}
	rs.deliver(c, a, f, client, now)
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// sleep waits d unless the servers close first.
func (ws *whoisServers) sleep(d time.Duration) bool { return sleepUnless(ws.done, d) }

// admit applies the rate limit; a zero answer means the query may proceed.
func (rs *whoisServer) admit(client string, now time.Time) answer {
	v, _ := rs.lim.take(client, now)
	if v == allowed {
		return answer{}
	}
	a := answer{status: http.StatusTooManyRequests, ev: evLimited,
		body: rs.writer(whoisOpts{}).limited(client, rs.lim.limit, v == blocked)}
	if v == blocked {
		a.ev = evBlocked
	}
	return a
}

func (rs *whoisServer) writer(o whoisOpts) *whoisWriter {
	return newWhoisWriter(rs.set.srv.world, rs.reg, o)
}

// route answers a query as the registry would. Outcomes are counted under
// the status an RDAP server would give: 200 an answer, 301 a referral, 404
// no match, 400 a query refused.
func (rs *whoisServer) route(query string) answer {
	key, opts, bad := parseWhoisQuery(rs.reg, query)
	if bad != "" {
		return answer{status: http.StatusBadRequest, body: rs.writer(opts).badOption(bad)}
	}
	rg, err := parseIPQuery(key)
	if err != nil {
		return answer{status: http.StatusNotFound, body: rs.writer(opts).notFound(query)}
	}
	rs.set.srv.countQuery(rs.reg, key)
	w := rs.set.srv.world
	ref := w.lookupRange(rg)
	holder := iana.RegistryOf(rg.From)
	if ref.Valid() {
		holder = w.Registry(ref)
	}
	switch {
	case holder != "" && holder != rs.reg:
		return answer{status: http.StatusMovedPermanently, ev: evRedirect,
			body: rs.writer(opts).elsewhere(holder, w.elsewhereRange(rg))}
	case !ref.Valid():
		return answer{status: http.StatusNotFound, body: rs.writer(opts).notFound(query)}
	}
	return answer{status: http.StatusOK, body: rs.writer(opts).network(ref)}
}

// parseWhoisQuery splits a query into its search key and what its flags
// ask for, as each server reads them: ARIN "n + ADDR" ("+" for details),
// RIPE-style "-r -B ADDR" (-r: no contact objects, -B: unfiltered; -T
// takes a value), LACNIC the bare address. bad names a flag the server
// refuses.
func parseWhoisQuery(reg ipatlas.Registry, q string) (key string, o whoisOpts, bad string) {
	fields := strings.Fields(q)
	if len(fields) == 0 {
		return "", o, ""
	}
	key = fields[len(fields)-1]
	switch reg {
	case ipatlas.ARIN:
		for _, f := range fields[:len(fields)-1] {
			o.details = o.details || f == "+"
		}
		return key, o, ""
	case ipatlas.LACNIC:
		if len(fields) > 1 {
			return q, o, "" // not a single address: no match
		}
		return key, o, ""
	}
	o.contacts, o.filtered = true, true
	flags := fields[:len(fields)-1]
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case "-r":
			o.contacts = false
		case "-B":
			o.filtered = false
		case "-G", "-x", "-l", "-M":
		case "-T", "-s":
			i++
		default:
			return key, o, flags[i]
		}
	}
	return key, o, ""
}

// deliver writes the answer, applying the drawn fault, and counts it.
func (rs *whoisServer) deliver(c net.Conn, a answer, f fault, client string, now time.Time) {
	ev, status := a.ev, a.status
	if f != faultNone {
		ev = evFault
	}
	switch f {
	case faultServerError:
		status = http.StatusInternalServerError
		a.body = nil // ARIN and LACNIC close without a word
		if rs.reg != ipatlas.ARIN && rs.reg != ipatlas.LACNIC {
			a.body = rs.writer(whoisOpts{}).internalError()
		}
	case faultSlow:
		if !rs.set.sleep(rs.flt.f.SlowDelay) {
			return
		}
	case faultMalformed:
		if status == http.StatusOK {
			half := len(a.body) / 2
			a.body = append(append(a.body[:half:half], "\n<<not whois>>\n"...), a.body[half:]...)
		}
	case faultReset:
		status = 0
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) //nolint:errcheck // best effort: a plain close is still a cut
		}
		a.body = nil
	case faultTruncate:
		status = 0
		a.body = a.body[:len(a.body)/2]
	}
	rs.set.stats.record(rs.reg, client, status, now, ev)
	c.Write(a.body) //nolint:errcheck // the client may have gone
}

// WhoisAddr is the HOST:PORT of a registry's WHOIS server.
func (s *Server) WhoisAddr(r ipatlas.Registry) string { return s.whois.regs[r].addr }

// WhoisStats returns the WHOIS servers' counters, kept apart from RDAP's.
// Outcomes are counted under the HTTP status an RDAP server would give:
// 200 an answer, 301 a referral, 404 no match, 400 a refused query, 429
// over the limit, 500 an injected server error.
func (s *Server) WhoisStats() Stats { return s.whois.stats.snapshot() }
