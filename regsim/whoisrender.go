package regsim

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// text writes WHOIS answers: "name:" padded to a registry's column, and
// the registry's line ends.
type text struct {
	b     []byte
	width int  // column values start at
	crlf  bool // LACNIC ends lines with CRLF
}

func (t *text) line(s string) {
	t.b = append(t.b, s...)
	if t.crlf {
		t.b = append(t.b, '\r')
	}
	t.b = append(t.b, '\n')
}

func (t *text) lines(ss ...string) {
	for _, s := range ss {
		t.line(s)
	}
}

// attr writes one attribute per line of a multi-line value.
func (t *text) attr(name string, value string) {
	for _, v := range strings.Split(value, "\n") {
		pad := max(t.width-len(name)-1, 1)
		t.line(name + ":" + strings.Repeat(" ", pad) + v)
	}
}

// whoisOpts are what a query asked for beyond the address.
type whoisOpts struct {
	contacts bool // RPSL without -r: the referenced contact objects too
	filtered bool // RPSL without -B: e-mail addresses hidden
	details  bool // ARIN "+": organisations and points of contact
}

// whoisWriter renders one registry's answers.
type whoisWriter struct {
	w    *World
	reg  ipatlas.Registry
	opts whoisOpts
	t    text
}

func newWhoisWriter(w *World, reg ipatlas.Registry, opts whoisOpts) *whoisWriter {
	ww := &whoisWriter{w: w, reg: reg, opts: opts, t: text{width: 16}}
	if reg == ipatlas.LACNIC {
		ww.t = text{width: 13, crlf: true}
	}
	return ww
}

// source is the RPSL source attribute's value.
func (ww *whoisWriter) source() string {
	s := map[ipatlas.Registry]string{ipatlas.RIPENCC: "RIPE", ipatlas.APNIC: "APNIC", ipatlas.AFRINIC: "AFRINIC"}[ww.reg]
	if ww.opts.filtered {
		s += " # Filtered"
	}
	return s
}

// sourceName is the source without the filtering comment.
func (ww *whoisWriter) sourceName() string {
	name, _, _ := strings.Cut(ww.source(), " ")
	return name
}

// header opens every answer as the registry's server does.
func (ww *whoisWriter) header() {
	t := &ww.t
	switch ww.reg {
	case ipatlas.RIPENCC:
		t.lines("% This is the RIPE Database query service.", "% The objects are in RPSL format.", "%",
			"% The RIPE Database is subject to Terms and Conditions.", "% See https://docs.db.ripe.net/terms-conditions.html", "")
	case ipatlas.APNIC:
		t.lines("% [whois.apnic.net]", "% Whois data copyright terms    http://www.apnic.net/db/dbcopyright.html", "")
	case ipatlas.AFRINIC:
		t.lines("% This is the AfriNIC Whois server.", "% The AFRINIC whois database is subject to  the following terms of Use. See https://afrinic.net/whois/terms", "")
	case ipatlas.ARIN:
		ww.arinTerms()
		t.lines("", "")
		return
	case ipatlas.LACNIC:
		ww.lacnicHeader(ipatlas.LACNIC)
		return
	}
	if ww.opts.filtered && ww.reg != ipatlas.APNIC {
		t.lines("% Note: this output has been filtered.", `%       To receive output for a database update, use the "-B" flag.`, "")
	}
}

// trailer closes every answer as the registry's server does; a client
// that misses it knows the answer was cut.
func (ww *whoisWriter) trailer() {
	t := &ww.t
	switch ww.reg {
	case ipatlas.RIPENCC:
		t.lines("% This query was served by the RIPE Database Query Service version 1.114 (SHETLAND)", "", "")
	case ipatlas.APNIC:
		t.lines("% This query was served by the APNIC Whois Service version 1.88.34 (WHOIS-AU4)", "", "")
	case ipatlas.ARIN:
		t.line("")
		ww.arinTerms()
		t.line("")
	case ipatlas.LACNIC:
		t.lines("% whois.lacnic.net accepts only direct match queries.", "% Types of queries are: POCs, ownerid, CIDR blocks, IP",
			"% and AS numbers.", "")
	default:
		t.lines("", "")
	}
}

func (ww *whoisWriter) arinTerms() {
	ww.t.lines("", "#", "# ARIN WHOIS data and services are subject to the Terms of Use",
		"# available at: https://www.arin.net/resources/registry/whois/tou/", "#",
		"# If you see inaccuracies in the results, please report at",
		"# https://www.arin.net/resources/registry/whois/inaccuracy_reporting/", "#",
		"# Copyright 1997-2026, American Registry for Internet Numbers, Ltd.", "#")
}

// lacnicHeader names the registry whose resource the answer is about:
// LACNIC's joint whois names another registry's server for space that
// registry holds.
func (ww *whoisWriter) lacnicHeader(holder ipatlas.Registry) {
	ww.t.lines("", "% Joint Whois - whois.lacnic.net", "%  This server accepts single ASN, IPv4 or IPv6 queries", " ",
		fmt.Sprintf("%% %s resource: %s", strings.ReplaceAll(holder.Title(), " ", ""), profiles[holder].port43), "", "",
		"% Copyright LACNIC lacnic.net", "%  The data below is provided for information purposes",
		"%  and to assist persons in obtaining information about or", "%  related to AS and IP numbers registrations",
		"%  By submitting a whois query, you agree to use this data", "%  only for lawful purposes.",
		"%  "+ww.w.cfg.Epoch.In(time.FixedZone("-03", -3*3600)).Format("2006-01-02 15:04:05 (MST -07:00)"), "")
}

// network renders the answer about the network at ref.
func (ww *whoisWriter) network(ref NetRef) []byte {
	ww.header()
	switch ww.reg {
	case ipatlas.ARIN:
		for _, x := range ww.w.lineage(ref) {
			ww.arinRecord(x)
		}
	case ipatlas.LACNIC:
		ww.lacnicNetwork(ref)
	case ipatlas.APNIC:
		if p := ww.w.Parent(ref); p.Valid() {
			ww.rpslNetwork(p) // APNIC shows the enclosing block too, as for its NIRs' space
		}
		ww.rpslNetwork(ref)
	default:
		ww.rpslNetwork(ref)
	}
	ww.trailer()
	return ww.t.b
}

// lineage is the network and the networks around it, outermost first.
func (w *World) lineage(ref NetRef) []NetRef {
	out := []NetRef{ref}
	for p := w.Parent(ref); p.Valid(); p = w.Parent(p) {
		out = append([]NetRef{p}, out...)
	}
	return out
}

// rpslNetwork writes an inetnum or inet6num with the comments above it,
// and the objects it references unless the query asked for none.
func (ww *whoisWriter) rpslNetwork(ref NetRef) {
	t := &ww.t
	n := ww.w.WhoisNetwork(ref)
	o := ww.w.org(ww.w.node(ref).org, ww.w.node(ref).reg)
	t.lines("% Information related to '"+n.Handle+"'", "")
	switch abuse := roleHolder(n.Entities, ipatlas.RoleAbuse); {
	case abuse != nil:
		t.lines("% Abuse contact for '"+n.Handle+"' is '"+abuse.Contact.Email[0]+"'", "")
	case ww.reg == ipatlas.AFRINIC:
		t.lines("% No abuse contact registered for "+n.Handle, "")
	}
	ww.inetnum(n, o)
	t.line("")
	if ww.opts.contacts {
		ww.contactObjects(n, o)
	}
}

// roleHolder is the first entity in role, or nil.
func roleHolder(es []ipatlas.Entity, role string) *ipatlas.Entity {
	for i := range es {
		if es[i].HasRole(role) {
			return &es[i]
		}
	}
	return nil
}

func (ww *whoisWriter) inetnum(n ipatlas.Network, o org) {
	t := &ww.t
	t.attr(map[bool]string{true: "inetnum", false: "inet6num"}[n.Range.Is4()], n.Handle)
	t.attr("netname", n.Name)
	for _, r := range n.Remarks {
		t.attr("descr", strings.Join(r.Description, "\n"))
	}
	t.attr("country", n.Country)
	for _, at := range []struct{ name, role string }{{"org", ipatlas.RoleRegistrant},
		{"admin-c", ipatlas.RoleAdministrative}, {"tech-c", ipatlas.RoleTechnical}} {
		for _, e := range withRole(n.Entities, at.role) {
			t.attr(at.name, e.Handle)
		}
	}
	abuseAttr := map[bool]string{true: "mnt-irt", false: "abuse-c"}[ww.reg == ipatlas.APNIC]
	for _, e := range withRole(n.Entities, ipatlas.RoleAbuse) {
		t.attr(abuseAttr, e.Handle)
	}
	t.attr("status", n.Type)
	t.attr("mnt-by", o.Short()+"-MNT")
	ww.rpslDates(n.Events)
	t.attr("source", ww.source())
	if n.ParentHandle != "" {
		t.attr("parent", n.ParentHandle)
	}
}

func withRole(es []ipatlas.Entity, role string) []ipatlas.Entity {
	var out []ipatlas.Entity
	for _, e := range es {
		if e.HasRole(role) {
			out = append(out, e)
		}
	}
	return out
}

// rpslDates writes created and last-modified (RFC 3339, UTC).
func (ww *whoisWriter) rpslDates(es []ipatlas.Event) {
	for _, e := range es {
		name := map[string]string{ipatlas.EventRegistration: "created", ipatlas.EventLastChanged: "last-modified"}[e.Action]
		ww.t.attr(name, e.Date.UTC().Format("2006-01-02T15:04:05Z"))
	}
}

// contactDates writes a contact object's dates as its registry does:
// RIPE NCC both, APNIC the last change, AFRINIC none.
func (ww *whoisWriter) contactDates(o org) {
	switch es := orgEvents(o); ww.reg {
	case ipatlas.RIPENCC:
		ww.rpslDates(es)
	case ipatlas.APNIC:
		ww.rpslDates(es[1:])
	}
}

// contactObjects writes the organisation, role and irt objects a network
// references, as a query without -r gets them.
func (ww *whoisWriter) contactObjects(n ipatlas.Network, o org) {
	for _, e := range n.Entities {
		switch {
		case e.HasRole(ipatlas.RoleRegistrant):
			ww.organisation(ww.w.entity(o, entityOrg), o)
		case e.HasRole(ipatlas.RoleTechnical):
			ww.role(ww.w.entity(o, entityTech), o, false)
		case e.HasRole(ipatlas.RoleAbuse):
			ww.role(ww.w.entity(o, entityAbuse), o, true)
		}
		ww.t.line("")
	}
}

func (ww *whoisWriter) organisation(e ipatlas.Entity, o org) {
	t := &ww.t
	t.attr("organisation", e.Handle)
	t.attr("org-name", e.Contact.Name)
	t.attr("org-type", "LIR")
	t.attr("address", e.Contact.Address)
	t.attr("phone", o.Phone())
	t.attr("mnt-ref", o.Short()+"-MNT")
	t.attr("mnt-by", ww.sourceName()+"-HM-MNT")
	ww.contactDates(o)
	t.attr("source", ww.source())
}

// role writes a role object, or APNIC's irt object for its abuse contact.
func (ww *whoisWriter) role(e ipatlas.Entity, o org, abuse bool) {
	t := &ww.t
	class := "role"
	if abuse && ww.reg == ipatlas.APNIC {
		class = "irt"
		t.attr(class, e.Handle)
	} else {
		t.attr(class, e.Contact.Name)
	}
	t.attr("address", e.Contact.Address)
	t.attr("phone", o.Phone())
	for _, mail := range e.Contact.Email {
		if !ww.opts.filtered {
			t.attr("e-mail", mail)
		}
		if abuse {
			t.attr("abuse-mailbox", mail)
		}
	}
	if class == "role" {
		t.attr("nic-hdl", e.Handle)
	}
	t.attr("mnt-by", o.Short()+"-MNT")
	ww.contactDates(o)
	t.attr("source", ww.source())
}

// arinRecord writes one network of an ARIN answer, with its organisation
// and points of contact when the query asked for details ("+").
func (ww *whoisWriter) arinRecord(ref NetRef) {
	t := &ww.t
	n := ww.w.WhoisNetwork(ref)
	org := n.Entities[0]
	t.attr("NetRange", n.Range.String())
	t.attr("CIDR", joinPrefixes(n.CIDRs))
	t.attr("NetName", n.Name)
	t.attr("NetHandle", n.Handle)
	t.attr("Parent", ww.w.arinParentName(ref)+" ("+n.ParentHandle+")")
	t.attr("NetType", n.Type)
	t.attr("OriginAS", fmt.Sprintf("AS%d", n.OriginAS[0]))
	t.attr("Organization", org.Contact.Name+" ("+org.Handle+")")
	ww.arinDates(n.Events)
	for _, r := range n.Remarks {
		t.attr("Comment", strings.Join(r.Description, "\n"))
	}
	t.attr("Ref", "https://rdap.arin.net/registry/ip/"+n.Range.From.String())
	t.lines("", "")
	if ww.opts.details {
		ww.arinOrg(org, n.Country)
	}
}

// arinParentName is the name ARIN writes before the parent's handle: the
// enclosing network's, or the registry block's ("NET13").
func (w *World) arinParentName(ref NetRef) string {
	if p := w.Parent(ref); p.Valid() {
		return w.WhoisNetwork(p).Name
	}
	if a := w.Range(ref).From; a.Is4() {
		return fmt.Sprintf("NET%d", a.As4()[0])
	}
	return "ARIN-V6-BLOCK"
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func (ww *whoisWriter) arinDates(es []ipatlas.Event) {
	for _, e := range es {
		name := map[string]string{ipatlas.EventRegistration: "RegDate", ipatlas.EventLastChanged: "Updated"}[e.Action]
		ww.t.attr(name, e.Date.Format("2006-01-02"))
	}
}

// arinOrg writes the organisation, its address over ARIN's fields (the
// last three lines are city, postal code and country), and its points of
// contact.
func (ww *whoisWriter) arinOrg(org ipatlas.Entity, country string) {
	t := &ww.t
	t.attr("OrgName", org.Contact.Name)
	t.attr("OrgId", org.Handle)
	addr := strings.Split(org.Contact.Address, "\n")
	if len(addr) >= 4 && addr[len(addr)-1] == country {
		t.attr("Address", strings.Join(addr[:len(addr)-3], "\n"))
		t.attr("City", addr[len(addr)-3])
		t.attr("StateProv", "")
		t.attr("PostalCode", addr[len(addr)-2])
	} else {
		t.attr("Address", org.Contact.Address)
	}
	t.attr("Country", country)
	ww.arinDates(org.Events)
	t.attr("Ref", "https://rdap.arin.net/registry/entity/"+org.Handle)
	t.lines("", "")
	for _, e := range org.Entities {
		ww.arinPOCs(e)
	}
}

// arinPOCs writes a point of contact's block for each role it plays.
func (ww *whoisWriter) arinPOCs(e ipatlas.Entity) {
	prefixes := map[string]string{ipatlas.RoleAbuse: "OrgAbuse", ipatlas.RoleNOC: "OrgNOC", ipatlas.RoleTechnical: "OrgTech"}
	for _, role := range e.Roles {
		p := prefixes[role]
		ww.t.attr(p+"Handle", e.Handle)
		ww.t.attr(p+"Name", e.Contact.Name)
		ww.t.attr(p+"Phone", strings.Join(e.Contact.Phone, "\n"))
		ww.t.attr(p+"Email", strings.Join(e.Contact.Email, "\n"))
		ww.t.attr(p+"Ref", "https://rdap.arin.net/registry/entity/"+e.Handle)
		ww.t.line("")
	}
}

// lacnicNetwork writes LACNIC's inetnum, owner included, and its contact.
func (ww *whoisWriter) lacnicNetwork(ref NetRef) {
	t := &ww.t
	n := ww.w.WhoisNetwork(ref)
	o := ww.w.org(ww.w.node(ref).org, ww.w.node(ref).reg)
	owner, person := n.Entities[0], n.Entities[1]
	t.attr("inetnum", lacnicKey(n.Range))
	t.attr("status", n.Type)
	t.attr("aut-num", "N/A")
	t.attr("owner", n.Name)
	t.attr("ownerid", owner.Handle)
	t.attr("responsible", person.Contact.Name)
	t.attr("address", owner.Contact.Address)
	t.attr("country", n.Country)
	t.attr("phone", owner.Contact.Phone[0]+" []")
	for _, name := range []string{"owner-c", "tech-c", "abuse-c"} {
		t.attr(name, person.Handle)
	}
	ww.lacnicDates(n.Events)
	t.line("")
	t.attr("nic-hdl", person.Handle)
	t.attr("person", person.Contact.Name)
	t.attr("e-mail", person.Contact.Email[0])
	t.attr("address", person.Contact.Address)
	t.attr("country", o.cc)
	t.attr("phone", person.Contact.Phone[0]+" []")
	ww.lacnicDates(person.Events)
	t.line("")
}

// lacnicKey writes a prefix the way LACNIC does, trailing zero octets left
// out ("200.57.128/19"), and a range that is no prefix as a range.
func lacnicKey(rg ipatlas.Range) string {
	ps := rg.Prefixes()
	if len(ps) != 1 {
		return rg.String()
	}
	if !rg.Is4() {
		return ps[0].String()
	}
	octets := strings.Split(ps[0].Addr().String(), ".")
	for len(octets) > 2 && octets[len(octets)-1] == "0" {
		octets = octets[:len(octets)-1]
	}
	return strings.Join(octets, ".") + fmt.Sprintf("/%d", ps[0].Bits())
}

func (ww *whoisWriter) lacnicDates(es []ipatlas.Event) {
	for _, e := range es {
		name := map[string]string{ipatlas.EventRegistration: "created", ipatlas.EventLastChanged: "changed"}[e.Action]
		ww.t.attr(name, e.Date.Format("20060102"))
	}
}

// elsewhere answers about space another registry holds: ARIN refers the
// client to that registry's server, LACNIC names it, and the RPSL servers
// answer with their placeholder for space they do not manage.
func (ww *whoisWriter) elsewhere(holder ipatlas.Registry, rg ipatlas.Range) []byte {
	t := &ww.t
	if ww.reg == ipatlas.LACNIC {
		ww.lacnicHeader(holder)
		ww.trailer()
		return t.b
	}
	ww.header()
	if ww.reg == ipatlas.ARIN {
		t.attr("NetRange", rg.String())
		t.attr("NetName", strings.ToUpper(strings.ReplaceAll(holder.Title(), " ", "")))
		t.attr("NetType", "Allocated to "+holder.Title())
		t.attr("Comment", "These addresses have been further assigned to users in\nthe "+holder.Title()+" region.")
		t.attr("ReferralServer", "whois://"+profiles[holder].port43)
		t.line("")
	} else {
		key := whoisHandle(ww.reg, rg, "")
		t.lines("% Information related to '"+key+"'", "")
		t.attr(map[bool]string{true: "inetnum", false: "inet6num"}[rg.Is4()], key)
		t.attr("netname", map[ipatlas.Registry]string{ipatlas.RIPENCC: "NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK",
			ipatlas.APNIC: "IANA-BLOCK", ipatlas.AFRINIC: "IANA-BLK"}[ww.reg])
		t.attr("descr", "Address block not managed by the "+ww.reg.Title())
		t.attr("status", "ALLOCATED UNSPECIFIED")
		t.attr("source", ww.source())
		t.line("")
	}
	ww.trailer()
	return t.b
}

// elsewhereRange is the span an answer about another registry's space
// names: the holder's top-level block, or the IANA block.
func (w *World) elsewhereRange(rg ipatlas.Range) ipatlas.Range {
	if ref := w.Lookup(rg.From); ref.Valid() {
		top := ref
		for p := w.Parent(top); p.Valid(); p = w.Parent(p) {
			top = p
		}
		return w.Range(top)
	}
	if rg.Is4() {
		return ipatlas.PrefixRange(netip.PrefixFrom(rg.From, 8).Masked())
	}
	if b, ok := iana.IPv6BlockOf(netip.PrefixFrom(rg.From, 128)); ok {
		return ipatlas.PrefixRange(b.Prefix)
	}
	return ipatlas.PrefixRange(netip.PrefixFrom(rg.From, 0).Masked())
}

// notFound is the registry's answer for space nobody holds.
func (ww *whoisWriter) notFound(query string) []byte {
	t := &ww.t
	ww.header()
	switch ww.reg {
	case ipatlas.ARIN:
		t.lines("No match found for "+query+".", "")
	case ipatlas.LACNIC:
		t.lines("% No match found for "+query, "")
	default:
		t.lines("%ERROR:101: no entries found", "%", "% No entries found in source "+ww.sourceName()+".", "")
	}
	ww.trailer()
	return t.b
}

// badOption is an RPSL server's answer to a flag it does not know.
func (ww *whoisWriter) badOption(flag string) []byte {
	ww.header()
	ww.t.lines("%ERROR:111: invalid option supplied: "+flag, "%", "% Use help for the list of options.", "")
	ww.trailer()
	return ww.t.b
}

// limited is the registry's refusal of a client over its limit: RIPE-style
// servers' %ERROR:201, ARIN's and LACNIC's rate-limit notices.
func (ww *whoisWriter) limited(client string, l Limit, blocked bool) []byte {
	t := &ww.t
	ww.header()
	switch ww.reg {
	case ipatlas.ARIN:
		t.lines("Query rate limit exceeded. Please wait before querying again.", "")
	case ipatlas.LACNIC:
		t.lines("% Rate Limit Notice",
			fmt.Sprintf("%% Query rate limit exceeded: the limit is %d queries per 1 minutes.", int(l.Rate*60+0.5)), "")
	default:
		why := "% Queries from your IP address have passed the limit of queries per second."
		if blocked {
			why = "% Sorry, access from your host has been temporarily denied because of excessive querying."
		}
		t.lines("%ERROR:201: access denied for "+client, "%", why, "")
	}
	ww.trailer()
	return t.b
}

// internalError is an RPSL server's answer when it fails.
func (ww *whoisWriter) internalError() []byte {
	ww.t.lines("%ERROR:100: internal software error", "")
	return ww.t.b
}
