package analytics

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// decoder reads record payloads for FromRecord. A snapshot repeats a few
// values endlessly (five registries, some two hundred countries, a few
// dozen types, a holder per organisation), so the decoder reads values
// without copying them and keeps one string of each: decoding allocates
// little more than the strings that are new. The zero value copies every
// string; a decoder is not safe for concurrent use.
type decoder struct {
	strs   map[string]string // nil: no sharing
	status []byte            // the status values being joined
}

// str is b as a string, the one kept when there is one.
func (d *decoder) str(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.strs != nil {
		d.strs[s] = s
	}
	return s
}

// block reads one record (see FromRecord).
func (d *decoder) block(rec ipatlas.Record) (Block, error) {
	b := Block{Range: rec.Range}
	var registry, org, holder []byte
	var nested [][]byte
	d.status = d.status[:0]
	r := jsonscan.New(rec.Payload)
	err := r.Object(func(key []byte) (err error) {
		switch string(key) {
		case "registry":
			registry, err = r.OptBytes()
		case "country":
			b.Country, err = d.optStr(r)
		case "type":
			b.Type, err = d.optStr(r)
		case "org":
			org, err = r.OptBytes()
		case "status":
			err = d.readStatus(r)
		case "entities":
			holder, nested, err = entitiesOf(r)
		default:
			err = r.Skip()
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return b, fmt.Errorf("record %s: payload: %w", rec.Range, err)
	}
	b.Registry, b.Status = d.registry(registry), d.str(d.status)
	if holder == nil {
		holder = registrant(nested)
	}
	if b.Holder = d.str(org); b.Holder == "" {
		b.Holder = d.str(holder)
	}
	return b, nil
}

// optStr reads a string as the one kept, and skips any other value: a
// Whip file's fields are whatever its writer chose.
func (d *decoder) optStr(r *jsonscan.Reader) (string, error) {
	b, err := r.OptBytes()
	return d.str(b), err
}

// readStatus joins a status string, or a list of them, with ",".
func (d *decoder) readStatus(r *jsonscan.Reader) error {
	return r.EachString(func(v []byte) {
		if len(d.status) > 0 {
			d.status = append(d.status, ',')
		}
		d.status = append(d.status, v...)
	})
}

// registry normalises a registry name ("RIPE NCC" is ripencc); a name
// that is no RIR's is kept as written, lower case, to be counted apart.
func (d *decoder) registry(b []byte) ipatlas.Registry {
	for _, r := range ipatlas.Registries() {
		if string(b) == string(r) {
			return r
		}
	}
	if r, err := ipatlas.ParseRegistry(string(b)); err == nil {
		return r
	}
	return ipatlas.Registry(d.str(bytes.ToLower(bytes.TrimSpace(b))))
}

// entitiesOf reads an entities list: the name of the first entity in it
// with the registrant role (nil when none has it), and the entity lists
// nested in its entities, as raw JSON, for registrant to look in next.
func entitiesOf(r *jsonscan.Reader) (found []byte, nested [][]byte, err error) {
	if r.Kind() != '[' {
		return nil, nil, r.Skip()
	}
	err = r.Array(func(int) error {
		e, err := readEntity(r)
		if found == nil && e.registrant {
			found = firstNonEmpty(e.org, e.name, e.handle)
		}
		if e.entities != nil {
			nested = append(nested, e.entities)
		}
		return err
	})
	return found, nested, err
}

// registrant names the first entity with the registrant role, level by
// level down from the lists given: a network's own registrant comes
// before one nested under another entity (RIPE NCC hangs a maintainer
// with the registrant role under the abuse contact). The lists were
// checked when the payload was read.
func registrant(level [][]byte) []byte {
	for len(level) > 0 {
		var next [][]byte
		for _, list := range level {
			found, nested, _ := entitiesOf(jsonscan.New(list))
			if found != nil {
				return found
			}
			next = append(next, nested...)
		}
		level = next
	}
	return nil
}

// entity is what entitiesOf reads of an RDAP entity; the byte slices
// alias the payload.
type entity struct {
	handle, name, org, entities []byte
	registrant                  bool
}

// readEntity reads an entity (anything else reads as no entity); its
// nested entities are left as raw JSON for the next level.
func readEntity(r *jsonscan.Reader) (entity, error) {
	var e entity
	if r.Kind() != '{' {
		return e, r.Skip()
	}
	err := r.Object(func(key []byte) (err error) {
		switch string(key) {
		case "handle":
			e.handle, err = r.OptBytes()
		case "roles":
			e.registrant, err = hasRegistrant(r)
		case "contact":
			e.name, e.org, err = readContact(r)
		case "entities":
			e.entities, err = rawArray(r)
		default:
			err = r.Skip()
		}
		return err
	})
	return e, err
}

// readContact reads a contact's name and organisation.
func readContact(r *jsonscan.Reader) (name, org []byte, err error) {
	if r.Kind() != '{' {
		return nil, nil, r.Skip()
	}
	err = r.Object(func(key []byte) (err error) {
		switch string(key) {
		case "name":
			name, err = r.OptBytes()
		case "org":
			org, err = r.OptBytes()
		default:
			err = r.Skip()
		}
		return err
	})
	return name, org, err
}

// hasRegistrant reads a roles list (or one role) and reports whether it
// has the registrant role (RFC 9083 §10.2.4).
func hasRegistrant(r *jsonscan.Reader) (bool, error) {
	found := false
	err := r.EachString(func(v []byte) {
		found = found || strings.EqualFold(string(v), ipatlas.RoleRegistrant)
	})
	return found, err
}

// rawArray passes over an array and returns its text (an alias of the
// input), for a later level of registrant to read; any other value is
// skipped, and nil.
func rawArray(r *jsonscan.Reader) ([]byte, error) {
	if r.Kind() != '[' {
		return nil, r.Skip()
	}
	return r.Raw()
}

func firstNonEmpty(bs ...[]byte) []byte {
	for _, b := range bs {
		if len(b) > 0 {
			return b
		}
	}
	return []byte{}
}
