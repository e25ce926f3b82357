package rdap

import (
	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// The decoders below read the wire types field by field with jsonscan:
// encoding/json's reflection cost more than fetching the answer. They give
// what json.Unmarshal into the tagged wire types gives (a test compares the
// two on every real answer and on fuzzed input).

// keyBuf holds a folded key; keys longer than it still work, allocating.
type keyBuf [32]byte

func (w *wireNetwork) decode(r *jsonscan.Reader) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		folded := jsonscan.Fold(buf[:], key)
		switch string(folded) {
		case "objectclassname":
			return r.String(&w.ObjectClassName)
		case "handle":
			return r.String(&w.Handle)
		case "startaddress":
			return r.String(&w.StartAddress)
		case "endaddress":
			return r.String(&w.EndAddress)
		case "ipversion":
			return r.String(&w.IPVersion)
		case "name":
			return r.String(&w.Name)
		case "type":
			return r.String(&w.Type)
		case "country":
			return r.String(&w.Country)
		case "parenthandle":
			return r.String(&w.ParentHandle)
		case "port43":
			return r.String(&w.Port43)
		case "errorcode":
			raw, err := r.Raw()
			w.ErrorCode = raw
			return err
		}
		return w.decodeList(r, folded)
	})
}

// decodeList reads the network's array fields; folded is the folded key.
func (w *wireNetwork) decodeList(r *jsonscan.Reader, folded []byte) error {
	switch string(folded) {
	case "status":
		return r.Strings(&w.Status)
	case "events":
		return jsonscan.Slice(r, &w.Events, func(e *wireEvent) error { return e.decode(r) })
	case "entities":
		return jsonscan.Slice(r, &w.Entities, func(e *wireEntity) error { return e.decode(r) })
	case "remarks":
		return jsonscan.Slice(r, &w.Remarks, func(m *wireRemark) error { return m.decode(r) })
	case "notices":
		return jsonscan.Slice(r, &w.Notices, func(m *wireRemark) error { return m.decode(r) })
	case "links":
		return jsonscan.Slice(r, &w.Links, func(l *ipatlas.Link) error { return decodeLink(r, l) })
	case "cidr0_cidrs":
		return jsonscan.Slice(r, &w.CIDR0, func(c *wireCIDR) error { return c.decode(r) })
	case "arin_originas0_originautnums":
		return jsonscan.Slice(r, &w.OriginAS, func(as *uint32) error {
			v := uint64(*as)
			err := r.Uint(&v, 32)
			*as = uint32(v)
			return err
		})
	}
	return r.Skip()
}

func (e *wireEvent) decode(r *jsonscan.Reader) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		switch string(jsonscan.Fold(buf[:], key)) {
		case "eventaction":
			return r.String(&e.Action)
		case "eventdate":
			return r.String(&e.Date)
		case "eventactor":
			return r.String(&e.Actor)
		}
		return r.Skip()
	})
}

func (m *wireRemark) decode(r *jsonscan.Reader) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		switch string(jsonscan.Fold(buf[:], key)) {
		case "title":
			return r.String(&m.Title)
		case "description":
			return r.Strings(&m.Description)
		}
		return r.Skip()
	})
}

func (c *wireCIDR) decode(r *jsonscan.Reader) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		switch string(jsonscan.Fold(buf[:], key)) {
		case "v4prefix":
			return r.String(&c.V4)
		case "v6prefix":
			return r.String(&c.V6)
		case "length":
			v := int64(c.Length)
			err := r.Int(&v, 64)
			c.Length = int(v)
			return err
		}
		return r.Skip()
	})
}

func decodeLink(r *jsonscan.Reader, l *ipatlas.Link) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		switch string(jsonscan.Fold(buf[:], key)) {
		case "value":
			return r.String(&l.Value)
		case "rel":
			return r.String(&l.Rel)
		case "href":
			return r.String(&l.Href)
		case "type":
			return r.String(&l.Type)
		}
		return r.Skip()
	})
}

func (e *wireEntity) decode(r *jsonscan.Reader) error {
	var buf keyBuf
	return r.Object(func(key []byte) error {
		switch string(jsonscan.Fold(buf[:], key)) {
		case "handle":
			return r.String(&e.Handle)
		case "roles":
			return r.Strings(&e.Roles)
		case "status":
			return r.Strings(&e.Status)
		case "vcardarray":
			return e.VCard.decode(r)
		case "events":
			return jsonscan.Slice(r, &e.Events, func(v *wireEvent) error { return v.decode(r) })
		case "remarks":
			return jsonscan.Slice(r, &e.Remarks, func(m *wireRemark) error { return m.decode(r) })
		case "links":
			return jsonscan.Slice(r, &e.Links, func(l *ipatlas.Link) error { return decodeLink(r, l) })
		case "entities":
			return jsonscan.Slice(r, &e.Entities, func(v *wireEntity) error { return v.decode(r) })
		}
		return r.Skip()
	})
}
