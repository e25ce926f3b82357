package serve

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
)

// whoisColumn is where values start, as in the RIPE database's answers.
const whoisColumn = 16

// whoisText is an answer being written: comments ("% …") and RPSL
// objects, lines ending in LF as the RIPE database's do (RFC 3912 leaves
// the answer's form to the server).
type whoisText struct {
	b    []byte
	seen map[string]bool // contact objects written, by upper-cased handle
	objs int             // objects written
}

func (t *whoisText) line(s string) { t.b = append(append(t.b, s...), '\n') }

// comment writes "% " and s; "" writes a bare "%".
func (t *whoisText) comment(s string) {
	if s == "" {
		t.line("%")
		return
	}
	t.line(strings.TrimRight("% "+whoisClean(s), " "))
}

// object writes an RPSL object and the blank line after it: one line per
// line of each value, attributes with no value left out.
func (t *whoisText) object(o rpslObject) {
	for _, a := range o.attrs {
		for _, v := range strings.Split(a[1], "\n") {
			if v = strings.TrimSpace(whoisClean(v)); v == "" {
				continue
			}
			t.line(a[0] + ":" + strings.Repeat(" ", max(whoisColumn-len(a[0])-1, 1)) + v)
		}
	}
	t.line("")
	t.objs++
}

// whoisClean makes text one safe line: control characters (a record's
// data is the registries', not ours) become spaces.
func whoisClean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// rpslObject is an object to write: its class is its first attribute's
// name.
type rpslObject struct{ attrs [][2]string }

func (o *rpslObject) add(name string, values ...string) {
	for _, v := range values {
		o.attrs = append(o.attrs, [2]string{name, v})
	}
}

func (o *rpslObject) class() string { return o.attrs[0][0] }

// rpslKey is a network's primary key as the RIPE database writes it: the
// range "a - b" for an inetnum, the prefix for an inet6num that is one.
func rpslKey(rg ipatlas.Range) string {
	if ps := rg.Prefixes(); !rg.Is4() && len(ps) == 1 {
		return ps[0].String()
	}
	return rg.String()
}

func rpslClass(rg ipatlas.Range) string {
	if rg.Is4() {
		return "inetnum"
	}
	return "inet6num"
}

// whoisRoleAttrs are the inetnum attributes that name a contact, with the
// role (RFC 9083 §10.2.4) each names.
var whoisRoleAttrs = [...]struct{ attr, role string }{
	{"org", ipatlas.RoleRegistrant}, {"admin-c", ipatlas.RoleAdministrative},
	{"tech-c", ipatlas.RoleTechnical}, {"abuse-c", ipatlas.RoleAbuse},
}

// whoisContacts are a network's entities in each of whoisRoleAttrs' roles: its
// own, or, in a role it names none in, its holder's, as ARIN publishes
// points of contact on the organisation rather than on the network.
type whoisContacts [len(whoisRoleAttrs)][]ipatlas.Entity

func whoisContactsOf(es []ipatlas.Entity) whoisContacts {
	var c whoisContacts
	for i, ra := range whoisRoleAttrs {
		c[i] = whoisWithRole(es, ra.role)
	}
	for i := 1; i < len(c); i++ {
		for _, h := range c[0] {
			if len(c[i]) == 0 {
				c[i] = whoisWithRole(h.Entities, whoisRoleAttrs[i].role)
			}
		}
	}
	return c
}

func whoisWithRole(es []ipatlas.Entity, role string) []ipatlas.Entity {
	var out []ipatlas.Entity
	for _, e := range es {
		if e.HasRole(role) {
			out = append(out, e)
		}
	}
	return out
}

// abuseMail is the first address of the network's abuse contact.
func (c *whoisContacts) abuseMail() string {
	for _, e := range c[3] {
		if len(e.Contact.Email) > 0 {
			return e.Contact.Email[0]
		}
	}
	return ""
}

// holderName is the holder's name: its registrant's, or a loaded range's
// "org".
func (n *whoisNet) holderName(c *whoisContacts) string {
	for _, e := range c[0] {
		if name := cmp.Or(e.Contact.Name, e.Contact.Org); name != "" {
			return name
		}
	}
	return n.org
}

// netObject is the network as an inetnum or inet6num, in the RIPE
// database's attribute order. Attributes the RIPE database does not have
// carry what other registries publish: nethandle (ARIN's and LACNIC's
// handles, which are not the range), org-name (the holder, which RIPE
// puts on the organisation object only), origin and parent.
func (n *whoisNet) netObject(c *whoisContacts) rpslObject {
	var o rpslObject
	key := rpslKey(n.rg)
	o.add(rpslClass(n.rg), key)
	if h := n.net.Handle; h != "" && h != key {
		o.add("nethandle", h)
	}
	o.add("netname", n.net.Name)
	for _, r := range n.net.Remarks {
		if r.Title == "" || strings.EqualFold(r.Title, "description") {
			o.add("descr", r.Description...)
		}
	}
	o.add("country", strings.ToUpper(n.net.Country))
	for i, ra := range whoisRoleAttrs {
		for _, e := range c[i] {
			o.add(ra.attr, e.Handle)
		}
		if i == 0 {
			o.add("org-name", n.holderName(c))
		}
	}
	o.add("status", cmp.Or(n.net.Type, strings.Join(n.net.Status, ", ")))
	for _, as := range n.net.OriginAS {
		o.add("origin", "AS"+strconv.FormatUint(uint64(as), 10))
	}
	o.add("parent", n.net.ParentHandle)
	n.remarks(&o)
	for _, ev := range [...]struct{ attr, action string }{{"created", ipatlas.EventRegistration}, {"last-modified", ipatlas.EventLastChanged}} {
		if d := n.net.EventDate(ev.action); !d.IsZero() {
			o.add(ev.attr, d.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	o.add("source", n.source())
	return o
}

// remarks adds the titled remarks, a line with the title first, and the
// record's other fields as "name: value".
func (n *whoisNet) remarks(o *rpslObject) {
	for _, r := range n.net.Remarks {
		if r.Title == "" || strings.EqualFold(r.Title, "description") {
			continue
		}
		if !strings.EqualFold(r.Title, "remarks") {
			o.add("remarks", r.Title)
		}
		o.add("remarks", r.Description...)
	}
	for _, kv := range n.extra {
		o.add("remarks", kv[0]+": "+kv[1])
	}
}

// contactObjects are the organisation, role and person objects for the
// contacts a network names, as the RIPE database adds them unless -r:
// each once per answer, and only those there is something to tell of.
func (n *whoisNet) contactObjects(c *whoisContacts, seen map[string]bool) []rpslObject {
	var out []rpslObject
	for i := range c {
		for _, e := range c[i] {
			key := strings.ToUpper(e.Handle)
			if key == "" || seen[key] || e.Contact.Name == "" && e.Contact.Org == "" && e.Contact.Address == "" &&
				len(e.Contact.Phone) == 0 && len(e.Contact.Email) == 0 {
				continue
			}
			seen[key] = true
			out = append(out, n.contactObject(e, i == 0, e.HasRole(ipatlas.RoleAbuse) || i == 3))
		}
	}
	return out
}

// contactObject writes an entity as RPSL: an organisation for a holder,
// a person for an individual, a role for the rest.
func (n *whoisNet) contactObject(e ipatlas.Entity, holder, abuse bool) rpslObject {
	var o rpslObject
	ct := e.Contact
	switch {
	case holder && ct.Kind != "individual":
		o.add("organisation", e.Handle)
		o.add("org-name", cmp.Or(ct.Name, ct.Org))
	case ct.Kind == "individual":
		o.add("person", cmp.Or(ct.Name, e.Handle))
	default:
		o.add("role", cmp.Or(ct.Name, e.Handle))
	}
	o.add("address", ct.Address)
	o.add("phone", ct.Phone...)
	o.add("e-mail", ct.Email...)
	if abuse && o.class() != "organisation" {
		o.add("abuse-mailbox", ct.Email...)
	}
	if o.class() != "organisation" {
		o.add("nic-hdl", e.Handle)
	}
	o.add("source", n.source())
	return o
}
