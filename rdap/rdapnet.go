package rdap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// ErrMalformed is matched (errors.Is) by every error the parsers return.
var ErrMalformed = errors.New("malformed RDAP answer")

// ParseError says which field of an answer was wrong.
type ParseError struct {
	Field string
	Msg   string
	Err   error
}

func (e *ParseError) Error() string {
	s := "rdap: field " + e.Field + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

func (e *ParseError) Unwrap() error { return e.Err }

func perr(field, format string, a ...any) *ParseError {
	return &ParseError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// wire types: the RFC 9083 objects as sent.
type (
	wireNetwork struct {
		ObjectClassName string          `json:"objectClassName"`
		Handle          string          `json:"handle"`
		StartAddress    string          `json:"startAddress"`
		EndAddress      string          `json:"endAddress"`
		IPVersion       string          `json:"ipVersion"`
		Name            string          `json:"name"`
		Type            string          `json:"type"`
		Country         string          `json:"country"`
		ParentHandle    string          `json:"parentHandle"`
		Status          []string        `json:"status"`
		Events          []wireEvent     `json:"events"`
		Entities        []wireEntity    `json:"entities"`
		Remarks         []wireRemark    `json:"remarks"`
		Notices         []wireRemark    `json:"notices"`
		Links           []ipatlas.Link  `json:"links"`
		Port43          string          `json:"port43"`
		CIDR0           []wireCIDR      `json:"cidr0_cidrs"`
		OriginAS        []uint32        `json:"arin_originas0_originautnums"`
		ErrorCode       json.RawMessage `json:"errorCode"`
	}
	wireEvent struct {
		Action string `json:"eventAction"`
		Date   string `json:"eventDate"`
		Actor  string `json:"eventActor"`
	}
	wireRemark struct {
		Title       string   `json:"title"`
		Description []string `json:"description"`
	}
	wireCIDR struct {
		V4     string `json:"v4prefix"`
		V6     string `json:"v6prefix"`
		Length int    `json:"length"`
	}
	wireEntity struct {
		Handle   string         `json:"handle"`
		Roles    []string       `json:"roles"`
		Status   []string       `json:"status"`
		VCard    jcard          `json:"-"` // "vcardArray", read by jcard.decode
		Events   []wireEvent    `json:"events"`
		Remarks  []wireRemark   `json:"remarks"`
		Links    []ipatlas.Link `json:"links"`
		Entities []wireEntity   `json:"entities"`
	}
)

// ParseNetwork parses an RFC 9083 §5.4 IP network object. Registry and
// Source are left for the caller.
func ParseNetwork(body []byte) (ipatlas.Network, error) {
	var w wireNetwork
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return ipatlas.Network{}, perr("(body)", "not a JSON object")
	}
	if err := decodeWhole(body, w.decode); err != nil {
		return ipatlas.Network{}, &ParseError{Field: "(body)", Msg: "not valid RDAP JSON", Err: err}
	}
	if w.ObjectClassName != "" && w.ObjectClassName != "ip network" {
		return ipatlas.Network{}, perr("objectClassName", "%q is not an ip network", w.ObjectClassName)
	}
	if len(w.ErrorCode) > 0 {
		return ipatlas.Network{}, perr("errorCode", "an error response, not a network")
	}
	return w.network()
}

// decodeWhole decodes body, which must hold one JSON value and nothing
// more.
func decodeWhole(body []byte, decode func(*jsonscan.Reader) error) error {
	r := jsonscan.New(body)
	if err := decode(r); err != nil {
		return err
	}
	return r.End()
}

func (w *wireNetwork) network() (ipatlas.Network, error) {
	n := ipatlas.Network{Handle: w.Handle, Name: w.Name, Type: w.Type, Status: w.Status,
		Country: strings.ToUpper(w.Country), ParentHandle: w.ParentHandle, OriginAS: w.OriginAS,
		Port43: w.Port43, Links: w.Links, Remarks: remarks(w.Remarks), Notices: remarks(w.Notices)}
	var err error
	if n.Range, err = parseRange(w.StartAddress, w.EndAddress); err != nil {
		return n, err
	}
	if n.Events, err = events("events", w.Events); err != nil {
		return n, err
	}
	if n.CIDRs, err = cidrs(w.CIDR0, n.Range); err != nil {
		return n, err
	}
	n.Entities, err = entities("entities", w.Entities)
	return n, err
}

// parseRange reads startAddress and endAddress (RFC 9083 §5.4: both
// required, one IP version, start ≤ end).
func parseRange(start, end string) (ipatlas.Range, error) {
	if start == "" {
		return ipatlas.Range{}, perr("startAddress", "missing")
	}
	if end == "" {
		return ipatlas.Range{}, perr("endAddress", "missing")
	}
	a, err := parseAddr(start)
	if err != nil {
		return ipatlas.Range{}, &ParseError{Field: "startAddress", Msg: fmt.Sprintf("%q is not an address", start), Err: err}
	}
	b, err := parseAddr(end)
	if err != nil {
		return ipatlas.Range{}, &ParseError{Field: "endAddress", Msg: fmt.Sprintf("%q is not an address", end), Err: err}
	}
	r, err := ipatlas.NewRange(a, b)
	if err != nil {
		return r, &ParseError{Field: "endAddress", Msg: "not a range with startAddress", Err: err}
	}
	return r, nil
}

// parseAddr reads an address as registries really write it: RIPE NCC once
// wrote "62.239.237.0/32" and "2a00:2381:ffff::/128" (a host prefix), ARIN
// "074.125.000.000" (zero-padded decimal octets, not octal).
func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if addr, bits, ok := strings.Cut(s, "/"); ok {
		a, err := netip.ParseAddr(addr)
		if err != nil || bits != fmt.Sprint(a.BitLen()) {
			return netip.Addr{}, fmt.Errorf("only a host prefix (/32 or /128) may follow the address")
		}
		return a, nil
	}
	a, err := netip.ParseAddr(s)
	if err == nil || strings.Contains(s, ":") {
		return a, err
	}
	parts := strings.Split(s, ".")
	for i, p := range parts {
		if t := strings.TrimLeft(p, "0"); t != p {
			parts[i] = t
			if t == "" {
				parts[i] = "0"
			}
		}
	}
	if b, err2 := netip.ParseAddr(strings.Join(parts, ".")); err2 == nil {
		return b, nil
	}
	return a, err
}

func remarks(ws []wireRemark) []ipatlas.Remark {
	if len(ws) == 0 {
		return nil
	}
	out := make([]ipatlas.Remark, len(ws))
	for i, w := range ws {
		out[i] = ipatlas.Remark{Title: w.Title, Description: w.Description}
	}
	return out
}

func events(field string, ws []wireEvent) ([]ipatlas.Event, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]ipatlas.Event, len(ws))
	for i, w := range ws {
		t, err := time.Parse(time.RFC3339, w.Date)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("%s[%d].eventDate", field, i), Msg: fmt.Sprintf("%q is not an RFC 3339 date", w.Date), Err: err}
		}
		out[i] = ipatlas.Event{Action: w.Action, Date: t, Actor: w.Actor}
	}
	return out, nil
}

// cidrs reads the cidr0 extension, which must cover the range exactly; it
// computes the prefixes when the registry sends none.
func cidrs(ws []wireCIDR, r ipatlas.Range) ([]netip.Prefix, error) {
	want := r.Prefixes()
	if len(ws) == 0 {
		return want, nil
	}
	out := make([]netip.Prefix, len(ws))
	for i, w := range ws {
		addr := w.V4
		if addr == "" {
			addr = w.V6
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || w.Length < 0 || w.Length > a.BitLen() {
			return nil, perr(fmt.Sprintf("cidr0_cidrs[%d]", i), "%q/%d is not a prefix", addr, w.Length)
		}
		out[i] = netip.PrefixFrom(a, w.Length).Masked()
	}
	if !samePrefixes(out, want) {
		return nil, perr("cidr0_cidrs", "%v do not cover %s exactly", out, r)
	}
	return out, nil
}

func samePrefixes(a, b []netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func entities(field string, ws []wireEntity) ([]ipatlas.Entity, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	out := make([]ipatlas.Entity, len(ws))
	for i, w := range ws {
		f := fmt.Sprintf("%s[%d]", field, i)
		e := ipatlas.Entity{Handle: w.Handle, Roles: w.Roles, Status: w.Status, Remarks: remarks(w.Remarks), Links: w.Links}
		var err error
		if e.Contact, err = w.VCard.result(f + ".vcardArray"); err != nil {
			return nil, err
		}
		if e.Events, err = events(f+".events", w.Events); err != nil {
			return nil, err
		}
		if e.Entities, err = entities(f+".entities", w.Entities); err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}
