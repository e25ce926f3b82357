package rdap

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas"
)

// parseVCard reads a jCard (RFC 7095): ["vcard", [[name, params, type,
// value…], …]]. Registries differ: ARIN, RIPE NCC and APNIC put the postal
// address in the adr "label" parameter, LACNIC and AFRINIC in its
// components; AFRINIC writes tel as a tel: URI.
func parseVCard(field string, raw json.RawMessage) (ipatlas.Contact, error) {
	var c ipatlas.Contact
	if len(raw) == 0 || string(raw) == "null" {
		return c, nil
	}
	var top []json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || len(top) != 2 || string(top[0]) != `"vcard"` {
		return c, perr(field, `want ["vcard", [properties…]]`)
	}
	var props [][]json.RawMessage
	if err := json.Unmarshal(top[1], &props); err != nil {
		return c, perr(field+"[1]", "want an array of properties")
	}
	for i, p := range props {
		if len(p) < 4 {
			return c, perr(fmt.Sprintf("%s[1][%d]", field, i), "want [name, parameters, type, value]")
		}
		var name string
		if err := json.Unmarshal(p[0], &name); err != nil {
			return c, perr(fmt.Sprintf("%s[1][%d][0]", field, i), "want a property name")
		}
		addProperty(&c, strings.ToLower(name), p[1], p[3:])
	}
	return c, nil
}

func addProperty(c *ipatlas.Contact, name string, params json.RawMessage, values []json.RawMessage) {
	switch name {
	case "fn":
		c.Name = text(values[0])
	case "kind":
		c.Kind = text(values[0])
	case "org":
		c.Org = text(values[0])
	case "adr":
		c.Address = address(params, values[0])
	case "tel":
		if t := strings.TrimPrefix(text(values[0]), "tel:"); t != "" {
			c.Phone = append(c.Phone, t)
		}
	case "email":
		if m := text(values[0]); m != "" {
			c.Email = append(c.Email, m)
		}
	}
}

// text reads a value that is a string, or an array whose first string is
// taken (org may be structured).
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) == nil {
		for _, p := range parts {
			if t := text(p); t != "" {
				return t
			}
		}
	}
	return ""
}

// address prefers the label parameter, else joins the components.
func address(params, value json.RawMessage) string {
	var p struct {
		Label json.RawMessage `json:"label"`
	}
	if json.Unmarshal(params, &p) == nil {
		if l := text(p.Label); strings.TrimSpace(l) != "" {
			return l
		}
	}
	var comps []json.RawMessage
	if json.Unmarshal(value, &comps) != nil {
		return text(value)
	}
	var lines []string
	for _, c := range comps {
		if t := strings.Join(strings.Fields(joined(c)), " "); t != "" {
			lines = append(lines, joined(c))
		}
	}
	return strings.Join(lines, "\n")
}

// joined is a component that may itself be an array of strings.
func joined(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	if json.Unmarshal(raw, &parts) == nil {
		return strings.Join(parts, "\n")
	}
	return ""
}
