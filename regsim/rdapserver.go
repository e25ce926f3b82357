package regsim

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// maxPath bounds the request path; longer ones get a 400, as a registry's
// front end would refuse them.
const maxPath = 2048

// registryServer answers RDAP for one registry.
type registryServer struct {
	srv *Server
	p   *profile
	lim *limiter
	flt *faulter
}

// answer is a response before faults are applied to it.
type answer struct {
	status      int
	body        []byte
	contentType string
	location    string
	retryAfter  time.Duration
	ev          event
}

var bufPool = sync.Pool{New: func() any { return &jw{b: make([]byte, 0, 8<<10)} }}

func (rs *registryServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := rs.srv.cfg.Now()
	client := clientAddr(r)
	buf := bufPool.Get().(*jw)
	defer bufPool.Put(buf)
	buf.b, buf.comma = buf.b[:0], false

	a := rs.admit(buf, client, now)
	var f fault
	if a.status == 0 {
		var delay time.Duration
		f, delay = rs.flt.draw()
		if !sleep(r, delay) {
			return
		}
		a = rs.route(buf, r)
	}
	rs.deliver(w, r, a, f, client, now)
}

// admit applies the rate limit; a zero answer means the request may proceed.
func (rs *registryServer) admit(buf *jw, client string, now time.Time) answer {
	v, wait := rs.lim.take(client, now)
	if v == allowed {
		return answer{}
	}
	a := rs.tooMany(buf, wait)
	a.ev = evLimited
	if v == blocked {
		a.ev = evBlocked
	}
	return a
}

// tooMany is the registry's 429: RIPE NCC answers with an HTML page, LACNIC
// with its "Rate Limit Notice", the others with an RDAP error, some with
// Retry-After.
func (rs *registryServer) tooMany(buf *jw, wait time.Duration) answer {
	a := answer{status: http.StatusTooManyRequests, contentType: "application/rdap+json"}
	if rs.lim.limit.RetryAfter {
		a.retryAfter = wait
	}
	switch rs.p.reg {
	case ipatlas.RIPENCC:
		a.contentType = "text/html"
		a.body = []byte("<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
	case ipatlas.LACNIC:
		perMin := int(math.Round(rs.lim.limit.Rate * 60))
		buf.obj()
		buf.key("rdapConformance")
		buf.strs("rdap_level_0")
		buf.key("notices")
		buf.arr()
		buf.obj()
		buf.kstr("title", "Rate Limit Notice")
		buf.key("description")
		buf.strs(fmt.Sprintf("Rate Limit is maxed at %d queries per 1 minutes.", perMin))
		buf.endObj()
		buf.endArr()
		buf.knum("errorCode", 429)
		buf.kstr("title", "Too Many Requests")
		buf.endObj()
		a.body = buf.b
	default:
		rs.p.renderError(buf, 429, "Too Many Requests", "Query rate limit exceeded")
		a.body = buf.b
	}
	return a
}

// route answers the request as the registry would.
func (rs *registryServer) route(buf *jw, r *http.Request) answer {
	path := r.URL.Path
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		return rs.fail(buf, http.StatusMethodNotAllowed, "Method Not Allowed", "only GET and HEAD are supported")
	case len(r.URL.RawPath)+len(path) > maxPath || len(r.URL.RawQuery) > maxPath:
		return rs.fail(buf, http.StatusBadRequest, "Invalid syntax", "request too long")
	case !strings.HasPrefix(path, rs.p.base):
		return rs.fail(buf, http.StatusBadRequest, "Invalid syntax", "unknown path "+clip(path))
	}
	rest := path[len(rs.p.base):]
	switch {
	case rest == "help":
		rs.p.renderHelp(buf)
		return answer{status: http.StatusOK, body: buf.b}
	case strings.HasPrefix(rest, "ip/"):
		rs.srv.countQuery(rs.p.reg, rest[len("ip/"):])
		return rs.ip(buf, rest[len("ip/"):])
	case strings.HasPrefix(rest, "entity/"):
		return rs.entity(buf, rest[len("entity/"):])
	}
	return rs.fail(buf, http.StatusBadRequest, "Invalid syntax", "unknown object class in "+clip(path))
}

func (rs *registryServer) fail(buf *jw, status int, title, desc string) answer {
	buf.b, buf.comma = buf.b[:0], false
	rs.p.renderError(buf, status, title, desc)
	return answer{status: status, body: buf.b}
}

// ip answers /ip/{addr} and /ip/{prefix}/{len} (RFC 9082 §3.1.1).
func (rs *registryServer) ip(buf *jw, q string) answer {
	rg, err := parseIPQuery(q)
	if err != nil {
		return rs.fail(buf, http.StatusBadRequest, "Invalid syntax", err.Error())
	}
	w := rs.srv.world
	ref := w.lookupRange(rg)
	if !ref.Valid() {
		if other := iana.RegistryOf(rg.From); other != "" && other != rs.p.reg {
			return rs.redirect(other, q)
		}
		return rs.fail(buf, http.StatusNotFound, "Not Found", "no network holds "+q)
	}
	if holder := w.Registry(ref); holder != rs.p.reg {
		return rs.redirect(holder, q)
	}
	n := w.Network(ref)
	base := rs.srv.URL(rs.p.reg)
	rs.p.renderNetwork(buf, &n, base+"ip/"+q, base+"ip/"+n.Range.From.String())
	return answer{status: http.StatusOK, body: buf.b}
}

// parseIPQuery reads an address or a prefix; IPv6 zones are refused.
func parseIPQuery(q string) (ipatlas.Range, error) {
	if q == "" || strings.Contains(q, "%") {
		return ipatlas.Range{}, fmt.Errorf("%q is not an IP address or prefix", clip(q))
	}
	if strings.Contains(q, "/") {
		p, err := netip.ParsePrefix(q)
		if err != nil {
			return ipatlas.Range{}, fmt.Errorf("%q is not an IP prefix", clip(q))
		}
		return ipatlas.PrefixRange(netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p))), nil
	}
	a, err := netip.ParseAddr(q)
	if err != nil {
		return ipatlas.Range{}, fmt.Errorf("%q is not an IP address", clip(q))
	}
	return ipatlas.Range{From: a.Unmap(), To: a.Unmap()}, nil
}

func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return 96
	}
	return 0
}

// lookupRange is the most specific network holding all of rg.
func (w *World) lookupRange(rg ipatlas.Range) NetRef {
	ref := w.Lookup(rg.From)
	last := u128.FromAddr(rg.To)
	for ref.Valid() && w.node(ref).last.Less(last) {
		ref = w.Parent(ref)
	}
	return ref
}

// redirect sends the client to the registry that holds the space: ARIN
// answers 302, the others 301.
func (rs *registryServer) redirect(to ipatlas.Registry, q string) answer {
	base := rs.srv.URL(to)
	if base == "" {
		base = profiles[to].base
	}
	return answer{status: rs.p.redirect, location: base + "ip/" + q, ev: evRedirect}
}

func (rs *registryServer) entity(buf *jw, handle string) answer {
	if handle == "" || len(handle) > 128 || strings.ContainsAny(handle, "/ ") {
		return rs.fail(buf, http.StatusBadRequest, "Invalid syntax", fmt.Sprintf("%q is not an entity handle", clip(handle)))
	}
	e, ok := rs.srv.world.EntityByHandle(rs.p.reg, handle)
	if !ok {
		return rs.fail(buf, http.StatusNotFound, "Not Found", "no entity "+handle)
	}
	self := rs.srv.URL(rs.p.reg) + "entity/" + e.Handle
	rs.p.writeEntity(buf, &e, self, true)
	return answer{status: http.StatusOK, body: buf.b}
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool { return sleepUnless(r.Context().Done(), d) }

// sleepUnless waits d, or less if done closes first; it reports whether it
// waited the whole time.
func sleepUnless(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// deliver writes the answer, applying the drawn fault, and counts it.
func (rs *registryServer) deliver(w http.ResponseWriter, r *http.Request, a answer, f fault, client string, now time.Time) {
	ev := a.ev
	if f != faultNone {
		ev = evFault
	}
	status := rs.applyFault(w, r, &a, f)
	rs.srv.stats.record(rs.p.reg, client, status, now, ev)
	if status <= 0 {
		return
	}
	h := w.Header()
	if a.contentType == "" {
		a.contentType = "application/rdap+json"
	}
	h.Set("Content-Type", a.contentType)
	h.Set("Access-Control-Allow-Origin", "*")
	if a.location != "" {
		h.Set("Location", a.location)
	}
	if a.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(a.retryAfter.Seconds()))))
	}
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		w.Write(a.body) //nolint:errcheck // the client may have gone
	}
}
