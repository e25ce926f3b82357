package whois

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/rdap"
)

// ClientConfig configures a Client. Every field documents its default.
type ClientConfig struct {
	// Servers maps a registry to the HOST:PORT of its WHOIS server.
	// Registries missing from it get DefaultServers' address.
	Servers map[ipatlas.Registry]string
	// Timeout bounds one exchange with one server: connecting, asking and
	// reading the whole answer. Defaults to 30s.
	Timeout time.Duration
	// DialTimeout bounds connecting. Defaults to 10s.
	DialTimeout time.Duration
	// MaxAnswer caps an answer's size in bytes. Defaults to 1 MiB.
	MaxAnswer int64
	// MaxReferrals caps the referrals followed for one query. Defaults to 3.
	MaxReferrals int
	// SourceAddr, when valid, is the local address queries leave from.
	SourceAddr netip.Addr
}

// DefaultServers are the registries' WHOIS servers on port 43.
func DefaultServers() map[ipatlas.Registry]string {
	out := map[ipatlas.Registry]string{}
	for reg, host := range Servers {
		out[reg] = net.JoinHostPort(host, "43")
	}
	return out
}

// Client asks the registries' WHOIS servers which network holds an
// address. It satisfies the crawler's Querier, reporting failures as
// *rdap.QueryError values. It is safe for concurrent use: each query has
// a connection of its own, as RFC 3912 §2 has the server close it after
// the answer.
type Client struct {
	cfg    ClientConfig
	dialer *net.Dialer
}

// NewClient checks the server addresses and applies the defaults.
func NewClient(c ClientConfig) (*Client, error) {
	servers := DefaultServers()
	for reg, addr := range c.Servers {
		if !reg.Valid() {
			return nil, fmt.Errorf("whois client: unknown registry %q", reg)
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			return nil, fmt.Errorf("whois client: %s server %q: want HOST:PORT", reg, addr)
		}
		servers[reg] = addr
	}
	c.Servers = servers
	c.Timeout = cmpDuration(c.Timeout, 30*time.Second)
	c.DialTimeout = cmpDuration(c.DialTimeout, 10*time.Second)
	if c.MaxAnswer <= 0 {
		c.MaxAnswer = 1 << 20
	}
	if c.MaxReferrals <= 0 {
		c.MaxReferrals = 3
	}
	d := &net.Dialer{Timeout: c.DialTimeout}
	if c.SourceAddr.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: c.SourceAddr.AsSlice()}
	}
	return &Client{cfg: c, dialer: d}, nil
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Server is the HOST:PORT the client asks reg's questions at.
func (c *Client) Server(reg ipatlas.Registry) string { return c.cfg.Servers[reg] }

// Query is the line sent to reg's server to ask about a: ARIN's "n + ADDR"
// (networks only, with their organisations and contacts), the RPSL
// servers' "-r -B ADDR" (no referenced contact objects, which count
// against their daily personal-data limits and get a crawler blocked;
// unfiltered), LACNIC's bare address (it takes no flags).
func Query(reg ipatlas.Registry, a netip.Addr) string {
	addr := a.Unmap().String()
	switch reg {
	case ipatlas.ARIN:
		return "n + " + addr
	case ipatlas.LACNIC:
		return addr
	}
	return "-r -B " + addr
}

// QueryIP asks reg's server which network holds a, following referrals to
// the registry that holds the space.
func (c *Client) QueryIP(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, error) {
	a = a.Unmap()
	for hops := 0; ; hops++ {
		ans, next, err := c.ask(ctx, reg, a)
		ans.Redirects = hops
		if err != nil || next == "" {
			return ans, err
		}
		if hops == c.cfg.MaxReferrals {
			return ans, &rdap.QueryError{Kind: rdap.KindRedirect, URL: ans.URL,
				Err: fmt.Errorf("more than %d referrals", c.cfg.MaxReferrals)}
		}
		reg = next
	}
}

// ask puts one question to reg's server: the answer, or the registry it
// refers the client to, or a classified error.
func (c *Client) ask(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, ipatlas.Registry, error) {
	q := Query(reg, a)
	u := URL(c.cfg.Servers[reg], q)
	ans := rdap.Answer{URL: u}
	body, err := c.exchange(ctx, c.cfg.Servers[reg], q)
	if err != nil {
		return ans, "", &rdap.QueryError{Kind: exchangeKind(err), URL: u, Err: err}
	}
	ans.Body = body
	if kind, msg := classify(body); kind != 0 {
		return ans, "", &rdap.QueryError{Kind: kind, URL: u, Err: errors.New(msg)}
	}
	if !complete(reg, body) {
		return ans, "", &rdap.QueryError{Kind: rdap.KindTruncated, URL: u,
			Err: fmt.Errorf("answer of %d bytes ends before %s's closing lines", len(body), reg.Title())}
	}
	if to, ok := referral(reg, body); ok {
		return ans, to, nil
	}
	n, err := Parse(reg, u, body, a)
	if err != nil {
		return ans, "", &rdap.QueryError{Kind: rdap.KindMalformed, URL: u, Err: err}
	}
	if IsPlaceholder(n) {
		return c.elsewhere(ans, reg, a)
	}
	n.Source = ipatlas.Source{Protocol: ipatlas.ProtocolWHOIS, URL: u, Retrieved: time.Now().UTC()}
	ans.Network = n
	return ans, "", nil
}

// elsewhere handles an RPSL server's placeholder for space it does not
// hold: the space is asked about at the registry IANA gives it to, unless
// that is where the question went, when nobody holds it.
func (c *Client) elsewhere(ans rdap.Answer, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, ipatlas.Registry, error) {
	if to := iana.RegistryOf(a); to != "" && to != reg {
		return ans, to, nil
	}
	return ans, "", &rdap.QueryError{Kind: rdap.KindNotFound, URL: ans.URL, Err: errors.New("only a placeholder for space no registry holds")}
}

var errTooLarge = errors.New("answer too large")

// exchange sends the query and reads the answer until the server closes
// the connection (RFC 3912 §2).
func (c *Client) exchange(ctx context.Context, server, query string) ([]byte, error) {
	conn, err := c.dialer.DialContext(ctx, "tcp", server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline) //nolint:errcheck // a fresh connection takes a deadline
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(conn, query+"\r\n"); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(conn, c.cfg.MaxAnswer+1))
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, err
	case int64(len(body)) > c.cfg.MaxAnswer:
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, c.cfg.MaxAnswer)
	case len(body) == 0:
		return nil, errors.New("the server closed the connection without an answer")
	}
	return body, nil
}

func exchangeKind(err error) rdap.Kind {
	if errors.Is(err, errTooLarge) {
		return rdap.KindMalformed
	}
	return rdap.KindTransport
}

// URL is how a query to server is written in errors and sources:
// whois://HOST:PORT/QUERY.
func URL(server, query string) string { return "whois://" + server + "/" + query }
