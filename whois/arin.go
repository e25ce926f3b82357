package whois

import (
	"cmp"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// arinRecord is one network of an ARIN answer with the blocks that follow
// it: its organisation (or customer) and points of contact.
type arinRecord struct {
	net  rpsl.Object
	org  *rpsl.Object
	pocs []rpsl.Object
}

// pocRoles maps the prefix of a point-of-contact block ("OrgAbuseHandle:"
// starts an OrgAbuse block) to the role it plays; Org* contacts belong to
// the organisation, R* contacts to the network itself.
var pocRoles = map[string]string{
	"orgabuse": ipatlas.RoleAbuse, "orgtech": ipatlas.RoleTechnical, "orgnoc": ipatlas.RoleNOC,
	"orgadmin": ipatlas.RoleAdministrative, "orgrouting": "routing", "orgdns": "dns",
	"rabuse": ipatlas.RoleAbuse, "rtech": ipatlas.RoleTechnical, "rnoc": ipatlas.RoleNOC,
}

// parseARIN reads ARIN's answer to "n + ADDR": one or more networks, less
// specific first, each with its organisation and contacts.
func parseARIN(name string, body []byte, query netip.Addr) (ipatlas.Network, error) {
	a, err := readAnswer(name, body)
	if err != nil {
		return ipatlas.Network{}, err
	}
	var recs []arinRecord
	var cands []candidate
	for _, o := range a.objs {
		switch c := o.Class(); {
		case c == "netrange":
			rg, err := ipatlas.ParseRange(o.Key())
			if err != nil {
				return ipatlas.Network{}, a.errorAt(o.Line, "NetRange: %v", err)
			}
			cands = append(cands, candidate{obj: len(recs), rg: rg})
			recs = append(recs, arinRecord{net: o})
		case len(recs) == 0:
		case c == "orgname" || c == "custname":
			recs[len(recs)-1].org = &o
		case strings.HasSuffix(c, "handle") && pocRoles[strings.TrimSuffix(c, "handle")] != "":
			recs[len(recs)-1].pocs = append(recs[len(recs)-1].pocs, o)
		}
	}
	c, err := a.mostSpecific(cands, query, "NetRange")
	if err != nil {
		return ipatlas.Network{}, err
	}
	return a.arinNetwork(recs[c.obj], c.rg)
}

func (a *answer) arinNetwork(rec arinRecord, rg ipatlas.Range) (ipatlas.Network, error) {
	o := rec.net
	n := ipatlas.Network{Range: rg, Handle: o.Get("nethandle"), Name: o.Get("netname"), Type: o.Get("nettype"),
		ParentHandle: inParens(o.Get("parent")), Country: strings.ToUpper(o.Get("country"))}
	var err error
	if n.CIDRs, err = a.arinCIDRs(o); err != nil {
		return n, err
	}
	if n.OriginAS, err = a.originAS(o); err != nil {
		return n, err
	}
	if n.Events, err = a.arinEvents(o); err != nil {
		return n, err
	}
	if c := o.All("comment"); len(c) > 0 {
		n.Remarks = []ipatlas.Remark{{Description: lines(c...)}}
	}
	n.Entities, err = a.arinEntities(rec)
	if n.Country == "" && rec.org != nil {
		// ARIN writes the country on the organisation only.
		n.Country = strings.ToUpper(rec.org.Get("country"))
	}
	return n, err
}

// inParens is the handle ARIN writes in parentheses after a name:
// "NET74 (NET-74-0-0-0-0)", "Google LLC (GOGL)".
func inParens(s string) string {
	open, end := strings.LastIndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return ""
	}
	return strings.TrimSpace(s[open+1 : end])
}

// arinCIDRs reads "CIDR: 206.41.110.0/24, 206.41.111.0/25".
func (a *answer) arinCIDRs(o rpsl.Object) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, at := range o.Attrs {
		if at.Name != "cidr" {
			continue
		}
		for _, f := range strings.FieldsFunc(at.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, a.errorAt(at.Line, "CIDR %q: not a prefix", f)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// originAS reads "OriginAS: AS15169, AS36040"; ARIN often leaves it empty.
func (a *answer) originAS(o rpsl.Object) ([]uint32, error) {
	var out []uint32
	for _, at := range o.Attrs {
		if at.Name != "originas" {
			continue
		}
		for _, f := range strings.FieldsFunc(at.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
			v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(f), "AS"), 10, 32)
			if err != nil {
				return nil, a.errorAt(at.Line, "OriginAS %q: not an AS number", f)
			}
			out = append(out, uint32(v))
		}
	}
	return out, nil
}

// arinEvents reads RegDate and Updated (days, YYYY-MM-DD).
func (a *answer) arinEvents(o rpsl.Object) ([]ipatlas.Event, error) {
	return a.datedEvents(o, "regdate", "updated")
}

// datedEvents reads an object's registration and last-changed dates from
// the attributes each registry names them by.
func (a *answer) datedEvents(o rpsl.Object, registered, changed string) ([]ipatlas.Event, error) {
	var dates [2]time.Time
	for _, at := range o.Attrs {
		slot := map[string]int{registered: 1, changed: 2}[at.Name] - 1
		if slot < 0 || at.Value == "" {
			continue
		}
		t, err := parseDate(at.Value)
		if err != nil {
			return nil, a.errorAt(at.Line, "%s: %v", at.Name, err)
		}
		dates[slot] = t
	}
	return events(dates[0], dates[1]), nil
}

// arinEntities builds the organisation, its contacts under it, and the
// network's own contacts beside it.
func (a *answer) arinEntities(rec arinRecord) ([]ipatlas.Entity, error) {
	var top, under entities
	for _, p := range rec.pocs {
		prefix := strings.TrimSuffix(p.Class(), "handle")
		dst := &top
		if strings.HasPrefix(prefix, "org") {
			dst = &under
		}
		i := dst.add(p.Key(), pocRoles[prefix])
		c := &dst.list[i].Contact
		c.Name = cmp.Or(c.Name, p.Get(prefix+"name"))
		c.Phone = appendNew(c.Phone, p.All(prefix+"phone")...)
		c.Email = appendNew(c.Email, p.All(prefix+"email")...)
	}
	org, err := a.arinOrg(rec)
	if err != nil || org.Handle == "" && org.Contact.Name == "" {
		return top.list, err
	}
	org.Entities = under.list
	return append([]ipatlas.Entity{org}, top.list...), nil
}

// arinOrg is the network's holder: its OrgName (or CustName) block, or,
// without one, the name and handle the network's Organization (Customer)
// line gives.
func (a *answer) arinOrg(rec arinRecord) (ipatlas.Entity, error) {
	line := cmp.Or(rec.net.Get("organization"), rec.net.Get("customer"))
	org := ipatlas.Entity{Handle: inParens(line), Roles: []string{ipatlas.RoleRegistrant}}
	if open := strings.LastIndexByte(line, '('); open >= 0 {
		org.Contact = ipatlas.Contact{Name: strings.TrimSpace(line[:open]), Kind: "org"}
	}
	if rec.org == nil {
		return org, nil
	}
	o := *rec.org
	org.Handle = cmp.Or(o.Get("orgid"), org.Handle)
	org.Contact = ipatlas.Contact{Name: o.Key(), Kind: "org", Address: arinAddress(o)}
	var err error
	org.Events, err = a.arinEvents(o)
	return org, err
}

// arinAddress joins the postal address ARIN spreads over several
// attributes, one line each.
func arinAddress(o rpsl.Object) string {
	parts := lines(o.All("address")...)
	for _, name := range []string{"city", "stateprov", "postalcode", "country"} {
		if v := o.Get(name); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "\n")
}
