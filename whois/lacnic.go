package whois

import (
	"net/netip"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// lacnicRoles are the inetnum attributes that name LACNIC contacts.
var lacnicRoles = map[string]string{
	"owner-c": ipatlas.RoleAdministrative,
	"tech-c":  ipatlas.RoleTechnical,
	"abuse-c": ipatlas.RoleAbuse,
}

// parseLACNIC reads LACNIC's answer: an inetnum block that holds the owner
// too, then a block per contact, each starting with its nic-hdl.
func parseLACNIC(name string, body []byte, query netip.Addr) (ipatlas.Network, error) {
	a, err := readAnswer(name, body)
	if err != nil {
		return ipatlas.Network{}, err
	}
	var cands []candidate
	for i, o := range a.objs {
		if o.Class() != "inetnum" && o.Class() != "inet6num" {
			continue
		}
		rg, err := parseLACNICRange(o.Key())
		if err != nil {
			return ipatlas.Network{}, a.errorAt(o.Line, "inetnum: %v", err)
		}
		cands = append(cands, candidate{obj: i, rg: rg})
	}
	c, err := a.mostSpecific(cands, query, "inetnum")
	if err != nil {
		return ipatlas.Network{}, err
	}
	return a.lacnicNetwork(c)
}

// parseLACNICRange reads LACNIC's inetnum values: prefixes with trailing
// zero octets left out ("200.57.128/19"), whole prefixes, or ranges.
func parseLACNICRange(s string) (ipatlas.Range, error) {
	if addr, bits, ok := strings.Cut(s, "/"); ok && !strings.Contains(addr, ":") {
		for n := strings.Count(addr, "."); n < 3; n++ {
			addr += ".0"
		}
		s = addr + "/" + bits
	}
	return ipatlas.ParseRange(s)
}

func (a *answer) lacnicNetwork(c candidate) (ipatlas.Network, error) {
	o := a.objs[c.obj]
	n := ipatlas.Network{Range: c.rg, CIDRs: c.rg.Prefixes(), Handle: c.rg.String(), Name: o.Get("owner"),
		Type: o.Get("status"), Country: strings.ToUpper(o.Get("country"))}
	if len(n.CIDRs) == 1 {
		n.Handle = n.CIDRs[0].String() // LACNIC keys even IPv4 networks by prefix
	}
	var err error
	if n.Events, err = a.lacnicEvents(o); err != nil {
		return n, err
	}
	if r := o.All("remarks"); len(r) > 0 {
		n.Remarks = []ipatlas.Remark{{Title: "remarks", Description: lines(r...)}}
	}
	var es entities
	if id := o.Get("ownerid"); id != "" || n.Name != "" {
		i := es.add(id, ipatlas.RoleRegistrant)
		es.list[i].Contact = ipatlas.Contact{Name: n.Name, Kind: "org", Address: strings.Join(lines(o.All("address")...), "\n"),
			Phone: lacnicPhones(o)}
	}
	for _, at := range o.Attrs {
		if role, ok := lacnicRoles[at.Name]; ok && at.Value != "" {
			es.add(at.Value, role)
		}
	}
	err = a.lacnicContacts(&es)
	n.Entities = es.list
	return n, err
}

// lacnicEvents reads created and changed (days, YYYYMMDD).
func (a *answer) lacnicEvents(o rpsl.Object) ([]ipatlas.Event, error) {
	return a.datedEvents(o, "created", "changed")
}

// lacnicPhones reads phone numbers, dropping the empty extension LACNIC
// writes after each ("+52 5554907261 []").
func lacnicPhones(o rpsl.Object) []string {
	var out []string
	for _, p := range o.All("phone") {
		out = appendNew(out, strings.TrimSpace(strings.TrimSuffix(p, "[]")))
	}
	return out
}

// lacnicContacts describes each contact from its block in the answer.
func (a *answer) lacnicContacts(es *entities) error {
	for _, o := range a.objs {
		e := es.find(o.Get("nic-hdl"))
		if e == nil || o.Get("nic-hdl") == "" || e.Contact.Kind != "" {
			continue
		}
		e.Contact = ipatlas.Contact{Name: o.Get("person"), Kind: "individual", Email: o.All("e-mail"),
			Address: strings.Join(lines(o.All("address")...), "\n"), Phone: lacnicPhones(o)}
		var err error
		if e.Events, err = a.lacnicEvents(o); err != nil {
			return err
		}
	}
	return nil
}
