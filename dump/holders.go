package dump

import (
	"strings"
	"unsafe"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// Holders are the organisations and contacts networks name, read from the
// organisation, role, irt and person objects of a dump. Only what the
// registries publish unchanged is kept: names, and the abuse mailboxes that
// policy makes public. Addresses, phones and e-mails are placeholders in
// every public dump, so they are not read. The zero value is not usable:
// create Holders with NewHolders. Holders are not safe for concurrent use.
//
// A load keeps millions of holders for as long as it reads networks, and
// collects garbage many times meanwhile, so the table holds no pointer for
// the collector to follow: handles (upper-cased, as RPSL keys ignore case)
// are map keys by value, and the strings kept live in large blocks of text
// that are only ever appended to. Handles too long for a key by value go
// to a small map of their own.
type Holders struct {
	short map[shortKey]holderRef
	long  map[string]holderRef
	text  [][]byte // blocks of kept strings; written once, never moved
}

// shortKey is a handle of up to len(shortKey) bytes, upper-cased, padded
// with zero bytes (which no handle holds).
type shortKey [24]byte

// holderRef is one organisation or contact, its strings in the text.
type holderRef struct {
	name, abuse textRef // abuse: an organisation's abuse-c
	email       textRef // a role's or irt's abuse mailboxes, one per line
	kind        uint8   // index into holderKinds' values
	file        int32   // the file it came from, in the order given: the first wins
}

// textRef locates a string in the text blocks.
type textRef struct{ block, off, n uint32 }

// textBlock is how much text one block holds.
const textBlock = 1 << 20

// kinds are the vCard kinds holderRef.kind names.
var kinds = [...]string{"org", "group", "individual"}

// holderKinds are the classes that hold or contact, and their kinds.
var holderKinds = map[string]uint8{"organisation": 0, "role": 1, "irt": 1, "person": 2}

// IsHolder reports whether objects of class name holders or contacts.
func IsHolder(class string) bool { _, ok := holderKinds[class]; return ok }

// NewHolders returns an empty set of holders.
func NewHolders() *Holders {
	return &Holders{short: map[shortKey]holderRef{}, long: map[string]holderRef{}}
}

// Len is how many holders are known.
func (h *Holders) Len() int { return len(h.short) + len(h.long) }

// Add keeps o if it is an organisation, role, irt or person, and reports
// whether it was. Of two objects with one handle, the first is kept.
func (h *Holders) Add(o rpsl.Object) bool {
	e, ok := parseHolder(o)
	if ok {
		h.put([]holderEntry{e})
	}
	return ok
}

// holderEntry is a holder as read, its strings still the object's.
type holderEntry struct {
	key, name, abuse string
	emails           []string
	kind             uint8
	file             int32
}

// parseHolder reads what is kept of a holder object.
func parseHolder(o rpsl.Object) (holderEntry, bool) {
	kind, ok := holderKinds[o.Class()]
	if !ok {
		return holderEntry{}, false
	}
	e := holderEntry{key: o.Key(), name: o.Key(), kind: kind}
	switch o.Class() {
	case "organisation":
		e.name, e.abuse = o.Get("org-name"), o.Get("abuse-c")
	case "role", "person":
		e.key = o.Get("nic-hdl") // irt objects have no name but their key
	}
	if class := o.Class(); class == "role" || class == "irt" {
		e.emails = o.All("abuse-mailbox")
	}
	return e, true
}

// put adds holders, copying their strings into the text; the first of a
// handle stays.
func (h *Holders) put(es []holderEntry) {
	for _, e := range es {
		if e.key == "" {
			continue
		}
		key, short := shortKeyOf(e.key)
		var old holderRef
		var seen bool
		if short {
			old, seen = h.short[key]
		} else {
			old, seen = h.long[strings.ToUpper(e.key)]
		}
		if seen && old.file <= e.file {
			continue
		}
		ref := holderRef{name: h.keep(e.name), abuse: h.keep(e.abuse), email: h.keep(strings.Join(e.emails, "\n")),
			kind: e.kind, file: e.file}
		if short {
			h.short[key] = ref
		} else {
			h.long[strings.ToUpper(e.key)] = ref
		}
	}
}

// shortKeyOf upper-cases a handle into a key by value, if it fits.
func shortKeyOf(handle string) (shortKey, bool) {
	var k shortKey
	if len(handle) > len(k) {
		return k, false
	}
	for i := range len(handle) {
		c := handle[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		k[i] = c
	}
	return k, true
}

// keep appends s to the text.
func (h *Holders) keep(s string) textRef {
	if s == "" {
		return textRef{}
	}
	last := len(h.text) - 1
	if last < 0 || cap(h.text[last])-len(h.text[last]) < len(s) {
		h.text = append(h.text, make([]byte, 0, max(textBlock, len(s))))
		last++
	}
	off := len(h.text[last])
	h.text[last] = append(h.text[last], s...)
	return textRef{block: uint32(last), off: uint32(off), n: uint32(len(s))}
}

// str is the string a textRef locates. The bytes are never written again
// once kept (blocks are only appended to, within their capacity), so the
// string can share them instead of being copied at every lookup.
func (h *Holders) str(r textRef) string {
	if r.n == 0 {
		return ""
	}
	return unsafe.String(&h.text[r.block][r.off], int(r.n))
}

// holder is one organisation or contact as a network names it.
type holder struct {
	contact ipatlas.Contact
	abuse   string // an organisation's abuse-c
}

// get finds a holder by handle; a nil Holders knows none.
func (h *Holders) get(handle string) (holder, bool) {
	if h == nil {
		return holder{}, false
	}
	var ref holderRef
	var ok bool
	if key, short := shortKeyOf(handle); short {
		ref, ok = h.short[key]
	} else {
		ref, ok = h.long[strings.ToUpper(handle)]
	}
	if !ok {
		return holder{}, false
	}
	hd := holder{contact: ipatlas.Contact{Name: h.str(ref.name), Kind: kinds[ref.kind]}, abuse: h.str(ref.abuse)}
	if ref.email.n > 0 {
		hd.contact.Email = strings.Split(h.str(ref.email), "\n")
	}
	return hd, true
}
