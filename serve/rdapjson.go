package serve

import (
	"bytes"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// conformance opens every answer (RFC 9083 §4.1): the base level, the
// cidr0 extension (cidr0_cidrs) and ARIN's origin AS extension
// (arin_originas0_originautnums), whose members the answers use.
const conformance = `{"rdapConformance":["rdap_level_0","cidr0","arin_originas0"]`

// maxEntityDepth bounds how deep entities nested in entities are written:
// registries nest two deep (an organisation's abuse role), and a bound
// keeps a strange record from making a huge answer.
const maxEntityDepth = 4

// port43 is each registry's WHOIS server (RFC 9083 §4.7), which the
// stored records do not repeat.
var port43 = map[string]string{
	string(ipatlas.AFRINIC): "whois.afrinic.net", string(ipatlas.APNIC): "whois.apnic.net",
	string(ipatlas.ARIN): "whois.arin.net", string(ipatlas.LACNIC): "whois.lacnic.net",
	string(ipatlas.RIPENCC): "whois.ripe.net",
}

// answerCtx is what an answer says besides its object: where links point,
// and which snapshot of which index it comes from.
type answerCtx struct {
	base linkBase
	ix   *index.Index
	snap int // the snapshot answered from, an index into ix.Snapshots()
}

// linkBase is the URL links start with, the server's RDAP root: the one
// configured, else built from the request's Host (RFC 9083 §4.2 links are
// absolute URIs a client follows).
type linkBase struct {
	fixed string // Options.RDAPBase, without a trailing slash
	host  []byte // the request's Host, when fixed is empty
}

func (b linkBase) append(dst []byte) []byte {
	if b.fixed != "" {
		return append(dst, b.fixed...)
	}
	if !validHost(b.host) {
		return append(dst, rdapRoot...) // a relative link beats a broken one
	}
	dst = append(dst, "http://"...)
	dst = append(dst, b.host...)
	return append(dst, rdapRoot...)
}

// validHost: a host name or address and port, nothing a URL would read
// differently.
func validHost(h []byte) bool {
	if len(h) == 0 || len(h) > 255 {
		return false
	}
	for _, c := range h {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// appendNetwork appends an IP network answer (RFC 9083 §5.4) for n, whose
// parent network (nil: none) the "up" link points to.
func appendNetwork(dst []byte, c *answerCtx, n, up *netRecord) []byte {
	dst = append(dst, conformance...)
	dst = appendNotices(dst, c, notices{registry: n.registry, firstSeen: n.datetime})
	dst = appendNetworkBody(dst, c, n, up)
	dst = rawMember(dst, "arin_originas0_originautnums", n.originAS)
	dst = appendEvents(dst, n.events, c.lastUpdate())
	dst = appendEntities(dst, c, n.entities, 0)
	dst = appendRemarks(dst, n.remarks, n.other)
	dst = appendPort43(dst, n.registry)
	return append(dst, '}')
}

// appendPort43 appends the port43 member of a registry's object; nothing
// for a registry it does not know.
func appendPort43(dst []byte, registry []byte) []byte {
	p, ok := port43[string(registry)]
	if !ok {
		return dst
	}
	dst = append(dst, `,"port43":`...)
	return netjson.AppendString(dst, p)
}

// appendNetworkBody appends the members that describe a network, for an
// answer or for an entity's list of networks: class, handle, range (RFC
// 9083 §5.4: startAddress, endAddress and ipVersion), name, type, country,
// parent, status, the range as prefixes (cidr0) and links.
func appendNetworkBody(dst []byte, c *answerCtx, n, up *netRecord) []byte {
	dst = append(dst, `,"objectClassName":"ip network"`...)
	dst = rawMember(dst, "handle", n.handle)
	dst = append(dst, `,"startAddress":"`...)
	dst = n.begin.AppendTo(dst)
	dst = append(dst, `","endAddress":"`...)
	dst = n.end.AppendTo(dst)
	if n.begin.Is4() {
		dst = append(dst, `","ipVersion":"v4"`...)
	} else {
		dst = append(dst, `","ipVersion":"v6"`...)
	}
	dst = rawMember(dst, "name", n.name)
	dst = rawMember(dst, "type", n.typ)
	dst = rawMember(dst, "country", n.country)
	dst = rawMember(dst, "parentHandle", n.parentHandle)
	dst = rawMember(dst, "status", n.status)
	dst = appendCIDRs(dst, n)
	return appendNetworkLinks(dst, c, n, up)
}

// rawMember appends a member whose value is raw JSON; nothing when raw is
// empty.
func rawMember(dst []byte, key string, raw []byte) []byte {
	if len(raw) == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return append(dst, raw...)
}

// appendCIDRs appends cidr0_cidrs: the range as the fewest exact prefixes.
func appendCIDRs(dst []byte, n *netRecord) []byte {
	family := `{"v6prefix":"`
	if n.begin.Is4() {
		family = `{"v4prefix":"`
	}
	dst = append(dst, `,"cidr0_cidrs":[`...)
	for a, b := u128.FromAddr(n.begin), u128.FromAddr(n.end); ; {
		hostBits := blockAt(a, b, n.begin.BitLen())
		dst = append(dst, family...)
		dst = a.Addr(n.begin.Is4()).AppendTo(dst)
		dst = append(dst, `","length":`...)
		dst = strconv.AppendInt(dst, int64(n.begin.BitLen()-hostBits), 10)
		dst = append(dst, '}')
		last := a.Add(lowBits(hostBits))
		if !last.Less(b) {
			break
		}
		a = last.Add64(1)
		dst = append(dst, ',')
	}
	return append(dst, ']')
}

// blockAt is the host bits of the largest aligned block starting at a
// that ends at or before b, in a family of width bits: the first of the
// fewest prefixes covering a–b exactly (as ipatlas.Range.Prefixes, which
// allocates what an answer cannot afford).
func blockAt(a, b u128.U128, width int) int {
	n := min(a.TrailingZeros(), width)
	span := b.Sub(a)
	for n > 0 && span.Less(lowBits(n)) {
		n--
	}
	return n
}

// lowBits is 2ⁿ-1: n one bits.
func lowBits(n int) u128.U128 {
	if n >= 128 {
		return u128.Max
	}
	return u128.Pow2(uint(n)).Sub(u128.From64(1))
}

// appendNetworkLinks appends a network's self link and, when it sits in
// another network, the "up" link to it. Each points at the range's first
// prefix, which is the whole range for the CIDR-aligned networks that are
// nearly all of them.
func appendNetworkLinks(dst []byte, c *answerCtx, n, up *netRecord) []byte {
	var buf [2][128]byte
	self := c.ipHref(buf[0][:0], n)
	dst = append(dst, `,"links":[`...)
	dst = appendLink(dst, self, "self", self)
	if up != nil {
		dst = append(dst, ',')
		dst = appendLink(dst, self, "up", c.ipHref(buf[1][:0], up))
	}
	return append(dst, ']')
}

// ipHref appends the URL of n: its first prefix's /ip query.
func (c *answerCtx) ipHref(dst []byte, n *netRecord) []byte {
	dst = c.base.append(dst)
	dst = append(dst, "/ip/"...)
	return firstPrefix(n.begin, n.end).AppendTo(dst)
}

// appendLink appends a link object (RFC 9083 §4.2): value is the URL of
// the object it is in.
func appendLink(dst []byte, value []byte, rel string, href []byte) []byte {
	dst = append(dst, `{"value":"`...)
	dst = appendEscapedBytes(dst, value)
	dst = append(dst, `","rel":"`...)
	dst = append(dst, rel...)
	dst = append(dst, `","href":"`...)
	dst = appendEscapedBytes(dst, href)
	return append(dst, `","type":"application/rdap+json"}`...)
}

// firstPrefix is the largest prefix starting at from that ends at or
// before to.
func firstPrefix(from, to netip.Addr) netip.Prefix {
	return netip.PrefixFrom(from, from.BitLen()-blockAt(u128.FromAddr(from), u128.FromAddr(to), from.BitLen()))
}

// lastUpdate is when the database last changed: its latest snapshot.
func (c *answerCtx) lastUpdate() time.Time {
	snaps := c.ix.Snapshots()
	if len(snaps) == 0 {
		return time.Time{}
	}
	return snaps[len(snaps)-1].At
}

// appendEvents appends the stored events ({"action", "date", "actor"}) as
// RDAP events, and the database's last update (RFC 9083 §4.5).
func appendEvents(dst []byte, raw []byte, updated time.Time) []byte {
	dst = append(dst, `,"events":[`...)
	first := true
	r := arrayReader(raw) // each element read in place: one pass, not two
	r.Array(func(int) error {
		if r.Kind() != '{' {
			return r.Skip()
		}
		var action, date, actor []byte
		err := r.Object(func(key []byte) error {
			switch string(key) {
			case "action":
				return rawString(r, &action)
			case "date":
				return rawString(r, &date)
			case "actor":
				return rawString(r, &actor)
			}
			return r.Skip()
		})
		if err != nil || action == nil || !rfc3339(date) {
			return err // RFC 9083 §4.5: both are required, the date as RFC 3339
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(append(dst, `{"eventAction":`...), action...)
		dst = append(append(dst, `,"eventDate":`...), date...)
		dst = rawMember(dst, "eventActor", actor)
		dst = append(dst, '}')
		return nil
	})
	if updated.IsZero() {
		return append(dst, ']')
	}
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"eventAction":"last update of RDAP database","eventDate":"`...)
	dst = updated.UTC().AppendFormat(dst, time.RFC3339)
	return append(dst, `"}]`...)
}

// rfc3339 reports whether a raw JSON string is an RFC 3339 date-time, as
// RDAP dates are (RFC 9083 §4.5); stored events always are, a loaded
// file's may not be.
func rfc3339(raw []byte) bool {
	if len(raw) < 2 || bytes.IndexByte(raw, '\\') >= 0 {
		return false
	}
	_, err := time.Parse(time.RFC3339, string(raw[1:len(raw)-1]))
	return err == nil
}

// rawString reads a string value raw (quoted); anything else is skipped.
func rawString(r *jsonscan.Reader, dst *[]byte) error {
	if r.Kind() != '"' {
		return r.Skip()
	}
	raw, err := r.Raw()
	*dst = raw
	return err
}

// appendRemarks appends the stored remarks ({"title", "description"},
// RFC 9083 §4.3) and one more listing the record's members RDAP has no
// place for.
func appendRemarks(dst []byte, raw []byte, other []member) []byte {
	if len(raw) == 0 && len(other) == 0 {
		return dst
	}
	dst = append(dst, `,"remarks":[`...)
	n := 0
	r := arrayReader(raw) // each element read in place: one pass, not two
	r.Array(func(int) error {
		if r.Kind() != '{' {
			return r.Skip()
		}
		var title, desc []byte
		err := r.Object(func(key []byte) error {
			switch string(key) {
			case "title":
				return rawString(r, &title)
			case "description":
				return rawArrayOf(r, &desc, '"')
			}
			return r.Skip()
		})
		if err != nil || desc == nil {
			return err // RFC 9083 §4.3: description is required
		}
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		dst = append(dst, '{')
		if title != nil {
			dst = append(append(dst, `"title":`...), title...)
			dst = append(dst, ',')
		}
		dst = append(append(dst, `"description":`...), desc...)
		dst = append(dst, '}')
		return nil
	})
	if len(other) > 0 {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendOtherFields(dst, other)
	}
	return append(dst, ']')
}

// appendOtherFields appends a remark listing members as "key: value"
// lines, a string's text unquoted, any other value as its JSON.
func appendOtherFields(dst []byte, other []member) []byte {
	dst = append(dst, `{"title":"Other fields of the record","description":[`...)
	var line []byte
	for i, m := range other {
		if i > 0 {
			dst = append(dst, ',')
		}
		line = append(append(line[:0], m.key...), ": "...)
		text := m.value
		if len(text) > 0 && text[0] == '"' {
			r := jsonscan.New(text)
			if b, err := r.Bytes(); err == nil {
				text = b
			}
		}
		dst = netjson.AppendString(dst, string(append(line, text...)))
	}
	return append(dst, "]}"...)
}

// notices is what an answer's notices say besides the constant parts.
type notices struct {
	registry  []byte // unquoted; empty: not known
	firstSeen []byte // when the network's version was first seen, unquoted
	// An entity's networks listed, and those left out (RFC 9083
	// §10.2.1: a truncated object says so).
	listed, more int
}

// appendNotices appends the notices (RFC 9083 §4.3): which registry and
// which snapshot the answer comes from and that it is a copy, and whether
// it was cut short.
func appendNotices(dst []byte, c *answerCtx, n notices) []byte {
	dst = append(dst, `,"notices":[{"title":"Source","description":[`...)
	if len(n.registry) > 0 {
		dst = append(dst, `"Registry: `...)
		if r := ipatlas.Registry(n.registry); r.Valid() {
			dst = append(dst, r.Title()...)
		} else {
			dst = appendEscapedBytes(dst, n.registry)
		}
		dst = append(dst, `",`...)
	}
	dst = appendSnapshotLine(dst, c)
	if len(n.firstSeen) > 0 {
		dst = append(dst, `"This version first seen: `...)
		dst = appendEscapedBytes(dst, n.firstSeen)
		dst = append(dst, `",`...)
	}
	dst = append(dst, `"A copy kept by ipatlas of the registry's data as of that snapshot, not the registry's own answer."]}`...)
	if n.more > 0 {
		dst = append(dst, `,{"title":"Networks","type":"object truncated due to excessive load","description":["`...)
		dst = strconv.AppendInt(dst, int64(n.listed), 10)
		dst = append(dst, " networks listed, "...)
		dst = strconv.AppendInt(dst, int64(n.more), 10)
		dst = append(dst, ` more not listed."]}`...)
	}
	return append(dst, ']')
}

// appendSnapshotLine appends the notice line naming the snapshot
// answered from, and a comma.
func appendSnapshotLine(dst []byte, c *answerCtx) []byte {
	snaps := c.ix.Snapshots()
	if c.snap < 0 || c.snap >= len(snaps) {
		return dst
	}
	s := snaps[c.snap]
	dst = append(dst, `"Snapshot: `...)
	dst = appendEscaped(dst, s.Datetime)
	dst = append(dst, " ("...)
	dst = s.At.UTC().AppendFormat(dst, time.RFC3339)
	dst = append(dst, "; snapshot "...)
	dst = strconv.AppendInt(dst, int64(c.snap+1), 10)
	dst = append(dst, " of "...)
	dst = strconv.AppendInt(dst, int64(len(snaps)), 10)
	dst = append(dst, ", id "...)
	dst = strconv.AppendInt(dst, s.ID, 10)
	return append(dst, `)",`...)
}

// appendEscaped appends s escaped as the inside of a JSON string.
func appendEscaped(dst []byte, s string) []byte {
	at := len(dst)
	dst = netjson.AppendString(dst, s)
	copy(dst[at:], dst[at+1:len(dst)-1])
	return dst[:len(dst)-2]
}

// appendEscapedBytes is appendEscaped for bytes, copying them as they are
// when nothing needs escaping (links and addresses: the common case).
func appendEscapedBytes(dst []byte, b []byte) []byte {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return appendEscaped(dst, string(b))
		}
	}
	return append(dst, b...)
}

// appendRDAPError appends an error answer (RFC 9083 §6).
func appendRDAPError(dst []byte, status int, msg string) []byte {
	dst = append(dst, conformance...)
	dst = append(dst, `,"errorCode":`...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, `,"title":`...)
	dst = netjson.AppendString(dst, http.StatusText(status))
	dst = append(dst, `,"description":[`...)
	dst = netjson.AppendString(dst, msg)
	return append(dst, "]}"...)
}

// appendHelp appends the help answer (RFC 9083 §7): what this server
// answers, and from which snapshot.
func appendHelp(dst []byte, c *answerCtx) []byte {
	dst = append(dst, conformance...)
	dst = append(dst, `,"notices":[{"title":"ipatlas RDAP service","description":[`...)
	dst = append(dst, `"Queries: ip/{address}, ip/{prefix}/{length} (the most specific network holding the whole prefix), entity/{handle}, help.",`...)
	dst = append(dst, `"?datetime= an ISO 8601 date or date-time answers an ip query from the last snapshot taken at or before then; 404 when no network held the address then.",`...)
	dst = appendSnapshotLine(dst, c)
	dst = append(dst, `"Answers are copies kept by ipatlas of the registries' data, not the registries' own answers."]`...)
	var buf [128]byte
	self := append(c.base.append(buf[:0]), "/help"...)
	dst = append(dst, `,"links":[`...)
	dst = appendLink(dst, self, "self", self)
	return append(dst, "]}]}"...)
}
