package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/whipfile"
)

// Options bound what a client may ask at once, and say what the server
// reports about itself.
type Options struct {
	BulkLimit int   // addresses in one POST /ip (default 10,000)
	MaxBody   int64 // bytes of a POST body (default 1 MiB)
	// Counters count every request answered, on the lean path and in
	// net/http (nil: nothing is counted).
	Counters *Counters
	// Metrics answers GET /metrics (nil: no such route, a 404).
	Metrics http.Handler
	// RDAPBase is the public URL of the RDAP service (/rdap), which its
	// answers' links start with ("": http:// and the request's Host).
	RDAPBase string
	// Token is the bearer token POST /admin/reload requires; with none,
	// or no Reload, the route is a 404.
	Token string
	// Reload reloads the index now for POST /admin/reload, reporting
	// whether it changed.
	Reload func(ctx context.Context) (changed bool, err error)
	// Progress reads the database's latest crawl run and its progress
	// per registry, for the map page (nil: no crawl is ever shown; see
	// map.go).
	Progress ProgressFunc
}

// Handler answers:
//
//	GET  /ip/{addr}                the latest record, {} when none
//	GET  /ip/{addr}?datetime=ISO   the record at that time
//	GET  /ip/{addr}?datetime=all   {"history": [records, newest first]}
//	POST /ip                       a JSON array of addresses, or one per line:
//	                               a JSON array of answers in the same order
//	GET  /healthz                  {"status": "ok", …} with the index served
//	GET  /metrics                  o.Metrics' answer, when it is set
//	GET  /rdap/ip/{addr}, /rdap/ip/{prefix}/{len}, /rdap/entity/{handle},
//	     /rdap/help                RDAP (RFC 9082, 9083): see rdap.go
//	POST /admin/reload             reload the index now (o.Token required)
//	GET  /, /map/v4.json, /map/progress, /web/{file}
//	                               the map page and its data: see map.go
//
// Records are Whip's: "begin", "end", "datetime" (when that version was
// first seen) and the network's fields; for nested networks a "parents"
// list follows, innermost first. Every answer is application/json; a bad
// address or datetime is a 400 whose "error" names it.
func Handler(live *Live, o Options) http.Handler {
	if o.BulkLimit <= 0 {
		o.BulkLimit = 10_000
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	s := &whip{live: live, opts: o}
	mux := http.NewServeMux()
	mux.HandleFunc(patternIP, s.lookup)
	mux.HandleFunc(patternBulk, s.bulk)
	mux.HandleFunc(patternHealth, s.health)
	if o.Metrics != nil {
		mux.Handle(patternMetrics, getOnly(o.Metrics))
	}
	registerRDAP(mux, live, o)
	registerAdmin(mux, live, o)
	registerMap(mux, live, o)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s (try GET /ip/{addr})", r.URL.Path))
	})
	if o.Counters == nil {
		return mux
	}
	return counted(o.Counters, mux)
}

// getOnly answers other methods than GET and HEAD with a 405 in JSON, as
// the API's other routes do.
func getOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			fail(w, http.StatusMethodNotAllowed, "use GET "+r.URL.Path)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type whip struct {
	live *Live
	opts Options
}

var (
	jsonType = []string{"application/json"}
	empty    = []byte("{}")
)

// Query is what to answer for an address: the latest record, the record
// at a time, or all of its history. Whip's datetime parameter says it.
type Query struct {
	All bool
	At  *time.Time // nil: the latest
}

func parseQuery(r *http.Request) (Query, error) { return parseRawQuery(r.URL.RawQuery) }

// parseRawQuery reads a request's query string as net/http's
// URL.Query().Get does.
func parseRawQuery(raw string) (Query, error) {
	if raw == "" {
		return Query{}, nil
	}
	v, _ := url.ParseQuery(raw)
	dt := v.Get("datetime")
	switch dt {
	case "":
		return Query{}, nil
	case "all":
		return Query{All: true}, nil
	}
	t, err := whipfile.ParseDatetime(dt)
	if err != nil {
		return Query{}, fmt.Errorf("datetime: %v", err)
	}
	return Query{At: &t}, nil
}

// ParseAddr reads an address as the API takes it: IPv4 or IPv6, no zone.
func ParseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	return a, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (s *whip) lookup(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fail(w, http.StatusMethodNotAllowed, "use GET /ip/{addr}, or POST /ip for many")
		return
	}
	a, err := ParseAddr(r.PathValue("addr"))
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	q, err := parseQuery(r)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	h := s.live.acquire()
	defer h.release()
	w.Header()["Content-Type"] = jsonType
	bp := bufPool.Get().(*[]byte)
	*bp = AppendAnswer((*bp)[:0], h.ix, a, q)
	w.Write(*bp)
	bufPool.Put(bp)
}

// AppendAnswer appends the JSON answer for one address, as GET /ip/{addr}
// gives it.
func AppendAnswer(dst []byte, ix *index.Index, a netip.Addr, q Query) []byte {
	switch {
	case q.All:
		dst = append(dst, `{"history":[`...)
		for i, v := range ix.History(a, nil) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendHit(dst, v.Hit)
		}
		return append(dst, "]}"...)
	case q.At != nil:
		return appendHit(dst, ix.At(a, *q.At))
	default:
		return appendHit(dst, ix.Latest(a))
	}
}

// appendHit appends a hit's record, with its parents spliced in as a last
// field when there are any, or {} for nothing.
func appendHit(dst []byte, h index.Hit) []byte {
	rec := h.Record()
	if rec == nil {
		return append(dst, empty...)
	}
	parents := h.Parents(nil)
	if len(parents) == 0 {
		return append(dst, rec...)
	}
	dst = append(dst, rec[:len(rec)-1]...)
	dst = append(dst, `,"parents":[`...)
	for i, p := range parents {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, p...)
	}
	return append(dst, "]}"...)
}

// bulk answers many addresses at once, in the order asked.
func (s *whip) bulk(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		fail(w, http.StatusMethodNotAllowed, "POST /ip takes a list of addresses; GET /ip/{addr} looks up one")
		return
	}
	q, err := parseQuery(r)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", s.opts.MaxBody))
			return
		}
		fail(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	addrs, err := bulkAddrs(body, s.opts.BulkLimit)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooMany) {
			status = http.StatusRequestEntityTooLarge
		}
		fail(w, status, err.Error())
		return
	}
	h := s.live.acquire()
	defer h.release()
	out := []byte{'['}
	for i, a := range addrs {
		if i > 0 {
			out = append(out, ',')
		}
		out = AppendAnswer(out, h.ix, a, q)
	}
	w.Header()["Content-Type"] = jsonType
	w.Write(append(out, ']'))
}

var errTooMany = errors.New("too many addresses")

// bulkAddrs reads a JSON array of address strings, or addresses one per
// line; an error names the item or line that is wrong.
func bulkAddrs(body []byte, limit int) ([]netip.Addr, error) {
	var addrs []netip.Addr
	add := func(where string, s string) error {
		if len(addrs) == limit {
			return fmt.Errorf("%w: at most %d per request", errTooMany, limit)
		}
		a, err := ParseAddr(s)
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		addrs = append(addrs, a)
		return nil
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '[' {
		var items []string
		if err := json.Unmarshal(t, &items); err != nil {
			return nil, fmt.Errorf("body is not a JSON array of strings: %v", err)
		}
		for i, it := range items {
			if err := add(fmt.Sprintf("item %d", i+1), it); err != nil {
				return nil, err
			}
		}
		return addrs, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for line := 1; sc.Scan(); line++ {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			if err := add(fmt.Sprintf("line %d", line), t); err != nil {
				return nil, err
			}
		}
	}
	return addrs, sc.Err()
}

func (s *whip) health(w http.ResponseWriter, r *http.Request) {
	h := s.live.acquire()
	defer h.release()
	snaps := h.ix.Snapshots()
	b := []byte(`{"status":"ok","snapshots":`)
	b = fmt.Appendf(b, "%d", len(snaps))
	if len(snaps) > 0 {
		b = append(b, `,"latest":`...)
		b = netjson.AppendString(b, snaps[len(snaps)-1].Datetime)
	}
	b = fmt.Appendf(b, `,"index_stamp":"%016x"}`, h.ix.Stamp())
	w.Header()["Content-Type"] = jsonType
	w.Write(b)
}

// fail answers with a status and {"error": msg}.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	w.Write(appendError(nil, msg))
}

func appendError(dst []byte, msg string) []byte {
	return append(netjson.AppendString(append(dst, `{"error":`...), msg), '}')
}
