package rdap

import (
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas"
)

// parseVCard reads a jCard (RFC 7095): ["vcard", [[name, params, type,
// value…], …]], decoded generically with the rest of the answer.
// Registries differ: ARIN, RIPE NCC and APNIC put the postal address in the
// adr "label" parameter, LACNIC and AFRINIC in its components; AFRINIC
// writes tel as a tel: URI.
func parseVCard(field string, v any) (ipatlas.Contact, error) {
	var c ipatlas.Contact
	if v == nil {
		return c, nil
	}
	top, ok := v.([]any)
	if !ok || len(top) != 2 || top[0] != "vcard" {
		return c, perr(field, `want ["vcard", [properties…]]`)
	}
	props, ok := top[1].([]any)
	if !ok {
		return c, perr(field+"[1]", "want an array of properties")
	}
	for i, p := range props {
		prop, ok := p.([]any)
		if !ok || len(prop) < 4 {
			return c, perr(fmt.Sprintf("%s[1][%d]", field, i), "want [name, parameters, type, value]")
		}
		name, ok := prop[0].(string)
		if !ok {
			return c, perr(fmt.Sprintf("%s[1][%d][0]", field, i), "want a property name")
		}
		addProperty(&c, strings.ToLower(name), prop[1], prop[3])
	}
	return c, nil
}

func addProperty(c *ipatlas.Contact, name string, params, value any) {
	switch name {
	case "fn":
		c.Name = text(value)
	case "kind":
		c.Kind = text(value)
	case "org":
		c.Org = text(value)
	case "adr":
		c.Address = address(params, value)
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
func address(params, value any) string {
	if pm, ok := params.(map[string]any); ok {
		if l := text(pm["label"]); strings.TrimSpace(l) != "" {
			return l
		}
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
