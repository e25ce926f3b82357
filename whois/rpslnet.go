package whois

import (
	"bytes"
	"cmp"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// netRoles are the attributes of an inetnum that name an entity, with the
// role it plays. mnt-irt names APNIC's incident response team, the abuse
// contact there.
var netRoles = map[string]string{
	"org":     ipatlas.RoleRegistrant,
	"admin-c": ipatlas.RoleAdministrative,
	"tech-c":  ipatlas.RoleTechnical,
	"abuse-c": ipatlas.RoleAbuse,
	"mnt-irt": ipatlas.RoleAbuse,
}

// contactKinds are the RPSL classes that describe an entity, with the
// vCard kind of each.
var contactKinds = map[string]string{
	"organisation": "org",
	"role":         "group",
	"irt":          "group",
	"person":       "individual",
}

// parseRPSL reads a RIPE NCC, APNIC or AFRINIC answer.
func parseRPSL(reg ipatlas.Registry, name string, body []byte, query netip.Addr) (ipatlas.Network, error) {
	a, err := readAnswer(name, body)
	if err != nil {
		return ipatlas.Network{}, err
	}
	var cands []candidate
	for i, o := range a.objs {
		if c := o.Class(); c != "inetnum" && c != "inet6num" {
			continue
		}
		rg, err := ipatlas.ParseRange(o.Key())
		if err != nil {
			return ipatlas.Network{}, a.errorAt(o.Line, "%s: %v", o.Class(), err)
		}
		cands = append(cands, candidate{obj: i, rg: rg})
	}
	c, err := a.mostSpecific(cands, query, "inetnum or inet6num")
	if err != nil {
		return ipatlas.Network{}, err
	}
	return a.rpslNetwork(c, abuseContacts(body))
}

// rpslNetwork builds the network from the chosen inetnum and the contact
// objects of the answer.
func (a *answer) rpslNetwork(c candidate, abuse map[string]string) (ipatlas.Network, error) {
	o := a.objs[c.obj]
	n := ipatlas.Network{Range: c.rg, CIDRs: c.rg.Prefixes(), Name: o.Get("netname"), Type: o.Get("status"),
		Country: strings.ToUpper(o.Get("country"))}
	n.Handle = handleOf(c.rg, n.CIDRs)
	if p := o.Get("parent"); p != "" { // AFRINIC names the enclosing block
		n.ParentHandle = p
		if rg, err := ipatlas.ParseRange(p); err == nil {
			n.ParentHandle = handleOf(rg, rg.Prefixes())
		}
	}
	var err error
	if n.Events, err = a.rpslEvents(o); err != nil {
		return n, err
	}
	n.Remarks = rpslRemarks(o)
	var es entities
	for _, at := range o.Attrs {
		if role, ok := netRoles[at.Name]; ok && at.Value != "" {
			es.add(at.Value, role)
		}
	}
	if err := a.resolve(&es); err != nil {
		return n, err
	}
	addAbuseMail(&es, abuse[n.Range.String()])
	n.Entities = es.list
	return n, nil
}

// rpslEvents reads created and last-modified; an object older than those
// attributes has only "changed: EMAIL YYYYMMDD" lines, the latest of which
// is its last change.
func (a *answer) rpslEvents(o rpsl.Object) ([]ipatlas.Event, error) {
	var dates [2]time.Time
	for _, at := range o.Attrs {
		var slot int
		value := at.Value
		switch at.Name {
		case "created":
		case "last-modified":
			slot = 1
		case "changed":
			slot = 1
			f := strings.Fields(value)
			if len(f) < 2 {
				continue // an address without a date: nothing to learn
			}
			value = f[len(f)-1]
		default:
			continue
		}
		t, err := parseDate(value)
		if err != nil {
			return nil, a.errorAt(at.Line, "%s: %v", at.Name, err)
		}
		if at.Name != "changed" || t.After(dates[slot]) {
			dates[slot] = t
		}
	}
	return events(dates[0], dates[1]), nil
}

// rpslRemarks keeps the description (as RIPE NCC's RDAP service does, an
// untitled remark) and the remarks.
func rpslRemarks(o rpsl.Object) []ipatlas.Remark {
	var out []ipatlas.Remark
	if d := o.All("descr"); len(d) > 0 {
		out = append(out, ipatlas.Remark{Description: lines(d...)})
	}
	if r := o.All("remarks"); len(r) > 0 {
		out = append(out, ipatlas.Remark{Title: "remarks", Description: lines(r...)})
	}
	return out
}

// resolve fills in each entity's contact from the objects of the answer
// that describe it (present unless the query asked for none).
func (a *answer) resolve(es *entities) error {
	for _, o := range a.objs {
		kind, ok := contactKinds[o.Class()]
		if !ok {
			continue
		}
		handle := o.Key()
		if kind == "group" || kind == "individual" {
			handle = cmp.Or(o.Get("nic-hdl"), handle)
		}
		e := es.find(handle)
		if e == nil || e.Contact.Kind != "" {
			continue // not referenced, or described already
		}
		if err := a.describe(e, o, kind); err != nil {
			return err
		}
	}
	return nil
}

// describe fills e from the RPSL object that describes it.
func (a *answer) describe(e *ipatlas.Entity, o rpsl.Object, kind string) error {
	c := ipatlas.Contact{Kind: kind, Name: o.Key(), Phone: appendNew(nil, o.All("phone")...)}
	switch o.Class() {
	case "organisation":
		c.Name = o.Get("org-name")
	case "irt":
		c.Name = o.Key()
	}
	c.Address = strings.Join(lines(o.All("address")...), "\n")
	c.Email = appendNew(appendNew(nil, o.All("e-mail")...), o.All("abuse-mailbox")...)
	e.Contact = c
	var err error
	e.Events, err = a.rpslEvents(o)
	return err
}

// abuseContacts reads the comment lines RIPE-style servers print above a
// network, "% Abuse contact for 'RANGE' is 'EMAIL'", keyed by the range
// in Range.String form.
func abuseContacts(body []byte) map[string]string {
	const prefix = "% Abuse contact for '"
	out := map[string]string{}
	for _, line := range bytes.Split(body, []byte{'\n'}) {
		rest, ok := strings.CutPrefix(strings.TrimRight(string(line), "\r"), prefix)
		if !ok {
			continue
		}
		key, tail, ok := strings.Cut(rest, "' is '")
		mail, _, closed := strings.Cut(tail, "'")
		rg, err := ipatlas.ParseRange(key)
		if !ok || !closed || err != nil || mail == "" {
			continue
		}
		out[rg.String()] = mail
	}
	return out
}

// addAbuseMail gives the network's abuse contact its address: the entity
// in the abuse role, or, when the network names none (the abuse contact is
// its organisation's), an entity of its own without a handle.
func addAbuseMail(es *entities, mail string) {
	if mail == "" {
		return
	}
	for i := range es.list {
		if e := &es.list[i]; e.HasRole(ipatlas.RoleAbuse) {
			e.Contact.Email = appendNew(e.Contact.Email, mail)
			return
		}
	}
	i := es.add("", ipatlas.RoleAbuse)
	es.list[i].Contact.Email = []string{mail}
}

// placeholders are the network names RPSL servers answer with for space
// another registry holds.
var placeholders = map[string]bool{
	"NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK": true,
	"IANA-BLOCK":                         true,
	"IANA-BLK":                           true,
	"IANA-NETBLOCK":                      true,
}

// IsPlaceholder reports whether n is an RPSL server's stand-in for space
// it does not hold (RIPE NCC's NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK, APNIC's
// IANA-BLOCK, AFRINIC's IANA-BLK), not a registration.
func IsPlaceholder(n ipatlas.Network) bool { return placeholders[strings.ToUpper(n.Name)] }
