// Package netjson writes an ipatlas.Network as JSON, byte for byte what
// json.Marshal writes, without reflection.
//
// The stores keep every crawled network as JSON; json.Marshal's reflection
// was a tenth of the cost of committing an answer. A test holds the two
// encoders to the same output on seeded random networks.
package netjson

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ipatlas/ipatlas"
)

// Append appends n's JSON to dst. Like json.Marshal, it fails only on a
// date whose year is outside 0–9999, which RFC 3339 cannot write.
func Append(dst []byte, n *ipatlas.Network) ([]byte, error) {
	w := writer{b: dst}
	w.open('{')
	w.str("registry", string(n.Registry))
	w.key("range")
	w.rng(n.Range)
	w.registration(n)
	w.optList("cidrs", len(n.CIDRs), func(i int) { w.prefix(n.CIDRs[i]) })
	w.optStr("port43", n.Port43)
	w.remarks("notices", n.Notices)
	w.links(n.Links)
	if n.Source != (ipatlas.Source{}) {
		w.key("source")
		w.source(n.Source)
	}
	return w.close('}'), w.err
}

// registration writes the members between the range and the CIDRs: the
// ones Append and AppendRecord share.
func (w *writer) registration(n *ipatlas.Network) {
	w.optStr("handle", n.Handle)
	w.optStr("name", n.Name)
	w.optStr("type", n.Type)
	w.optStrs("status", n.Status)
	w.optStr("country", n.Country)
	w.optStr("parent_handle", n.ParentHandle)
	w.optList("origin_as", len(n.OriginAS), func(i int) { w.b = strconv.AppendUint(w.b, uint64(n.OriginAS[i]), 10) })
	w.events(n.Events)
	w.entities(n.Entities)
	w.remarks("remarks", n.Remarks)
}

// writer builds one JSON value; first says no member has been written at
// the current level yet.
type writer struct {
	b     []byte
	first bool
	err   error // the first date that could not be written
}

func (w *writer) open(c byte) {
	w.b = append(w.b, c)
	w.first = true
}

func (w *writer) close(c byte) []byte {
	w.b = append(w.b, c)
	w.first = false
	return w.b
}

// key writes an object member's name (names here never need escaping).
func (w *writer) key(name string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *writer) str(name, v string) {
	w.key(name)
	w.b = AppendString(w.b, v)
}

// optStr writes a member tagged omitempty.
func (w *writer) optStr(name, v string) {
	if v != "" {
		w.str(name, v)
	}
}

func (w *writer) optStrs(name string, vs []string) {
	w.optList(name, len(vs), func(i int) { w.b = AppendString(w.b, vs[i]) })
}

// optList writes name and an array of n elements, each by elem; nothing
// when n is 0 (omitempty).
func (w *writer) optList(name string, n int, elem func(i int)) {
	if n > 0 {
		w.key(name)
		w.list(n, elem)
	}
}

// list writes an array of n elements, each by elem.
func (w *writer) list(n int, elem func(i int)) {
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		elem(i)
	}
	w.b = append(w.b, ']')
	w.first = false
}

func (w *writer) rng(r ipatlas.Range) {
	w.open('{')
	w.key("from")
	w.addr(r.From)
	w.key("to")
	w.addr(r.To)
	w.close('}')
}

func (w *writer) addr(a netip.Addr) {
	w.b = append(w.b, '"')
	w.b, _ = a.AppendText(w.b) // never fails
	w.b = append(w.b, '"')
}

func (w *writer) prefix(p netip.Prefix) {
	w.b = append(w.b, '"')
	w.b, _ = p.AppendText(w.b) // never fails
	w.b = append(w.b, '"')
}

// time writes t as time.Time.MarshalJSON does.
func (w *writer) time(t time.Time) {
	if y := t.Year(); (y < 0 || y > 9999) && w.err == nil {
		w.err = fmt.Errorf("date %s: year outside 0–9999", t)
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *writer) events(es []ipatlas.Event) {
	w.optList("events", len(es), func(i int) {
		w.open('{')
		w.str("action", es[i].Action)
		w.key("date")
		w.time(es[i].Date)
		w.optStr("actor", es[i].Actor)
		w.close('}')
	})
}

func (w *writer) entities(es []ipatlas.Entity) {
	w.optList("entities", len(es), func(i int) { w.entity(&es[i]) })
}

func (w *writer) entity(e *ipatlas.Entity) {
	w.open('{')
	w.optStr("handle", e.Handle)
	w.optStrs("roles", e.Roles)
	w.optStrs("status", e.Status)
	if !contactIsZero(&e.Contact) {
		w.key("contact")
		w.contact(&e.Contact)
	}
	w.remarks("remarks", e.Remarks)
	w.events(e.Events)
	w.entities(e.Entities)
	w.links(e.Links)
	w.close('}')
}

// contactIsZero is omitzero's test: every field its zero value (an empty
// but non-nil slice is not zero).
func contactIsZero(c *ipatlas.Contact) bool {
	return c.Name == "" && c.Kind == "" && c.Org == "" && c.Address == "" && c.Phone == nil && c.Email == nil
}

func (w *writer) contact(c *ipatlas.Contact) {
	w.open('{')
	w.optStr("name", c.Name)
	w.optStr("kind", c.Kind)
	w.optStr("org", c.Org)
	w.optStr("address", c.Address)
	w.optStrs("phone", c.Phone)
	w.optStrs("email", c.Email)
	w.close('}')
}

func (w *writer) remarks(name string, rs []ipatlas.Remark) {
	w.optList(name, len(rs), func(i int) {
		w.open('{')
		w.optStr("title", rs[i].Title)
		w.optStrs("description", rs[i].Description)
		w.close('}')
	})
}

func (w *writer) links(ls []ipatlas.Link) {
	w.optList("links", len(ls), func(i int) {
		w.open('{')
		w.optStr("value", ls[i].Value)
		w.optStr("rel", ls[i].Rel)
		w.str("href", ls[i].Href)
		w.optStr("type", ls[i].Type)
		w.close('}')
	})
}

func (w *writer) source(s ipatlas.Source) {
	w.open('{')
	w.optStr("protocol", s.Protocol)
	w.optStr("url", s.URL)
	if !s.Retrieved.IsZero() {
		w.key("retrieved")
		w.time(s.Retrieved)
	}
	w.close('}')
}

const hex = "0123456789abcdef"

// AppendString quotes s as encoding/json does by default: HTML-sensitive
// characters and U+2028/U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func AppendString(b []byte, s string) []byte { return appendString(b, s, true) }

// AppendPlainString quotes s as RFC 8259 asks and no more: <, >, & and
// U+2028/U+2029 stay as they are, as the registries write them. Invalid
// UTF-8 becomes U+FFFD.
func AppendPlainString(b []byte, s string) []byte { return appendString(b, s, false) }

// plainSafe and htmlSafe mark the ASCII bytes each quoter writes as they
// are.
var plainSafe, htmlSafe = func() (plain, html [utf8.RuneSelf]bool) {
	for c := byte(' '); c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()

func appendString(b []byte, s string, html bool) []byte {
	safe := &plainSafe
	if html {
		safe = &htmlSafe
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if html && (r == '\u2028' || r == '\u2029') {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
}
