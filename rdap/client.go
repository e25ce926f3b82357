package rdap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// ClientConfig configures a Client. Every field documents its default.
type ClientConfig struct {
	// Bootstrap says which server answers for which space, and so which
	// hosts a redirect may lead to. Required.
	Bootstrap *Bootstrap
	// Timeout bounds one request, redirects included. Defaults to 30s.
	Timeout time.Duration
	// MaxBody caps an answer's size. Defaults to 4 MiB.
	MaxBody int64
	// MaxRedirects caps the redirects followed for one query. Defaults to 3.
	MaxRedirects int
	// UserAgent is sent with every request. Defaults to ipatlas.UserAgent().
	UserAgent string
	// SourceAddr, when valid, is the local address requests leave from.
	SourceAddr netip.Addr
	// MaxConnsPerHost bounds open connections to one server. Defaults to 16.
	MaxConnsPerHost int
}

// Client queries registries' RDAP services. It is safe for concurrent use
// and reuses connections.
type Client struct {
	cfg   ClientConfig
	http  *http.Client
	bases map[ipatlas.Registry]string
	hosts map[string]bool
}

// NewClient builds a client over the bootstrap's servers.
func NewClient(c ClientConfig) (*Client, error) {
	if c.Bootstrap == nil {
		return nil, errors.New("rdap client: no bootstrap")
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxBody == 0 {
		c.MaxBody = 4 << 20
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = 3
	}
	if c.UserAgent == "" {
		c.UserAgent = ipatlas.UserAgent()
	}
	if c.MaxConnsPerHost == 0 {
		c.MaxConnsPerHost = 16
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if c.SourceAddr.IsValid() {
		dialer.LocalAddr = &net.TCPAddr{IP: c.SourceAddr.AsSlice()}
	}
	transport := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: c.MaxConnsPerHost,
		MaxConnsPerHost: c.MaxConnsPerHost, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: c.Timeout}
	cl := &Client{cfg: c, bases: RegistryURLs(c.Bootstrap), hosts: c.Bootstrap.Hosts(),
		http: &http.Client{Transport: transport, Timeout: c.Timeout,
			// Redirects are untrusted input: Query vets and follows them itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return cl, nil
}

// RegistryURLs maps each registry to its RDAP base URL in the bootstrap:
// a service belongs to the registry IANA lists for its first block.
func RegistryURLs(b *Bootstrap) map[ipatlas.Registry]string {
	out := map[ipatlas.Registry]string{}
	for _, s := range b.Services {
		if len(s.Prefixes) == 0 || len(s.URLs) == 0 {
			continue
		}
		reg := iana.RegistryOf(s.Prefixes[0].Addr())
		if reg == "" {
			continue
		}
		if _, seen := out[reg]; !seen {
			out[reg] = preferHTTPS(s.URLs)
		}
	}
	return out
}

func preferHTTPS(urls []string) string {
	for _, u := range urls {
		if strings.HasPrefix(u, "https://") {
			return u
		}
	}
	return urls[0]
}

// Base is a registry's RDAP base URL, or "" when the bootstrap lists none.
func (c *Client) Base(r ipatlas.Registry) string { return c.bases[r] }

// Kind classifies a failed query, so the caller can handle each as what it
// is: retry, slow down, skip, or give up.
type Kind int

// Kinds of failure.
const (
	KindNotFound    Kind = iota + 1 // 404: unregistered
	KindBadRequest                  // 400: the registry refuses the query
	KindRateLimited                 // 429 or LACNIC's "Rate Limit Notice"
	KindServer                      // 5xx
	KindTransport                   // connection refused, reset, timeout
	KindTruncated                   // the body ended before its promised length
	KindMalformed                   // not a valid RDAP answer, or too large
	KindRedirect                    // a redirect we would not follow
)

var kindNames = map[Kind]string{KindNotFound: "not found", KindBadRequest: "bad request", KindRateLimited: "rate limited",
	KindServer: "server error", KindTransport: "transport error", KindTruncated: "truncated answer",
	KindMalformed: "malformed answer", KindRedirect: "refused redirect"}

func (k Kind) String() string { return kindNames[k] }

// Retryable reports whether trying the same query again may succeed.
func (k Kind) Retryable() bool {
	return k == KindServer || k == KindTransport || k == KindTruncated || k == KindMalformed || k == KindRateLimited
}

// QueryError is a query that did not give a network. WHOIS clients report
// their failures with it too, so the crawler treats both protocols alike.
type QueryError struct {
	Kind Kind
	// URL is what was asked: an RDAP URL, or whois://host:port/query.
	URL        string
	Status     int           // HTTP status, 0 when none arrived
	RetryAfter time.Duration // from Retry-After, when sent
	Err        error
}

func (e *QueryError) Error() string {
	proto := "rdap"
	if strings.HasPrefix(e.URL, "whois://") {
		proto = "whois"
	}
	msg := fmt.Sprintf("%s %s: %s", proto, e.URL, e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *QueryError) Unwrap() error { return e.Err }

// Answer is a successful query.
type Answer struct {
	Network   ipatlas.Network // Registry is the registry that answered
	Body      []byte
	URL       string // the URL that answered
	Redirects int
}

// QueryIP asks reg's server about a. A redirect is followed only to a
// server listed in the bootstrap.
func (c *Client) QueryIP(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (Answer, error) {
	base := c.bases[reg]
	if base == "" {
		return Answer{}, &QueryError{Kind: KindBadRequest, URL: string(reg), Err: errors.New("the bootstrap lists no server for this registry")}
	}
	u := base + "ip/" + a.Unmap().String()
	for redirects := 0; ; redirects++ {
		body, next, err := c.get(ctx, u)
		if err != nil {
			return Answer{}, err
		}
		if next == "" {
			return c.answer(u, body, redirects)
		}
		if redirects == c.cfg.MaxRedirects {
			return Answer{}, &QueryError{Kind: KindRedirect, URL: u, Err: fmt.Errorf("more than %d redirects", c.cfg.MaxRedirects)}
		}
		u = next
	}
}

// answer reads the body of a 200 into an Answer.
//
// LACNIC answers 200 with a "Rate Limit Notice" when it throttles: in a
// network's notices, or in a body that is no network at all. Looking in
// the parsed notices first spares every answer a second reading.
func (c *Client) answer(u string, body []byte, redirects int) (Answer, error) {
	n, err := ParseNetwork(body)
	if (err == nil && hasRateLimitNotice(n.Notices)) || (err != nil && IsRateLimitNotice(body)) {
		return Answer{}, &QueryError{Kind: KindRateLimited, URL: u, Status: http.StatusOK, Err: errors.New("Rate Limit Notice")}
	}
	if err != nil {
		return Answer{}, &QueryError{Kind: KindMalformed, URL: u, Status: http.StatusOK, Err: err}
	}
	n.Registry = c.registryOf(u)
	n.Source = ipatlas.Source{Protocol: ipatlas.ProtocolRDAP, URL: u, Retrieved: time.Now().UTC()}
	return Answer{Network: n, Body: body, URL: u, Redirects: redirects}, nil
}

// registryOf is the registry whose base URL u starts with.
func (c *Client) registryOf(u string) ipatlas.Registry {
	for r, base := range c.bases {
		if strings.HasPrefix(u, base) {
			return r
		}
	}
	return ""
}

// get fetches u, returning the body of a 200, or the vetted target of a
// redirect, or a classified error.
func (c *Client) get(ctx context.Context, u string) (body []byte, redirect string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", &QueryError{Kind: KindBadRequest, URL: u, Err: err}
	}
	req.Header.Set("Accept", "application/rdap+json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", &QueryError{Kind: KindTransport, URL: u, Err: err}
	}
	defer resp.Body.Close()
	body, err = c.readBody(resp)
	if err != nil {
		return nil, "", &QueryError{Kind: bodyErrorKind(err), URL: u, Status: resp.StatusCode, Err: err}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		return body, "", nil
	case s >= 300 && s < 400:
		next, err := c.vetRedirect(u, resp.Header.Get("Location"))
		if err != nil {
			return nil, "", &QueryError{Kind: KindRedirect, URL: u, Status: s, Err: err}
		}
		return nil, next, nil
	}
	return nil, "", statusError(u, resp, body)
}

var errTooLarge = errors.New("answer too large")

// readBody reads at most MaxBody bytes, in one allocation when the server
// says how long the answer is.
func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > c.cfg.MaxBody {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", errTooLarge, n, c.cfg.MaxBody)
	} else if n >= 0 {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // promised bytes that never came
			}
			return nil, err
		}
		return body, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err == nil && int64(len(body)) > c.cfg.MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, c.cfg.MaxBody)
	}
	return body, err
}

func bodyErrorKind(err error) Kind {
	switch {
	case errors.Is(err, errTooLarge):
		return KindMalformed
	case errors.Is(err, io.ErrUnexpectedEOF):
		return KindTruncated
	}
	return KindTransport
}

// statusError classifies a non-200, non-redirect answer.
func statusError(u string, resp *http.Response, body []byte) *QueryError {
	e := &QueryError{URL: u, Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	switch s := resp.StatusCode; {
	case s == http.StatusNotFound:
		e.Kind = KindNotFound
	case s == http.StatusTooManyRequests || IsRateLimitNotice(body):
		e.Kind = KindRateLimited
	case s >= 500:
		e.Kind = KindServer
	default:
		e.Kind = KindBadRequest
	}
	if eb, ok := ParseErrorBody(body); ok && eb.Title != "" {
		e.Err = errors.New(eb.Title)
	}
	return e
}

// retryAfter reads Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3).
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// vetRedirect resolves a Location and accepts it only when it leads to a
// server the bootstrap lists: a redirect is untrusted input.
func (c *Client) vetRedirect(from, location string) (string, error) {
	if location == "" {
		return "", errors.New("redirect without a Location")
	}
	base, _ := url.Parse(from)
	to, err := base.Parse(location)
	if err != nil {
		return "", fmt.Errorf("redirect to %q: %w", location, err)
	}
	if (to.Scheme != "https" && to.Scheme != "http") || !c.hosts[to.Host] {
		return "", fmt.Errorf("redirect to %s: not a registry server listed in the bootstrap", to.Redacted())
	}
	return to.String(), nil
}
