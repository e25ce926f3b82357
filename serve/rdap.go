package serve

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
)

// rdapRoot is the path the RDAP service answers under: its queries (RFC
// 9082 §3.1) are paths below it, so a client's base URL is
// http://HOST/rdap.
const rdapRoot = "/rdap"

// The RDAP routes.
const (
	patternRDAPIP     = "/rdap/ip/{addr}"       // RFC 9082 §3.1.1: an address
	patternRDAPPrefix = "/rdap/ip/{addr}/{len}" // … or a CIDR prefix
	patternRDAPEntity = "/rdap/entity/{handle}" // §3.1.5
	patternRDAPHelp   = "/rdap/help"            // §3.1.6
	patternRDAPOther  = "/rdap/"                // any other query: an RDAP error
)

var (
	rdapType  = []string{"application/rdap+json"} // RFC 7480 §4.2, RFC 9083 §1
	anyOrigin = []string{"*"}                     // RFC 7480 §5.6: any web page may ask
)

// rdapServer answers RDAP queries (RFC 7480, 9082, 9083) from the index:
// ip networks by address or prefix, as of the latest snapshot or any
// earlier one (?datetime=ISO), entities by handle, and help.
type rdapServer struct {
	live *Live
	base string // Options.RDAPBase: links' base URL; "": from the Host
}

// registerRDAP adds the RDAP routes to mux.
func registerRDAP(mux *http.ServeMux, live *Live, o Options) {
	s := &rdapServer{live: live, base: strings.TrimSuffix(o.RDAPBase, "/")}
	mux.HandleFunc(patternRDAPIP, s.ip)
	mux.HandleFunc(patternRDAPPrefix, s.ip)
	mux.HandleFunc(patternRDAPEntity, s.entity)
	mux.HandleFunc(patternRDAPHelp, s.help)
	mux.HandleFunc(patternRDAPOther, s.other)
}

// ipQuery is an ip query: an address (first == last) or a prefix, at a
// time or (at nil) as of the latest snapshot.
type ipQuery struct {
	first, last netip.Addr
	at          *time.Time
	text        string // the address or prefix asked, for messages
}

// parseIPQuery reads an ip query's path segments and query string. An
// IPv4-mapped IPv6 address or prefix is asked as IPv4, as lookups do.
func parseIPQuery(addr, bits, rawQuery string) (ipQuery, error) {
	q := ipQuery{text: addr}
	if bits == "" {
		a, err := ParseAddr(addr)
		if err != nil {
			return q, err
		}
		q.first, q.last = a.Unmap(), a.Unmap()
	} else {
		q.text = addr + "/" + bits
		p, err := netip.ParsePrefix(q.text)
		if err != nil || p.Addr().Zone() != "" {
			return q, fmt.Errorf("%q is not an IP prefix", q.text)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		q.first, q.last = p.Addr(), ipatlas.LastAddr(p)
	}
	at, err := parseRDAPTime(rawQuery)
	q.at = at
	return q, err
}

// parseRDAPTime reads the datetime parameter: a time, or none for the
// latest. An RDAP answer is one object, so "all" is not one.
func parseRDAPTime(rawQuery string) (*time.Time, error) {
	q, err := parseRawQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	if q.All {
		return nil, fmt.Errorf("datetime=all: an RDAP answer is one network; use GET /ip/{addr}?datetime=all for the history")
	}
	return q.At, nil
}

// answerIP appends the answer to an ip query: the most specific network
// holding the whole address or prefix in the snapshot asked for, with the
// network around it for the "up" link; 404 when none did.
func answerIP(dst []byte, ix *index.Index, base linkBase, q ipQuery) (int, []byte) {
	c := answerCtx{base: base, ix: ix, snap: len(ix.Snapshots()) - 1}
	var hit index.Hit
	if q.at != nil {
		c.snap = ix.SnapshotAt(*q.at)
		if c.snap >= 0 {
			hit = ix.At(q.first, *q.at)
		}
	} else if c.snap >= 0 {
		hit = ix.Latest(q.first)
	}
	if c.snap < 0 {
		return http.StatusNotFound, appendRDAPError(dst, http.StatusNotFound, noSnapshot(q))
	}
	var chainBuf [8][]byte
	chain := chainBuf[:0]
	if hit.Found() {
		chain = hit.Parents(append(chain, hit.Record()))
	}
	var n, up netRecord
	for i, rec := range chain {
		if err := readRecord(rec, &n); err != nil {
			return http.StatusInternalServerError, appendRDAPError(dst, http.StatusInternalServerError, err.Error())
		}
		if n.begin.Is4() != q.last.Is4() || n.end.Less(q.last) {
			continue // a prefix reaching past this network
		}
		if i+1 < len(chain) && readRange(chain[i+1], &up) {
			return http.StatusOK, appendNetwork(dst, &c, &n, &up)
		}
		return http.StatusOK, appendNetwork(dst, &c, &n, nil)
	}
	return http.StatusNotFound, appendRDAPError(dst, http.StatusNotFound, notHeld(ix, c.snap, q))
}

// noSnapshot says why a query found no snapshot to answer from.
func noSnapshot(q ipQuery) string {
	if q.at == nil {
		return "the database has no snapshot yet"
	}
	return "no snapshot was taken at or before " + q.at.UTC().Format(time.RFC3339)
}

// notHeld says that nothing held what q asked in snapshot k.
func notHeld(ix *index.Index, k int, q ipQuery) string {
	s := ix.Snapshots()[k]
	return "no network holds " + q.text + " in the snapshot of " + s.Datetime
}

// ip answers GET /rdap/ip/{addr} and /rdap/ip/{prefix}/{len}.
func (s *rdapServer) ip(w http.ResponseWriter, r *http.Request) {
	if !rdapMethod(w, r) {
		return
	}
	q, err := parseIPQuery(r.PathValue("addr"), r.PathValue("len"), r.URL.RawQuery)
	if err != nil {
		rdapFail(w, http.StatusBadRequest, err.Error())
		return
	}
	h := s.live.acquire()
	defer h.release()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	status, body := answerIP((*bp)[:0], h.ix, s.linkBase(r), q)
	*bp = body
	writeRDAP(w, status, body)
}

// entity answers GET /rdap/entity/{handle} from the latest snapshot.
func (s *rdapServer) entity(w http.ResponseWriter, r *http.Request) {
	if !rdapMethod(w, r) {
		return
	}
	if r.URL.Query().Has("datetime") {
		rdapFail(w, http.StatusBadRequest, "datetime: entities are answered from the latest snapshot only")
		return
	}
	handle := r.PathValue("handle")
	h := s.live.acquire()
	defer h.release()
	ent := h.entities.lookup(h.ix, handle)
	if ent == nil {
		rdapFail(w, http.StatusNotFound, "no entity "+strconv.Quote(handle)+" in the latest snapshot")
		return
	}
	c := answerCtx{base: s.linkBase(r), ix: h.ix, snap: len(h.ix.Snapshots()) - 1}
	writeRDAP(w, http.StatusOK, appendEntityAnswer(nil, &c, ent))
}

// help answers GET /rdap/help (RFC 9083 §7): what this server answers.
func (s *rdapServer) help(w http.ResponseWriter, r *http.Request) {
	if !rdapMethod(w, r) {
		return
	}
	h := s.live.acquire()
	defer h.release()
	c := answerCtx{base: s.linkBase(r), ix: h.ix, snap: len(h.ix.Snapshots()) - 1}
	writeRDAP(w, http.StatusOK, appendHelp(nil, &c))
}

// other answers the RDAP queries this server does not: 501 for the query
// types RFC 9082 defines that it has no data for (domains, name servers,
// autonomous systems, searches), 400 for a malformed ip query, 404 for
// anything else.
func (s *rdapServer) other(w http.ResponseWriter, r *http.Request) {
	if !rdapMethod(w, r) {
		return
	}
	kind, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, rdapRoot+"/"), "/")
	switch kind {
	case "domain", "nameserver", "autnum", "domains", "nameservers", "entities":
		rdapFail(w, http.StatusNotImplemented, kind+" queries are not served here: ipatlas answers ip, entity and help")
	case "ip":
		rdapFail(w, http.StatusBadRequest, "malformed ip query: want /rdap/ip/{address} or /rdap/ip/{prefix}/{length}")
	default:
		rdapFail(w, http.StatusNotFound, "no such RDAP query: "+r.URL.Path)
	}
}

// linkBase is where the answer's links point: the configured base, else
// the request's host.
func (s *rdapServer) linkBase(r *http.Request) linkBase {
	if s.base != "" {
		return linkBase{fixed: s.base}
	}
	return linkBase{host: []byte(r.Host)}
}

// rdapMethod answers a method other than GET or HEAD (RFC 7480 §4.1)
// with a 405, and reports whether the request may go on.
func rdapMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	rdapFail(w, http.StatusMethodNotAllowed, "RDAP queries are GET or HEAD requests")
	return false
}

// rdapFail answers with an RDAP error (RFC 9083 §6).
func rdapFail(w http.ResponseWriter, status int, msg string) {
	writeRDAP(w, status, appendRDAPError(nil, status, msg))
}

// writeRDAP writes an RDAP answer with its media type, readable by web
// pages of any origin.
func writeRDAP(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = rdapType
	h["Access-Control-Allow-Origin"] = anyOrigin
	w.WriteHeader(status)
	w.Write(body)
}
