package whois

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// ParseError is an answer that could not be read: which input, which line
// and what was wrong with it.
type ParseError struct {
	Input string // the name the caller gave the answer
	Line  int    // from 1; the last line when something is missing
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("parse whois %s:%d: %s", e.Input, e.Line, e.Msg)
}

// Servers are the registries' WHOIS servers by name, as answers and
// referrals name them.
var Servers = map[ipatlas.Registry]string{
	ipatlas.AFRINIC: "whois.afrinic.net",
	ipatlas.APNIC:   "whois.apnic.net",
	ipatlas.ARIN:    "whois.arin.net",
	ipatlas.LACNIC:  "whois.lacnic.net",
	ipatlas.RIPENCC: "whois.ripe.net",
}

// Parse reads reg's answer about query into the network it describes: the
// most specific network in the answer that holds query, or, when query is
// the zero Addr, the most specific network in the answer. name names the
// input in errors. The network's Source is left for the caller to fill.
func Parse(reg ipatlas.Registry, name string, body []byte, query netip.Addr) (ipatlas.Network, error) {
	var n ipatlas.Network
	var err error
	switch reg {
	case ipatlas.ARIN:
		n, err = parseARIN(name, body, query)
	case ipatlas.LACNIC:
		n, err = parseLACNIC(name, body, query)
	case ipatlas.RIPENCC, ipatlas.APNIC, ipatlas.AFRINIC:
		n, err = parseRPSL(reg, name, body, query)
	default:
		return n, fmt.Errorf("parse whois %s: unknown registry %q", name, reg)
	}
	if err != nil {
		return ipatlas.Network{}, err
	}
	n.Registry, n.Port43 = reg, Servers[reg]
	if n.CIDRs == nil {
		n.CIDRs = n.Range.Prefixes()
	}
	return n, nil
}

// answer is an answer read as RPSL objects.
type answer struct {
	name  string
	objs  []rpsl.Object
	lines int
}

// readAnswer reads every object of an answer; the first malformed line
// makes it unreadable.
func readAnswer(name string, body []byte) (*answer, error) {
	a := &answer{name: name, lines: bytes.Count(body, []byte{'\n'})}
	if !bytes.HasSuffix(body, []byte{'\n'}) || a.lines == 0 {
		a.lines++ // the last line has no line end
	}
	r := rpsl.NewReader(bytes.NewReader(body), name)
	for {
		o, err := r.Next()
		if err == io.EOF {
			return a, nil
		}
		var se *rpsl.SyntaxError
		if errors.As(err, &se) {
			return nil, &ParseError{Input: name, Line: se.Line, Msg: se.Msg}
		}
		if err != nil {
			return nil, err
		}
		a.objs = append(a.objs, o)
	}
}

// errorAt is a ParseError at line.
func (a *answer) errorAt(line int, format string, args ...any) *ParseError {
	return &ParseError{Input: a.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// candidate is one network an answer lists, with its range read.
type candidate struct {
	obj int // index into the answer's objects
	rg  ipatlas.Range
}

// mostSpecific picks the smallest range holding query (any range when
// query is not valid); of equal ranges, the one written last.
func (a *answer) mostSpecific(cands []candidate, query netip.Addr, what string) (candidate, error) {
	best := -1
	for i, c := range cands {
		if query.IsValid() && !c.rg.Contains(query) {
			continue
		}
		if best < 0 || c.rg.Size().Cmp(cands[best].rg.Size()) <= 0 {
			best = i
		}
	}
	switch {
	case len(cands) == 0:
		return candidate{}, a.errorAt(a.lines, "no %s in the answer", what)
	case best < 0:
		return candidate{}, a.errorAt(a.lines, "no %s in the answer holds %s", what, query)
	}
	return cands[best], nil
}

// handleOf is the canonical handle of a range keyed network: "a - b" for
// IPv4 (RIPE's inetnum key), the prefix for IPv6 when the range is one;
// ps are the range's prefixes.
func handleOf(rg ipatlas.Range, ps []netip.Prefix) string {
	if !rg.Is4() && len(ps) == 1 {
		return ps[0].String()
	}
	return rg.String()
}

// entities collects a network's entities, one per handle, with every role
// each plays, in the order the answer first names them.
type entities struct {
	list  []ipatlas.Entity
	index map[string]int // upper-cased handle -> position in list
}

// add names handle in role; it returns the entity's position.
func (es *entities) add(handle, role string) int {
	key := strings.ToUpper(handle)
	i, ok := es.index[key]
	if !ok || handle == "" {
		if es.index == nil {
			es.index = map[string]int{}
		}
		i = len(es.list)
		es.list = append(es.list, ipatlas.Entity{Handle: handle})
		if handle != "" {
			es.index[key] = i
		}
	}
	e := &es.list[i]
	if !e.HasRole(role) {
		e.Roles = append(e.Roles, role)
	}
	return i
}

// find returns the entity called handle, or nil.
func (es *entities) find(handle string) *ipatlas.Entity {
	if i, ok := es.index[strings.ToUpper(handle)]; ok {
		return &es.list[i]
	}
	return nil
}

// events builds the registration and last-changed events that have a date.
func events(registered, changed time.Time) []ipatlas.Event {
	var out []ipatlas.Event
	if !registered.IsZero() {
		out = append(out, ipatlas.Event{Action: ipatlas.EventRegistration, Date: registered})
	}
	if !changed.IsZero() {
		out = append(out, ipatlas.Event{Action: ipatlas.EventLastChanged, Date: changed})
	}
	return out
}

// parseDate reads the dates registries write: RFC 3339 (RIPE NCC's
// created and last-modified), YYYY-MM-DD (ARIN) and YYYYMMDD (LACNIC,
// APNIC's changed lines). Dates without a time are midnight UTC.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD, YYYYMMDD or RFC 3339", s)
}

// lines splits a value (continuation lines joined by "\n") into its lines.
func lines(vals ...string) []string {
	var out []string
	for _, v := range vals {
		out = append(out, strings.Split(v, "\n")...)
	}
	return out
}

// appendNew appends the values not already in list.
func appendNew(list []string, vals ...string) []string {
	for _, v := range vals {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
