package cymru

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// session asks about addrs in one bulk session, adding each answer to got.
// It returns nil when the service ended the session cleanly, whether or not
// every address was answered (the caller checks).
func (c *Client) session(ctx context.Context, addrs []netip.Addr, got map[netip.Addr]Answer, isRetry bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.pace(ctx); err != nil {
		return err
	}
	c.st.Sessions++
	if isRetry {
		c.st.Retries++
	} else {
		c.st.Addresses += len(addrs)
	}
	dctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	raw, err := c.cfg.Dial(dctx, "tcp", c.cfg.Server)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	conn := &sessionConn{Conn: raw, timeout: c.cfg.Timeout}
	stop := context.AfterFunc(ctx, conn.cancel)
	defer stop()
	sent := make(chan error, 1)
	go func() { sent <- send(conn, addrs) }()
	err = receive(conn, addrs, got)
	conn.Close() // ends a send still blocked on a server that stopped reading
	<-sent       // a send error shows as a short or cut answer, already in err
	return err
}

// pace waits until Interval has passed since the last session started.
func (c *Client) pace(ctx context.Context) error {
	if !c.last.IsZero() {
		if wait := c.last.Add(c.cfg.Interval).Sub(c.cfg.Now()); wait > 0 {
			if err := c.cfg.Sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
	c.last = c.cfg.Now()
	return nil
}

// send writes the bulk query: "begin", "verbose", one address a line,
// "end".
func send(w io.Writer, addrs []netip.Addr) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString("begin\nverbose\n")
	var b []byte
	for _, a := range addrs {
		b = append(a.AppendTo(b[:0]), '\n')
		bw.Write(b)
	}
	bw.WriteString("end\n")
	return bw.Flush()
}

// receive reads the answers until the service closes the session.
func receive(r io.Reader, addrs []netip.Addr, got map[netip.Addr]Answer) error {
	asked := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		asked[a] = true
	}
	rd := NewReader(r)
	for {
		a, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !asked[a.Addr] {
			return fmt.Errorf("%w: %s", errUnasked, a.Addr)
		}
		if _, dup := got[a.Addr]; !dup { // a prefix of several origins may have a line each: the first wins
			got[a.Addr] = a
		}
	}
}

// sessionConn gives each read and write the session's timeout afresh, and
// fails them all once cancelled. A cancel and a deadline being set never
// interleave, so a cancel is never undone by the next operation's deadline.
type sessionConn struct {
	net.Conn
	timeout   time.Duration
	mu        sync.Mutex
	cancelled bool
}

func (s *sessionConn) cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled = true
	s.Conn.SetDeadline(time.Unix(1, 0))
}

func (s *sessionConn) arm(set func(time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelled {
		return context.Canceled
	}
	return set(time.Now().Add(s.timeout))
}

func (s *sessionConn) Read(p []byte) (int, error) {
	if err := s.arm(s.Conn.SetReadDeadline); err != nil {
		return 0, err
	}
	return s.Conn.Read(p)
}

func (s *sessionConn) Write(p []byte) (int, error) {
	if err := s.arm(s.Conn.SetWriteDeadline); err != nil {
		return 0, err
	}
	return s.Conn.Write(p)
}
