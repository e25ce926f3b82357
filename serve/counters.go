package serve

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas/internal/histogram"
)

// Route is what a request asked for, as Counters count it.
type Route uint8

// The routes, and the patterns Handler serves them under.
const (
	RouteIP      Route = iota // GET /ip/{addr}
	RouteBulk                 // POST /ip
	RouteHealth               // GET /healthz
	RouteMetrics              // GET /metrics
	RouteRDAP                 // GET /rdap/…: RDAP queries
	RouteAdmin                // POST /admin/reload
	RouteOther                // anything else: a 404
	routeCount
)

var routeNames = [routeCount]string{"ip", "ip_bulk", "healthz", "metrics", "rdap", "admin", "other"}

// String is the route's metrics label: ip, ip_bulk, healthz, metrics,
// rdap, admin or other.
func (r Route) String() string {
	if r >= routeCount {
		return "unknown"
	}
	return routeNames[r]
}

const (
	patternIP      = "/ip/{addr}"
	patternBulk    = "/ip"
	patternHealth  = "/healthz"
	patternMetrics = "/metrics"
)

// routeOf is the route of the pattern ServeMux matched. ServeMux records
// it on the request, for its redirects to a clean path too (those count
// under the route they lead to); with GODEBUG httpmuxgo121=1 it records
// none, and every request handed to net/http counts as other.
func routeOf(pattern string) Route {
	switch pattern {
	case patternIP:
		return RouteIP
	case patternBulk:
		return RouteBulk
	case patternHealth:
		return RouteHealth
	case patternMetrics:
		return RouteMetrics
	case patternRDAPIP, patternRDAPPrefix, patternRDAPEntity, patternRDAPHelp, patternRDAPOther:
		return RouteRDAP
	case patternReload:
		return RouteAdmin
	}
	return RouteOther
}

// DurationBounds are the upper bounds of the request-duration buckets:
// 5 µs doubling to about 0.33 s, which spans a lean lookup and a bulk
// request of 10,000 addresses.
var DurationBounds = histogram.Doubling(5*time.Microsecond, 17)

// maxCode bounds the status codes counted one by one; a code outside
// 100–599 (which this server never sends) is counted as 0.
const maxCode = 600

// Counters count what the server answered: requests by route and status
// code, and how long each took, from the request read whole to its answer
// ready to send (the server's own time, not the network's). They are
// plain atomics so the lean path pays two adds per read, no lock and no
// allocation. The zero value is ready; Counters are safe for concurrent
// use and must not be copied after first use.
type Counters struct {
	requests  [routeCount][maxCode]atomic.Int64
	durations [routeCount]histogram.Histogram
	// leanOK are the lean path's 200s, most of all requests: their count
	// is their histogram's, so one costs two adds (a bucket and the sum)
	// rather than three. Snapshot adds them to route ip's 200s.
	leanOK histogram.Histogram
}

// count records one request net/http answered.
func (c *Counters) count(r Route, code int, d time.Duration) {
	if code < 100 || code >= maxCode {
		code = 0
	}
	c.requests[r][code].Add(1)
	c.durations[r].Observe(DurationBounds, d, 1)
}

// leanTally counts a read's lean answers in plain ints, so a pipelined
// batch costs the same few atomic adds as one request: GET /ip/{addr}'s
// 200s and 400s, and GET /rdap/ip/{addr}'s by code.
type leanTally struct {
	ok, bad int
	rdap    [len(rdapCodes)]int
}

// rdapCodes are the codes a lean RDAP answer can have.
var rdapCodes = [...]int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError}

// countRDAP counts a lean RDAP answer.
func (t *leanTally) countRDAP(code int) {
	for i, c := range rdapCodes {
		if c == code {
			t.rdap[i]++
		}
	}
}

// countLean records a read's lean answers, each of which took d: they are
// sent together once the last is ready.
func (c *Counters) countLean(t leanTally, d time.Duration) {
	if t.ok > 0 {
		c.leanOK.Observe(DurationBounds, d, int64(t.ok))
	}
	if t.bad > 0 {
		c.requests[RouteIP][http.StatusBadRequest].Add(int64(t.bad))
		c.durations[RouteIP].Observe(DurationBounds, d, int64(t.bad))
	}
	for i, n := range t.rdap {
		if n > 0 {
			c.requests[RouteRDAP][rdapCodes[i]].Add(int64(n))
			c.durations[RouteRDAP].Observe(DurationBounds, d, int64(n))
		}
	}
}

// CounterSnapshot is Counters at one moment.
type CounterSnapshot struct {
	// Requests are the counts that are not zero, by route, then code.
	Requests []RequestCount
	// Durations are every route's, in Route order.
	Durations []DurationSnapshot
}

// RequestCount is how many requests of a route were answered with a code.
type RequestCount struct {
	Route Route
	Code  int
	N     int64
}

// DurationSnapshot is one route's request durations.
type DurationSnapshot struct {
	Route Route
	histogram.Snapshot
}

// Snapshot copies the counters.
func (c *Counters) Snapshot() CounterSnapshot {
	var s CounterSnapshot
	lean := c.leanOK.Snapshot(DurationBounds) // read once, so route ip's 200s and durations agree
	for r := range routeCount {
		for code := range c.requests[r] {
			n := c.requests[r][code].Load()
			if r == RouteIP && code == http.StatusOK {
				n += lean.Count
			}
			if n > 0 {
				s.Requests = append(s.Requests, RequestCount{Route: r, Code: code, N: n})
			}
		}
		d := DurationSnapshot{Route: r, Snapshot: c.durations[r].Snapshot(DurationBounds)}
		if r == RouteIP {
			d.Add(lean)
		}
		s.Durations = append(s.Durations, d)
	}
	return s
}

// counted counts every request h answers, by the route ServeMux matched
// and the status written. It wraps the whole ServeMux rather than each
// route, so what ServeMux answers itself is counted too.
func counted(c *Counters, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		c.count(routeOf(r.Pattern), sw.status(), time.Since(start))
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 { // 1xx are interim: the final status follows
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK // nothing written: net/http sends 200
	}
	return w.code
}
