package rdap

import (
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// jcard is an entity's vcardArray (a jCard, RFC 7095: ["vcard",
// [[name, params, type, value…], …]]) read in the same pass as the answer:
// the contact, or the first thing wrong with it.
//
// Registries differ: ARIN, RIPE NCC and APNIC put the postal address in the
// adr "label" parameter, LACNIC and AFRINIC in its components; AFRINIC
// writes tel as a tel: URI.
type jcard struct {
	contact ipatlas.Contact
	bad     *ParseError // Field is relative to vcardArray
	buf     [16]byte    // room to lower a property name
}

// decode reads a vcardArray. Only JSON syntax errors stop the scanner; a
// jCard of the wrong shape is recorded in j.bad, the outer shape before the
// properties', so the answer is still read to its end.
func (j *jcard) decode(r *jsonscan.Reader) error {
	*j = jcard{}
	if r.Kind() != '[' {
		if null, err := r.Null(); null || err != nil {
			return err
		}
		j.bad = perr("", `want ["vcard", [properties…]]`)
		return r.Skip()
	}
	var shapeOK, propsOK bool
	n := 0
	err := r.Array(func(i int) error {
		n++
		switch i {
		case 0:
			if r.Kind() != '"' {
				return r.Skip()
			}
			tag, err := r.Bytes()
			shapeOK = string(tag) == "vcard"
			return err
		case 1:
			propsOK = r.Kind() == '['
			if !propsOK {
				return r.Skip()
			}
			return r.Array(j.property(r))
		}
		return r.Skip()
	})
	switch {
	case !shapeOK || n != 2:
		j.bad = perr("", `want ["vcard", [properties…]]`)
	case !propsOK:
		j.bad = perr("[1]", "want an array of properties")
	}
	return err
}

// property returns the reader of the i-th property: [name, params, type,
// value…]. Only adr's "label" parameter and the values of the properties a
// contact keeps are decoded; the rest is checked and skipped.
func (j *jcard) property(r *jsonscan.Reader) func(i int) error {
	return func(i int) error {
		if r.Kind() != '[' {
			j.fail(perr(fmt.Sprintf("[1][%d]", i), "want [name, parameters, type, value]"))
			return r.Skip()
		}
		var name string
		var nameOK bool
		var label, value any
		n := 0
		err := r.Array(func(k int) error {
			n++
			switch {
			case k == 0:
				if r.Kind() != '"' {
					return r.Skip()
				}
				b, err := r.Bytes()
				name, nameOK = contactProperties[string(jsonscan.Fold(j.buf[:0], b))], err == nil
				return err
			case k == 1 && name == "adr":
				return readLabel(r, &label)
			case k == 3 && name != "":
				v, err := r.Any()
				value = v
				return err
			}
			return r.Skip()
		})
		switch {
		case n < 4:
			j.fail(perr(fmt.Sprintf("[1][%d]", i), "want [name, parameters, type, value]"))
		case !nameOK:
			j.fail(perr(fmt.Sprintf("[1][%d][0]", i), "want a property name"))
		case j.bad == nil:
			addProperty(&j.contact, name, label, value)
		}
		return err
	}
}

// fail records the first thing wrong with the properties.
func (j *jcard) fail(e *ParseError) {
	if j.bad == nil {
		j.bad = e
	}
}

// readLabel reads a parameters object, keeping its "label" (the last, if
// repeated; parameter names are matched exactly).
func readLabel(r *jsonscan.Reader, label *any) error {
	if r.Kind() != '{' {
		return r.Skip()
	}
	return r.Object(func(key []byte) error {
		if string(key) != "label" {
			return r.Skip()
		}
		v, err := r.Any()
		*label = v
		return err
	})
}

// contactProperties maps the lowered names of the properties a contact
// keeps to themselves, so reading a name allocates nothing; any other name
// looks up as "", which no property needs.
var contactProperties = map[string]string{"fn": "fn", "kind": "kind", "org": "org", "adr": "adr", "tel": "tel", "email": "email"}

// result is the contact, or the error with its full field name.
func (j *jcard) result(field string) (ipatlas.Contact, error) {
	if j.bad != nil {
		return ipatlas.Contact{}, &ParseError{Field: field + j.bad.Field, Msg: j.bad.Msg}
	}
	return j.contact, nil
}

func addProperty(c *ipatlas.Contact, name string, label, value any) {
	switch name {
	case "fn":
		c.Name = text(value)
	case "kind":
		c.Kind = text(value)
	case "org":
		c.Org = text(value)
	case "adr":
		c.Address = address(label, value)
	case "tel":
		if t := strings.TrimPrefix(text(value), "tel:"); t != "" {
			c.Phone = append(c.Phone, t)
		}
	case "email":
		if m := text(value); m != "" {
			c.Email = append(c.Email, m)
		}
	}
}

// text reads a value that is a string, or an array whose first non-empty
// string is taken (org may be structured).
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		for _, p := range t {
			if s := text(p); s != "" {
				return s
			}
		}
	}
	return ""
}

// address prefers the label parameter, else joins the non-empty components
// (a component may itself be an array of strings).
func address(label, value any) string {
	if l := text(label); strings.TrimSpace(l) != "" {
		return l
	}
	comps, ok := value.([]any)
	if !ok {
		return text(value)
	}
	var lines []string
	for _, c := range comps {
		if j := joined(c); strings.TrimSpace(j) != "" {
			lines = append(lines, j)
		}
	}
	return strings.Join(lines, "\n")
}

func joined(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, p := range t {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}
