package serve

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// WhoisConfig bounds the WHOIS server. A zero field takes its default.
type WhoisConfig struct {
	// MaxConns is how many connections are served at once; one more is
	// answered with a refusal line and closed. Defaults to 256.
	MaxConns int
	// MaxQuery is the longest query line, in bytes without its line end;
	// a longer one is answered with an error line and closed. Defaults to
	// 1,024.
	MaxQuery int
	// ReadTimeout is how long a client has, from connecting, to send its
	// query line. Defaults to 10 seconds.
	ReadTimeout time.Duration
	// WriteTimeout is how long writing an answer may take. Defaults to 30
	// seconds.
	WriteTimeout time.Duration
	// Grace is how long a shutdown waits for answers being written.
	// Defaults to 10 seconds.
	Grace time.Duration
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c WhoisConfig) WithDefaults() WhoisConfig {
	c.MaxConns = cmp.Or(c.MaxConns, 256)
	c.MaxQuery = cmp.Or(c.MaxQuery, 1024)
	c.ReadTimeout = cmp.Or(c.ReadTimeout, 10*time.Second)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, 30*time.Second)
	c.Grace = cmp.Or(c.Grace, 10*time.Second)
	return c
}

// Validate names the first field that is out of range.
func (c WhoisConfig) Validate() error {
	switch {
	case c.MaxConns < 1:
		return fmt.Errorf("whois MaxConns %d: want at least 1", c.MaxConns)
	case c.MaxQuery < 1:
		return fmt.Errorf("whois MaxQuery %d: want at least 1", c.MaxQuery)
	case c.ReadTimeout <= 0 || c.WriteTimeout <= 0 || c.Grace < 0:
		return fmt.Errorf("whois timeouts %v, %v, grace %v: want them positive", c.ReadTimeout, c.WriteTimeout, c.Grace)
	}
	return nil
}

// A connection's end: after its answer the server stops writing and reads
// (and drops) what the client still sends, for up to lingerTime and
// lingerBytes, before it closes. Closing with unread bytes would reset
// the connection, and a reset can destroy the answer before the client
// reads it: a client over the limit or with an overlong query would see
// "connection reset" instead of the line that says why.
const (
	lingerTime  = time.Second
	lingerBytes = 64 << 10
)

// ServeWhois answers WHOIS queries (RFC 3912) on ln from live until ctx
// ends, then stops taking connections and lets the answers being written
// finish (up to c.Grace). Each connection carries one query line and its
// answer, then the server closes it (RFC 3912 §2). The index is the one
// Serve answers from: a swap reaches both.
func ServeWhois(ctx context.Context, ln net.Listener, live *Live, c WhoisConfig) error {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	s := &whoisServer{live: live, cfg: c, conns: map[net.Conn]struct{}{}}
	acceptDone := make(chan error, 1)
	go func() { acceptDone <- s.accept(ln) }()
	select {
	case err := <-acceptDone:
		s.closing.Store(true)
		s.closeAll()
		s.wg.Wait()
		return err
	case <-ctx.Done():
	}
	s.closing.Store(true)
	ln.Close()
	<-acceptDone
	return s.drain()
}

// whoisServer is a running WHOIS server: the connections it is serving
// or refusing, and how many it is serving.
type whoisServer struct {
	live *Live
	cfg  WhoisConfig

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	serving int // connections counted against MaxConns
	closing atomic.Bool
	wg      sync.WaitGroup
}

func (s *whoisServer) accept(ln net.Listener) error { return acceptLoop(ln, &s.closing, s.admit) }

// admit starts serving c, or refusing it when MaxConns are being served.
// Refusals are bounded too: past MaxConns of them, a connection is closed
// without a word, so a flood costs at most twice MaxConns goroutines.
func (s *whoisServer) admit(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	over := s.serving >= s.cfg.MaxConns
	if over && len(s.conns)-s.serving >= s.cfg.MaxConns {
		c.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	if over {
		go s.refuse(c)
		return
	}
	s.serving++
	go s.serveConn(c)
}

func (s *whoisServer) forget(c net.Conn, served bool) {
	s.mu.Lock()
	delete(s.conns, c)
	if served {
		s.serving--
	}
	s.mu.Unlock()
	s.wg.Done()
}

func (s *whoisServer) refuse(c net.Conn) {
	defer s.forget(c, false)
	s.finish(c, whoisFailure(fmt.Sprintf("too many connections (this server takes %d at once); try again later", s.cfg.MaxConns)))
}

// serveConn reads one query line and answers it.
func (s *whoisServer) serveConn(c net.Conn) {
	defer s.forget(c, true)
	s.readDeadline(c, s.cfg.ReadTimeout)
	line, err := readQueryLine(c, s.cfg.MaxQuery)
	var answer []byte
	switch {
	case err == nil:
		h := s.live.acquire()
		answer = whoisAnswer(h.ix, line)
		h.release()
	case errors.Is(err, errQueryTooLong):
		answer = whoisFailure(fmt.Sprintf("query longer than %d bytes", s.cfg.MaxQuery))
	case errors.Is(err, os.ErrDeadlineExceeded) && s.closing.Load():
		answer = whoisFailure("the server is shutting down; try again later")
	case errors.Is(err, os.ErrDeadlineExceeded):
		answer = whoisFailure(fmt.Sprintf("no query line within %v", s.cfg.ReadTimeout))
	default: // the client left without a query
		c.Close()
		return
	}
	s.finish(c, answer)
}

// readDeadline sets c's read deadline d from now, or now when the server
// is shutting down: drain sets closing before it wakes the readers, so a
// deadline set here after that wake-up is never a late one.
func (s *whoisServer) readDeadline(c net.Conn, d time.Duration) {
	c.SetReadDeadline(time.Now().Add(d))
	if s.closing.Load() {
		c.SetReadDeadline(time.Now())
	}
}

var errQueryTooLong = errors.New("query line too long")

// readQueryLine reads up to the first line end (LF, or CR LF as RFC 3912
// has it) and returns the line without it; a client that ends its side of
// the connection after a query without a line end is answered too.
func readQueryLine(c net.Conn, maxLen int) (string, error) {
	buf := make([]byte, 0, min(maxLen+2, 512))
	for {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line := bytes.TrimSuffix(buf[:i], []byte{'\r'})
			if len(line) > maxLen {
				return "", errQueryTooLong
			}
			return string(line), nil
		}
		if len(buf) > maxLen+1 { // room for the CR of a line of maxLen
			return "", errQueryTooLong
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := c.Read(buf[len(buf):min(cap(buf), maxLen+2)])
		buf = buf[:len(buf)+n]
		if err == io.EOF && len(bytes.TrimSpace(buf)) > 0 {
			buf = append(buf, '\n')
			continue
		}
		if err != nil {
			return "", err
		}
	}
}

// finish writes the answer and closes c after a linger (see lingerTime).
func (s *whoisServer) finish(c net.Conn, answer []byte) {
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if _, err := c.Write(answer); err != nil {
		return
	}
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	s.readDeadline(c, lingerTime)
	io.Copy(io.Discard, io.LimitReader(c, lingerBytes))
}

// drain ends the connections: those waiting for a query line are woken
// (and told the server is stopping), the answers being written finish,
// for up to Grace; then the rest are closed.
func (s *whoisServer) drain() error {
	s.mu.Lock()
	for c := range s.conns {
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(s.cfg.Grace):
		s.closeAll()
		<-done
		return fmt.Errorf("whois shutdown: answers still being written after %v", s.cfg.Grace)
	}
}

func (s *whoisServer) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}
