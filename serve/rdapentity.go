package serve

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// maxEntityNetworks bounds the networks an entity answer lists: a large
// holder has thousands, and the answer says how many it left out.
const maxEntityNetworks = 100

// entityTable finds entities by handle in the latest snapshot of one
// index. Records keep entities inside networks, so the table is built by
// reading the whole snapshot once: on the first entity query against the
// index (most servers are asked about addresses), or, once a server has
// been asked about entities, by the swap that brings in a new index (see
// Live.Swap). It holds raw JSON that aliases the index: use it only while
// the index is held. The zero value is ready; lookups are safe for
// concurrent use; it must not be copied.
type entityTable struct {
	once     sync.Once
	byHandle map[string]*entityEntry // by upper-cased handle: handles are case-insensitive
	built    atomic.Bool             // byHandle is set
}

// entityEntry is one entity: its JSON as the network saying the most of
// it stores it, and the networks holding it.
type entityEntry struct {
	raw  []byte
	nets []index.Ref // up to maxEntityNetworks, in address order
	more int         // networks beyond those
}

// lookup finds an entity by handle, building the table first if this is
// the index's first entity query.
func (t *entityTable) lookup(ix *index.Index, handle string) *entityEntry {
	t.build(ix)
	return t.byHandle[strings.ToUpper(handle)]
}

// build builds the table of ix unless it is built.
func (t *entityTable) build(ix *index.Index) {
	t.once.Do(func() {
		t.byHandle = buildEntities(ix)
		t.built.Store(true)
	})
}

// buildEntities reads every entity, nested ones included, of every
// network of the latest snapshot.
func buildEntities(ix *index.Index) map[string]*entityEntry {
	m := map[string]*entityEntry{}
	for ref, rec := range ix.EachLatest() {
		r := jsonscan.New(rec)
		r.Object(func(key []byte) error {
			if string(key) != "entities" {
				return r.Skip()
			}
			raw, err := r.Raw()
			if err == nil {
				addEntities(m, ref, raw, 0)
			}
			return err
		})
	}
	return m
}

// addEntities adds the entities of a raw array, and those nested in them,
// as held by the network ref.
func addEntities(m map[string]*entityEntry, ref index.Ref, raw []byte, depth int) {
	if depth >= maxEntityDepth {
		return
	}
	eachElement(raw, func(elem []byte) {
		var e entityRecord
		if readEntity(elem, &e) != nil {
			return
		}
		if len(e.handle) > 0 {
			key := strings.ToUpper(string(e.handle))
			ent := m[key]
			switch {
			case ent == nil:
				ent = &entityEntry{raw: elem}
				m[key] = ent
			case len(elem) > len(ent.raw):
				ent.raw = elem // networks may say more or less of it: keep the most
			}
			ent.addNetwork(ref)
		}
		addEntities(m, ref, e.entities, depth+1)
	})
}

// addNetwork records that the network ref holds the entity, once.
func (ent *entityEntry) addNetwork(ref index.Ref) {
	switch {
	case len(ent.nets) > 0 && ent.nets[len(ent.nets)-1] == ref:
	case len(ent.nets) < maxEntityNetworks:
		ent.nets = append(ent.nets, ref)
	default:
		ent.more++
	}
}

// appendEntities appends the stored entities of a raw array as RDAP
// entities (RFC 9083 §5.1) under the key "entities"; nothing for none.
func appendEntities(dst []byte, c *answerCtx, raw []byte, depth int) []byte {
	if len(raw) == 0 || depth >= maxEntityDepth {
		return dst
	}
	dst = append(dst, `,"entities":[`...)
	n := 0
	r := arrayReader(raw) // each element read in place: one pass, not two
	r.Array(func(int) error {
		if r.Kind() != '{' {
			return r.Skip()
		}
		var e entityRecord
		if err := readEntityAt(r, &e); err != nil {
			return err
		}
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		at := len(dst)
		dst = appendEntityBody(dst, c, &e, depth)
		dst = asObject(dst, at)
		return nil
	})
	if n == 0 {
		return dst[:len(dst)-len(`,"entities":[`)]
	}
	return append(dst, ']')
}

// appendEntityBody appends an entity's members after a comma: class,
// handle, contact, roles, status, events, remarks, self link, and the
// entities nested in it.
func appendEntityBody(dst []byte, c *answerCtx, e *entityRecord, depth int) []byte {
	dst = append(dst, `,"objectClassName":"entity"`...)
	dst = rawMember(dst, "handle", e.handleRaw)
	dst = appendVCard(dst, e)
	dst = rawMember(dst, "roles", e.roles)
	dst = rawMember(dst, "status", e.status)
	if len(e.events) > 0 {
		dst = appendEvents(dst, e.events, time.Time{})
	}
	dst = appendRemarks(dst, e.remarks, nil)
	if len(e.handle) > 0 {
		var buf [128]byte
		self := c.entityHref(buf[:0], e.handle)
		dst = append(dst, `,"links":[`...)
		dst = appendLink(dst, self, "self", self)
		dst = append(dst, ']')
	}
	return appendEntities(dst, c, e.entities, depth+1)
}

// entityHref appends the URL of the entity with a handle, the handle
// escaped as a path segment.
func (c *answerCtx) entityHref(dst []byte, handle []byte) []byte {
	dst = c.base.append(dst)
	dst = append(dst, "/entity/"...)
	const hex = "0123456789ABCDEF"
	for _, b := range handle {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~' {
			dst = append(dst, b)
		} else {
			dst = append(dst, '%', hex[b>>4], hex[b&15])
		}
	}
	return dst
}

// appendVCard appends the contact as a jCard (RFC 7095, RFC 9083 §5.1):
// version and fn (which vCard requires), kind, org, the postal address
// as the adr label, phones and e-mail addresses.
func appendVCard(dst []byte, e *entityRecord) []byte {
	if !e.hasContact {
		return dst
	}
	dst = append(dst, `,"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text",`...)
	if len(e.name) > 0 {
		dst = append(dst, e.name...)
	} else {
		dst = append(dst, `""`...)
	}
	dst = append(dst, ']')
	dst = vcardProp(dst, `["kind",{},"text",`, e.kind)
	dst = vcardProp(dst, `["org",{},"text",`, e.org)
	if len(e.address) > 2 {
		dst = append(dst, `,["adr",{"label":`...)
		dst = append(dst, e.address...)
		dst = append(dst, `},"text",["","","","","","",""]]`...)
	}
	eachElement(e.phone, func(p []byte) { dst = vcardProp(dst, `["tel",{"type":"voice"},"text",`, p) })
	eachElement(e.email, func(m []byte) { dst = vcardProp(dst, `["email",{},"text",`, m) })
	return append(dst, "]]"...)
}

// vcardProp appends a property whose value is a raw JSON string, after a
// comma; nothing when the value is empty.
func vcardProp(dst []byte, head string, value []byte) []byte {
	if len(value) <= 2 { // "" or missing
		return dst
	}
	dst = append(dst, ',')
	dst = append(dst, head...)
	dst = append(dst, value...)
	return append(dst, ']')
}

// appendEntityAnswer appends an entity answer: the entity, and the
// networks of the snapshot that hold it (RFC 9083 §5.1 "networks"), each
// as its range, names and self link.
func appendEntityAnswer(dst []byte, c *answerCtx, ent *entityEntry) []byte {
	var e entityRecord
	readEntity(ent.raw, &e) // read when the table was built: it reads again
	var first netRecord
	if len(ent.nets) > 0 {
		readRecord(c.ix.RecordOf(ent.nets[0]), &first)
	}
	dst = append(dst, conformance...)
	dst = appendNotices(dst, c, notices{registry: first.registry, listed: len(ent.nets), more: ent.more})
	e.roles = nil // roles are the entity's in one network, not its own
	dst = appendEntityBody(dst, c, &e, 0)
	dst = append(dst, `,"networks":[`...)
	listed := 0
	for _, ref := range ent.nets {
		var n netRecord
		if readRecord(c.ix.RecordOf(ref), &n) != nil {
			continue
		}
		if listed++; listed > 1 {
			dst = append(dst, ',')
		}
		at := len(dst)
		dst = appendNetworkBody(dst, c, &n, nil)
		dst = asObject(dst, at)
	}
	dst = append(dst, ']')
	dst = appendPort43(dst, first.registry)
	return append(dst, '}')
}

// asObject turns the members appended from at, each after a comma, into
// an object.
func asObject(dst []byte, at int) []byte {
	if len(dst) == at {
		return append(dst, "{}"...)
	}
	dst[at] = '{'
	return append(dst, '}')
}
