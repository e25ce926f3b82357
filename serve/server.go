package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on a connection, the same on the lean path and in net/http.
const (
	headerTimeout = 10 * time.Second
	idleTimeout   = 2 * time.Minute
	writeTimeout  = 60 * time.Second
	maxHeader     = 64 << 10
)

// Serve answers the Whip API on ln until ctx ends, then stops taking
// connections and lets the requests in flight finish (up to grace).
//
// GET /ip/{addr} is most of the traffic, and net/http's per-request cost
// (a Request, a header map, a ResponseWriter) is most of what it costs to
// answer one. So each connection is read by a lean HTTP/1.1 loop that
// answers plain GET /ip/{addr} requests itself, pipelined ones included, and
// hands the connection, with the bytes it has read, to net/http at the
// first request it does not take (POST, other paths, a body, an escaped or
// unusual path, HTTP/1.0, anything else): net/http then serves the rest of
// the connection, so every request gets the full handler's behaviour.
func Serve(ctx context.Context, ln net.Listener, live *Live, o Options, grace time.Duration) error {
	s := &server{live: live, counters: o.Counters, rdapBase: strings.TrimSuffix(o.RDAPBase, "/"), handoff: newHandoff(ln.Addr()), conns: map[net.Conn]struct{}{}}
	s.http = &http.Server{Handler: Handler(live, o), ReadHeaderTimeout: headerTimeout, ReadTimeout: 30 * time.Second,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: maxHeader}
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.http.Serve(s.handoff) }()
	acceptDone := make(chan error, 1)
	go func() { acceptDone <- s.accept(ln) }()
	select {
	case err := <-acceptDone:
		s.http.Close()
		s.closeAll()
		return err
	case <-ctx.Done():
	}
	ln.Close()
	<-acceptDone
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	lean := s.drain(sctx)
	if err := s.http.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if lean != nil {
		return fmt.Errorf("shutdown: %w", lean)
	}
	return nil
}

// server is the lean path's state: the connections it is reading, and
// the hand-off to net/http.
type server struct {
	live     *Live
	counters *Counters // nil: nothing counted
	rdapBase string    // Options.RDAPBase
	http     *http.Server
	handoff  *handoff

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closing  atomic.Bool
	inFlight sync.WaitGroup
}

func (s *server) accept(ln net.Listener) error {
	return acceptLoop(ln, &s.closing, func(c net.Conn) {
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.inFlight.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	})
}

// acceptLoop hands every connection ln accepts to admit until ln is closed
// (nil once closing is set or the listener is gone), riding out the brief
// failures accept can have (too many open files) rather than stopping.
func acceptLoop(ln net.Listener, closing *atomic.Bool, admit func(net.Conn)) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if closing.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		admit(c)
	}
}

// drain ends the lean path's connections: idle ones at once (their read
// is woken), busy ones once their answers are written.
func (s *server) drain(ctx context.Context) error {
	s.closing.Store(true)
	s.mu.Lock()
	for c := range s.conns {
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.inFlight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeAll()
		return ctx.Err()
	}
}

func (s *server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

func (s *server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.inFlight.Done()
}

// serveConn reads requests and answers every complete one in the buffer
// before writing, so pipelined requests cost one write. An idle
// connection may wait idleTimeout for its next request, which must then
// arrive whole within headerTimeout of its first bytes.
func (s *server) serveConn(c net.Conn) {
	defer s.forget(c)
	in := make([]byte, 0, 4096)
	var out []byte
	c.SetReadDeadline(time.Now().Add(idleTimeout))
	for {
		if len(in) == 0 && s.closing.Load() {
			c.Close()
			return
		}
		if len(in) == cap(in) {
			in = append(in, 0)[:len(in)] // grow: a long header
		}
		began := len(in) == 0
		n, err := c.Read(in[len(in):cap(in)])
		in = in[:len(in)+n]
		if err != nil && n == 0 {
			c.Close()
			return
		}
		now := time.Now() // when the requests were read: deadlines and durations count from it
		off, handOff, closeAfter := s.answerRead(in, &out, now)
		if len(out) > 0 {
			c.SetWriteDeadline(now.Add(writeTimeout))
			if _, err := c.Write(out); err != nil {
				c.Close()
				return
			}
			out = out[:0]
		}
		switch {
		case closeAfter:
			c.Close()
			return
		case handOff || len(in)-off > maxHeader:
			c.SetReadDeadline(time.Time{})
			c.SetWriteDeadline(time.Time{})
			if !s.handoff.give(&prefixedConn{Conn: c, rest: bytes.Clone(in[off:])}) {
				c.Close()
			}
			return
		}
		in = in[:copy(in, in[off:])]
		switch {
		case len(in) == 0:
			c.SetReadDeadline(now.Add(idleTimeout))
		case began || off > 0: // a new request has begun
			c.SetReadDeadline(now.Add(headerTimeout))
		}
	}
}

// answerRead answers the complete requests a read brought (see answerAll)
// and counts them. Their durations run from read, the time the loop takes
// for its deadlines anyway, to now by the monotonic clock alone
// (time.Since): a clock read costs more than the counting itself, so
// counting adds the cheaper half of one, and nothing when it is off.
func (s *server) answerRead(in []byte, out *[]byte, read time.Time) (off int, handOff, closeAfter bool) {
	var tally leanTally
	off, handOff, closeAfter = s.answerAll(in, out, &tally)
	if s.counters != nil {
		s.counters.countLean(tally, time.Since(read))
	}
	return off, handOff, closeAfter
}

// answerAll answers the complete requests at the start of in, appending
// the answers to out and counting them in t. It returns how many bytes it
// consumed, whether the request there must go to net/http, and whether the
// connection closes after the answers.
func (s *server) answerAll(in []byte, out *[]byte, t *leanTally) (off int, handOff, closeAfter bool) {
	for {
		end := bytes.Index(in[off:], crlfcrlf)
		if end < 0 {
			return off, false, false
		}
		req, ok := parseRequest(in[off : off+end+2])
		if !ok || end+4 > maxHeader { // a long header block: net/http says whether it is too long
			return off, true, false
		}
		off += end + 4
		*out = s.answer(*out, req, t)
		if req.close {
			return off, false, true
		}
	}
}

var crlfcrlf = []byte("\r\n\r\n")

// leanRequest is a GET /ip/{addr} or GET /rdap/ip/{addr} the lean path
// answers.
type leanRequest struct {
	addr  string // the path's address, unescaped as it needs no escaping
	query string // the raw query, without '?'
	close bool   // Connection: close
	rdap  bool   // an RDAP query
	host  []byte // the Host header, aliasing the connection's buffer
}

// parseRequest reads a request line and header block (ending in one CRLF)
// and says whether the lean path takes it: GET /ip/{addr} or GET
// /rdap/ip/{addr} over HTTP/1.1 with a Host, no body, and a path and query
// that need no unescaping.
func parseRequest(head []byte) (leanRequest, bool) {
	var r leanRequest
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	target, ok := bytes.CutPrefix(line, []byte("GET /ip/"))
	if !ok {
		if target, ok = bytes.CutPrefix(line, []byte("GET /rdap/ip/")); !ok {
			return r, false
		}
		r.rdap = true
	}
	target, ok = bytes.CutSuffix(target, []byte(" HTTP/1.1"))
	if !ok {
		return r, false
	}
	path, query, _ := bytes.Cut(target, []byte("?"))
	if len(path) == 0 || !plainAddr(path) || !plainQuery(query) {
		return r, false
	}
	r.addr, r.query = string(path), string(query)
	host := false
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok || !token(name) || !fieldValue(value) {
			return r, false // malformed or folded: net/http says what is wrong
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "host"):
			if host {
				return r, false
			}
			host, r.host = true, value
		case asciiEqualFold(name, "connection"):
			if containsToken(value, "close") {
				r.close = true
			} else if !containsToken(value, "keep-alive") {
				return r, false // an upgrade, or other hop-by-hop options
			}
		case asciiEqualFold(name, "content-length"):
			if n, err := strconv.Atoi(string(value)); err != nil || n != 0 {
				return r, false
			}
		case asciiEqualFold(name, "transfer-encoding"), asciiEqualFold(name, "expect"), asciiEqualFold(name, "upgrade"):
			return r, false
		}
	}
	// RDAP links are made of the Host: net/http judges an unusual one.
	return r, host && (!r.rdap || validHost(r.host))
}

// token: a header name's characters (RFC 9110 §5.6.2).
func token(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// fieldValue: no control characters but tab.
func fieldValue(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// plainAddr: an address's characters only, so the path needs no cleaning
// or unescaping.
func plainAddr(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// plainQuery: no escapes, no spaces, nothing net/http would read
// differently.
func plainQuery(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '%' || c == '+' || c == ';' || c == '#' {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func containsToken(value []byte, token string) bool {
	for _, t := range bytes.Split(value, []byte(",")) {
		if asciiEqualFold(bytes.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// answer appends the whole HTTP answer to one lean request: what the
// handler's GET /ip/{addr} answers, with the same status and body.
func (s *server) answer(out []byte, r leanRequest, t *leanTally) []byte {
	if r.rdap {
		return s.answerRDAP(out, r, t)
	}
	status, body := http.StatusOK, []byte(nil)
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	a, err := ParseAddr(r.addr)
	var q Query
	if err == nil {
		q, err = parseRawQuery(r.query)
	}
	if err != nil {
		status, body = http.StatusBadRequest, appendError((*bp)[:0], err.Error())
		t.bad++
	} else {
		h := s.live.acquire()
		body = AppendAnswer((*bp)[:0], h.ix, a, q)
		h.release()
		t.ok++
	}
	*bp = body
	return append(appendHead(out, status, "Content-Type: application/json", len(body), r.close), body...)
}

// appendHead appends an answer's status line and header block, as
// net/http writes them, with the given fields (lines without their last
// CRLF) before the Date.
func appendHead(out []byte, status int, fields string, length int, close bool) []byte {
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, http.StatusText(status)...)
	out = append(out, "\r\n"...)
	out = append(out, fields...)
	out = append(out, "\r\nDate: "...)
	out = appendDate(out)
	out = append(out, "\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(length), 10)
	if close {
		out = append(out, "\r\nConnection: close"...)
	}
	return append(out, "\r\n\r\n"...)
}

// The Date header, formatted once a second.
var dateCache atomic.Pointer[cachedDate]

type cachedDate struct {
	sec  int64
	text []byte
}

func appendDate(out []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		d = &cachedDate{sec: now.Unix(), text: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(out, d.text...)
}

// handoff is the listener net/http serves: the connections the lean path
// hands it.
type handoff struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newHandoff(addr net.Addr) *handoff {
	return &handoff{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give passes a connection to net/http; false once it has stopped.
func (h *handoff) give(c net.Conn) bool {
	select {
	case h.conns <- c:
		return true
	case <-h.done:
		return false
	}
}

func (h *handoff) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

func (h *handoff) Close() error {
	h.closed.Do(func() { close(h.done) })
	return nil
}

func (h *handoff) Addr() net.Addr { return h.addr }

// prefixedConn reads the bytes the lean path had read before the
// connection's own.
type prefixedConn struct {
	net.Conn
	rest []byte
}

func (c *prefixedConn) Read(p []byte) (int, error) {
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
