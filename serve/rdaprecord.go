package serve

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// netRecord is a stored record as an RDAP answer reads it: its range, and
// each member RDAP has a place for as its raw JSON, aliasing the record
// (so it is valid while the index is held). A crawled network's record
// (ipatlas.NetworkRecord's payload) fills most of it; a loaded Whip file's
// may fill little but the range, and what has no place in RDAP, or not
// the JSON type RDAP wants there, is kept in other, to be shown as a
// remark rather than dropped or sent malformed.
type netRecord struct {
	begin, end netip.Addr
	datetime   []byte // when this version was first seen, unquoted
	registry   []byte // unquoted

	// Raw JSON strings, quoted, each checked to be a string.
	handle, name, typ, country, parentHandle []byte
	// Raw JSON arrays, each checked to hold the element type RDAP wants.
	status, originAS, events, entities, remarks []byte

	other []member // none for a crawled network's record
}

// member is an object member: its key (unquoted) and raw value.
type member struct{ key, value []byte }

// readRecord reads a record, as the index stores it, into n.
func readRecord(rec []byte, n *netRecord) error {
	*n = netRecord{}
	r := jsonscan.New(rec)
	err := r.Object(func(key []byte) error { return n.member(r, key) })
	if err == nil && (!n.begin.IsValid() || !n.end.IsValid() || n.begin.Is4() != n.end.Is4() || n.end.Less(n.begin)) {
		err = fmt.Errorf("no valid begin and end")
	}
	if err != nil {
		return fmt.Errorf("stored record: %w", err)
	}
	return nil
}

// member reads one member of the record.
func (n *netRecord) member(r *jsonscan.Reader, key []byte) error {
	switch string(key) {
	case "begin":
		return readAddr(r, &n.begin)
	case "end":
		return readAddr(r, &n.end)
	case "datetime":
		return unquoted(r, &n.datetime)
	case "registry":
		return unquoted(r, &n.registry)
	case "handle":
		return n.typed(r, key, &n.handle, '"', 0)
	case "name":
		return n.typed(r, key, &n.name, '"', 0)
	case "type":
		return n.typed(r, key, &n.typ, '"', 0)
	case "country":
		return n.typed(r, key, &n.country, '"', 0)
	case "parent_handle":
		return n.typed(r, key, &n.parentHandle, '"', 0)
	case "status":
		return n.typed(r, key, &n.status, '[', '"')
	case "origin_as":
		return n.typed(r, key, &n.originAS, '[', '0')
	case "events":
		return n.typed(r, key, &n.events, '[', '{')
	case "entities":
		return n.typed(r, key, &n.entities, '[', '{')
	case "remarks":
		return n.typed(r, key, &n.remarks, '[', '{')
	}
	return n.keep(r, key)
}

// typed reads a value that must be of kind want (and, for an array of
// strings or numbers, hold only elements of kind elem, '0' standing for a
// number) into *dst; a value of another kind is kept in other. Arrays of
// objects are checked element by element as they are written.
func (n *netRecord) typed(r *jsonscan.Reader, key []byte, dst *[]byte, want, elem byte) error {
	if r.Kind() != want {
		return n.keep(r, key)
	}
	raw, err := r.Raw()
	if err != nil || want != '[' || elem == '{' || elementsAre(raw, elem) {
		*dst = raw
		return err
	}
	n.other = append(n.other, member{key, raw})
	return nil
}

// keep keeps a member RDAP has no place for.
func (n *netRecord) keep(r *jsonscan.Reader, key []byte) error {
	raw, err := r.Raw()
	n.other = append(n.other, member{key, raw})
	return err
}

// elementsAre reports whether every element of a raw array is of kind
// elem ('0': a non-negative integer below 2³²).
func elementsAre(raw []byte, elem byte) bool {
	r := jsonscan.New(raw)
	ok := true
	r.Array(func(int) error {
		if elem == '0' {
			var v uint64
			if r.Kind() < '0' || r.Kind() > '9' || r.Uint(&v, 32) != nil {
				ok = false
				return r.Skip()
			}
			return nil
		}
		ok = ok && r.Kind() == elem
		return r.Skip()
	})
	return ok
}

// readAddr reads an address written as a string; anything else, a zone
// included, leaves a invalid. The text is parsed in place, without a
// copy: with no zone, the address keeps nothing of it.
func readAddr(r *jsonscan.Reader, a *netip.Addr) error {
	if r.Kind() != '"' {
		return r.Skip()
	}
	b, err := r.Bytes()
	if err == nil && len(b) > 0 && bytes.IndexByte(b, '%') < 0 {
		*a, _ = netip.ParseAddr(unsafe.String(&b[0], len(b)))
	}
	return err
}

// errRangeRead stops readRange's scan once it has what it wants.
var errRangeRead = errors.New("range read")

// readRange reads only a record's range, which leads it: what an "up"
// link needs of the network around.
func readRange(rec []byte, n *netRecord) bool {
	*n = netRecord{}
	r := jsonscan.New(rec)
	r.Object(func(key []byte) error {
		var err error
		switch string(key) {
		case "begin":
			err = readAddr(r, &n.begin)
		case "end":
			err = readAddr(r, &n.end)
		default:
			err = r.Skip()
		}
		if err == nil && n.begin.IsValid() && n.end.IsValid() {
			return errRangeRead
		}
		return err
	})
	return n.begin.IsValid() && n.end.IsValid() && n.begin.Is4() == n.end.Is4() && !n.end.Less(n.begin)
}

// unquoted reads a string's text; anything else leaves *dst empty.
func unquoted(r *jsonscan.Reader, dst *[]byte) error {
	if r.Kind() != '"' {
		return r.Skip()
	}
	b, err := r.Bytes()
	*dst = b
	return err
}

// entityRecord is a stored entity (ipatlas.Entity's JSON) read for RDAP,
// as raw JSON aliasing the record, each member checked as netRecord's are;
// what RDAP has no place for (the registry's own links) is left out.
type entityRecord struct {
	handle                         []byte // unquoted
	handleRaw                      []byte // quoted
	roles, status, events, remarks []byte
	entities                       []byte
	name, kind, org, address       []byte // the contact's, quoted
	phone, email                   []byte // the contact's, raw arrays of strings
	hasContact                     bool
}

// readEntity reads one stored entity object from raw.
func readEntity(raw []byte, e *entityRecord) error { return readEntityAt(jsonscan.New(raw), e) }

// readEntityAt reads the stored entity object r is at.
func readEntityAt(r *jsonscan.Reader, e *entityRecord) error {
	*e = entityRecord{}
	return r.Object(func(key []byte) error {
		switch string(key) {
		case "handle":
			if r.Kind() == '"' {
				var err error
				e.handleRaw, err = r.Raw()
				e.handle = e.handleRaw[1 : len(e.handleRaw)-1]
				return err
			}
		case "roles":
			return rawArrayOf(r, &e.roles, '"')
		case "status":
			return rawArrayOf(r, &e.status, '"')
		case "events":
			return rawArrayOf(r, &e.events, '{')
		case "remarks":
			return rawArrayOf(r, &e.remarks, '{')
		case "entities":
			return rawArrayOf(r, &e.entities, '{')
		case "contact":
			if r.Kind() == '{' {
				return e.readContact(r)
			}
		}
		return r.Skip()
	})
}

// readContact reads an ipatlas.Contact's JSON.
func (e *entityRecord) readContact(r *jsonscan.Reader) error {
	return r.Object(func(key []byte) error {
		var dst *[]byte
		kind := byte('"')
		switch string(key) {
		case "name":
			dst = &e.name
		case "kind":
			dst = &e.kind
		case "org":
			dst = &e.org
		case "address":
			dst = &e.address
		case "phone":
			dst, kind = &e.phone, '['
		case "email":
			dst, kind = &e.email, '['
		default:
			return r.Skip()
		}
		if kind == '[' {
			err := rawArrayOf(r, dst, '"')
			e.hasContact = e.hasContact || len(*dst) > 2
			return err
		}
		if r.Kind() != '"' {
			return r.Skip()
		}
		raw, err := r.Raw()
		*dst = raw
		e.hasContact = e.hasContact || len(raw) > 2
		return err
	})
}

// rawArrayOf reads an array whose elements are all of kind elem into
// *dst, raw; anything else is skipped, leaving *dst empty. Arrays of
// objects are checked element by element as they are written.
func rawArrayOf(r *jsonscan.Reader, dst *[]byte, elem byte) error {
	if r.Kind() != '[' {
		return r.Skip()
	}
	raw, err := r.Raw()
	if err == nil && (elem == '{' || elementsAre(raw, elem)) {
		*dst = raw
	}
	return err
}

// emptyArray stands for an array a record does not have.
var emptyArray = []byte("[]")

// arrayReader reads a raw array, none (empty raw) as an empty one.
func arrayReader(raw []byte) *jsonscan.Reader {
	if len(raw) == 0 {
		raw = emptyArray
	}
	return jsonscan.New(raw)
}

// eachElement calls fn with each element of a raw array, raw.
func eachElement(raw []byte, fn func(elem []byte)) {
	if len(raw) == 0 {
		return
	}
	r := jsonscan.New(raw)
	r.Array(func(int) error {
		elem, err := r.Raw()
		if err == nil {
			fn(elem)
		}
		return err
	})
}
