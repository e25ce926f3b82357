package regsim

import (
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
)

// WhoisNetwork returns the network as its registry's WHOIS answer to the
// crawler's query gives it: exactly what a perfect parse of that answer
// yields. WHOIS carries less than RDAP: no status, notices or links; ARIN
// and LACNIC dates as days; and from the RPSL registries, asked with -r,
// contacts as handles and roles, with only the abuse address their servers
// print above the network. A crawl over WHOIS is checked against it:
//
//	w.CheckView(got, regsim.View{Render: w.WhoisNetwork})
func (w *World) WhoisNetwork(r NetRef) ipatlas.Network {
	n := w.node(r)
	reg := registries[n.reg]
	o := w.org(n.org, n.reg)
	rg := w.Range(r)
	net := ipatlas.Network{Registry: reg, Range: rg, Handle: whoisHandle(reg, rg, w.Handle(r)),
		Name: netName(reg, n, o, r.is4), Type: netType(reg, n, r.is4), Country: string(n.cc[:]),
		CIDRs: rg.Prefixes(), Port43: profiles[reg].port43}
	switch reg {
	case ipatlas.ARIN:
		w.arinWhois(&net, r, n, o)
	case ipatlas.LACNIC:
		net.Events = dayEvents(netEvents(reg, n))
		net.Entities = w.lacnicWhoisEntities(o)
	default:
		w.rpslWhois(&net, r, n, o)
	}
	return net
}

// whoisHandle is how each registry keys a network in WHOIS: ARIN by its
// NET- handle, LACNIC by prefix, the RPSL registries by their inetnum key
// ("a - b" for IPv4, the prefix for IPv6).
func whoisHandle(reg ipatlas.Registry, rg ipatlas.Range, arin string) string {
	switch {
	case reg == ipatlas.ARIN:
		return arin
	case reg == ipatlas.LACNIC || !rg.Is4():
		if ps := rg.Prefixes(); len(ps) == 1 {
			return ps[0].String()
		}
	}
	return rg.String()
}

// arinWhois fills in what ARIN's "n +" answer adds: the parent, origin AS,
// the organisation's country, days of registration and change, the
// registration comment, and the organisation with its points of contact.
func (w *World) arinWhois(net *ipatlas.Network, r NetRef, n node, o org) {
	net.Type = titleCase(net.Type)
	net.Country = o.cc
	net.ParentHandle = w.parentHandle(r)
	net.OriginAS = []uint32{originAS(o.id)}
	net.Events = dayEvents(orderEvents(netEvents(ipatlas.ARIN, n)))
	net.Remarks = []ipatlas.Remark{{Description: []string{"For abuse reports please contact abuse@" + o.Domain()}}}
	orgE := w.entity(o, entityOrg)
	orgE.Events = dayEvents(orderEvents(orgE.Events))
	orgE.Entities = []ipatlas.Entity{poc(w.entity(o, entityAbuse))}
	if _, withTech := contactsOf(n); withTech {
		orgE.Entities = append(orgE.Entities, poc(w.entity(o, entityTech)))
	}
	net.Entities = []ipatlas.Entity{orgE}
}

// poc is an ARIN point of contact as WHOIS lists it: handle, name, phone
// and e-mail.
func poc(e ipatlas.Entity) ipatlas.Entity {
	c := e.Contact
	return ipatlas.Entity{Handle: e.Handle, Roles: e.Roles, Contact: ipatlas.Contact{Name: c.Name, Phone: c.Phone, Email: c.Email}}
}

// rpslWhois fills in what the RPSL registries' "-r" answers add: RIPE
// NCC's creation and change times, APNIC's change time, AFRINIC's parent
// block, the description, and the referenced contacts by handle.
func (w *World) rpslWhois(net *ipatlas.Network, r NetRef, n node, o org) {
	reg := net.Registry
	switch reg {
	case ipatlas.RIPENCC:
		net.Events = orderEvents([]ipatlas.Event{
			{Action: ipatlas.EventRegistration, Date: eventTime(reg, n.regDay, n.last.Lo)},
			{Action: ipatlas.EventLastChanged, Date: eventTime(reg, n.chgDay, n.first.Lo)}})
	case ipatlas.APNIC:
		net.Events = []ipatlas.Event{{Action: ipatlas.EventLastChanged, Date: eventTime(reg, n.chgDay, n.first.Lo)}}
	case ipatlas.AFRINIC:
		net.ParentHandle = w.parentHandle(r)
	}
	net.Remarks = []ipatlas.Remark{{Description: []string{o.Name()}}}
	net.Entities = []ipatlas.Entity{
		{Handle: entityHandle(o, entityOrg), Roles: []string{ipatlas.RoleRegistrant}},
		{Handle: entityHandle(o, entityTech), Roles: []string{ipatlas.RoleAdministrative, ipatlas.RoleTechnical}},
	}
	if withAbuse, _ := contactsOf(n); withAbuse || reg == ipatlas.RIPENCC {
		net.Entities = append(net.Entities, ipatlas.Entity{Handle: entityHandle(o, entityAbuse), Roles: []string{ipatlas.RoleAbuse},
			Contact: ipatlas.Contact{Email: []string{"abuse@" + o.Domain()}}})
	}
}

// lacnicWhoisEntities are the owner, written into the inetnum, and its one
// contact person in every role.
func (w *World) lacnicWhoisEntities(o org) []ipatlas.Entity {
	orgE := w.entity(o, entityOrg)
	orgE.Events = nil
	tech := w.entity(o, entityTech)
	person := ipatlas.Entity{Handle: tech.Handle,
		Roles: []string{ipatlas.RoleAdministrative, ipatlas.RoleTechnical, ipatlas.RoleAbuse},
		Contact: ipatlas.Contact{Name: tech.Contact.Name, Kind: "individual", Email: tech.Contact.Email,
			Address: o.Address(), Phone: []string{o.Phone()}},
		Events: dayEvents(orgEvents(o))}
	return []ipatlas.Entity{orgE, person}
}

// orgEvents are an organisation's registration and last change.
func orgEvents(o org) []ipatlas.Event {
	return []ipatlas.Event{{Action: ipatlas.EventRegistration, Date: o.created},
		{Action: ipatlas.EventLastChanged, Date: o.created.AddDate(0, 0, int(o.id%2000))}}
}

// orderEvents puts registration before last change, the order a WHOIS
// parse gives them in whatever order the answer wrote them.
func orderEvents(es []ipatlas.Event) []ipatlas.Event {
	var out []ipatlas.Event
	for _, action := range []string{ipatlas.EventRegistration, ipatlas.EventLastChanged} {
		for _, e := range es {
			if e.Action == action {
				out = append(out, e)
			}
		}
	}
	return out
}

// dayEvents keeps only the day of each event, in the zone the registry
// writes it in, as ARIN and LACNIC write dates without a time.
func dayEvents(es []ipatlas.Event) []ipatlas.Event {
	out := make([]ipatlas.Event, len(es))
	for i, e := range es {
		y, m, d := e.Date.Date()
		out[i] = ipatlas.Event{Action: e.Action, Date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	return out
}

// titleCase writes ARIN's WHOIS network types ("Direct Allocation") from
// its RDAP ones ("DIRECT ALLOCATION").
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
