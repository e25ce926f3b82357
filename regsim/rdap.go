package regsim

import (
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
)

// profile is how one registry shapes its RDAP answers: the fields, order,
// notices and links of its real service (see the real answers each test
// compares against).
type profile struct {
	reg         ipatlas.Registry
	entityLinks bool   // links on entities
	entityLang  bool   // "lang" on entities
	base        string // path prefix of the service, as in IANA's bootstrap file
	port43      string
	conformance []string
	notices     []notice
	redirect    int  // status of a redirect to another registry
	cidr0       bool // publishes cidr0_cidrs
	lang        bool // tags objects with "lang": "en"
	selfLink    bool // links to itself
	extraLink   string
	extraHref   string

	header []byte // rendered rdapConformance and notices, the same in every answer
}

type notice struct {
	title, text, rel, href string
}

var profiles = map[ipatlas.Registry]*profile{
	ipatlas.ARIN: {reg: ipatlas.ARIN, entityLinks: true, base: "/registry/", port43: "whois.arin.net", redirect: 302, cidr0: true, selfLink: true,
		conformance: []string{"nro_rdap_profile_0", "rdap_level_0", "cidr0", "arin_originas0"},
		notices: []notice{
			{"Terms of Service", "By using the ARIN RDAP/Whois service, you are agreeing to the RDAP/Whois Terms of Use", "terms-of-service", "https://www.arin.net/resources/registry/whois/tou/"},
			{"Whois Inaccuracy Reporting", "If you see inaccuracies in the results, please visit: ", "inaccuracy-report", "https://www.arin.net/resources/registry/whois/inaccuracy_reporting/"},
			{"Copyright Notice", "Copyright 1997-2026, American Registry for Internet Numbers, Ltd.", "", ""},
		},
		extraLink: "alternate", extraHref: "https://whois.arin.net/rest/net/"},
	ipatlas.RIPENCC: {reg: ipatlas.RIPENCC, base: "/", port43: "whois.ripe.net", redirect: 301, selfLink: true,
		conformance: []string{"rdap_level_0"},
		notices: []notice{
			{"Filtered", "This output has been filtered.", "", ""},
			{"Source", "Objects returned came from source", "", ""},
			{"Terms and Conditions", "This is the RIPE Database query service. The objects are in RDAP format.", "terms-of-service", "http://www.ripe.net/db/support/db-terms-conditions.pdf"},
		},
		extraLink: "copyright", extraHref: "http://www.ripe.net/data-tools/support/documentation/terms"},
	ipatlas.APNIC: {reg: ipatlas.APNIC, entityLinks: true, base: "/", port43: "whois.apnic.net", redirect: 301, cidr0: true, selfLink: true,
		conformance: []string{"history_version_0", "nro_rdap_profile_0", "cidr0", "rdap_level_0"},
		notices: []notice{
			{"Source", "Objects returned came from source", "", ""},
			{"Terms and Conditions", "This is the APNIC WHOIS Database query service. The objects are in RDAP format.", "terms-of-service", "http://www.apnic.net/db/dbcopyright.html"},
			{"Whois Inaccuracy Reporting", "If you see inaccuracies in the results, please visit: ", "inaccuracy-report", "https://www.apnic.net/manage-ip/using-whois/abuse-and-spamming/invalid-contact-form"},
		},
		extraLink: "related", extraHref: "https://netox.apnic.net/search/"},
	ipatlas.LACNIC: {reg: ipatlas.LACNIC, entityLinks: true, entityLang: true, base: "/rdap/", port43: "whois.lacnic.net", redirect: 301, selfLink: true,
		conformance: []string{"rdap_level_0"},
		notices: []notice{
			{"Terms and Conditions", "This is the LACNIC RDAP service. Objects are in RDAP format.", "terms-of-service", "http://www.lacnic.net/web/lacnic/registration-data-access-protocol"},
		},
		extraLink: "copyright", extraHref: "http://www.lacnic.net/web/lacnic/registration-data-access-protocol"},
	ipatlas.AFRINIC: {reg: ipatlas.AFRINIC, entityLang: true, base: "/rdap/", port43: "whois.afrinic.net", redirect: 301, lang: true,
		conformance: []string{"rdap_level_0"},
		notices: []notice{
			{"ABOUT", "This is the AfriNIC RDAP server.", "", ""},
		},
	},
}

// remarks are the profile's notices as the domain type, as a client
// parses them.
func (p *profile) remarks() []ipatlas.Remark {
	out := make([]ipatlas.Remark, len(p.notices))
	for i, n := range p.notices {
		out[i] = ipatlas.Remark{Title: n.title, Description: []string{n.text}}
	}
	return out
}

// writeHeader writes the conformance and notices, rendered once per profile.
func (p *profile) writeHeader(w *jw) {
	if p.header == nil {
		panic("regsim: profile header not rendered")
	}
	w.sep()
	w.b = append(w.b, p.header...)
}

func init() {
	for _, p := range profiles {
		var w jw
		p.renderHeader(&w)
		p.header = w.b
	}
}

func (p *profile) renderHeader(w *jw) {
	w.key("rdapConformance")
	w.strs(p.conformance...)
	w.key("notices")
	w.arr()
	for _, n := range p.notices {
		w.obj()
		w.kstr("title", n.title)
		w.key("description")
		w.strs(n.text)
		if n.href != "" {
			w.key("links")
			w.arr()
			w.obj()
			w.kstr("rel", n.rel)
			w.kstr("type", "text/html")
			w.kstr("href", n.href)
			w.endObj()
			w.endArr()
		}
		w.endObj()
	}
	w.endArr()
}

// renderNetwork writes an RFC 9083 §5.4 IP network answer.
func (p *profile) renderNetwork(w *jw, n *ipatlas.Network, query, self string) {
	w.obj()
	p.writeHeader(w)
	// RFC 9083 §5.4: startAddress, endAddress and ipVersion describe the range.
	w.kstr("handle", n.Handle)
	w.kstr("startAddress", n.Range.From.String())
	w.kstr("endAddress", n.Range.To.String())
	w.kstr("ipVersion", map[bool]string{true: "v4", false: "v6"}[n.Range.Is4()])
	w.kstr("name", n.Name)
	w.kstr("type", n.Type)
	if n.Country != "" {
		w.kstr("country", n.Country)
	}
	if n.ParentHandle != "" {
		w.kstr("parentHandle", n.ParentHandle)
	}
	if len(n.Status) > 0 {
		w.key("status")
		w.strs(n.Status...)
	}
	p.writeCIDRs(w, n)
	if len(n.OriginAS) > 0 {
		w.key("arin_originas0_originautnums")
		w.arr()
		for _, as := range n.OriginAS {
			w.num(int64(as))
		}
		w.endArr()
	}
	writeEvents(w, n.Events)
	p.writeLinks(w, query, self, p.extraHref+n.Handle)
	p.writeEntities(w, n.Entities, self)
	writeRemarks(w, n.Remarks)
	w.kstr("port43", p.port43)
	w.kstr("objectClassName", "ip network")
	if p.lang {
		w.kstr("lang", "en")
	}
	w.endObj()
}

// writeCIDRs writes the cidr0 extension: the range as exact prefixes.
func (p *profile) writeCIDRs(w *jw, n *ipatlas.Network) {
	if !p.cidr0 {
		return
	}
	family := "v6prefix"
	if n.Range.Is4() {
		family = "v4prefix"
	}
	w.key("cidr0_cidrs")
	w.arr()
	cidrs := n.CIDRs
	if cidrs == nil {
		cidrs = n.Range.Prefixes()
	}
	for _, pfx := range cidrs {
		w.obj()
		w.kstr(family, pfx.Addr().String())
		w.knum("length", int64(pfx.Bits()))
		w.endObj()
	}
	w.endArr()
}

func (p *profile) writeLinks(w *jw, value, self, extra string) {
	if !p.selfLink {
		return
	}
	w.key("links")
	w.arr()
	w.obj()
	w.kstr("value", value)
	w.kstr("rel", "self")
	w.kstr("type", "application/rdap+json")
	w.kstr("href", self)
	w.endObj()
	if p.extraLink != "" {
		w.obj()
		w.kstr("value", value)
		w.kstr("rel", p.extraLink)
		w.kstr("type", "text/html")
		w.kstr("href", extra)
		w.endObj()
	}
	w.endArr()
}

func writeEvents(w *jw, events []ipatlas.Event) {
	if len(events) == 0 {
		return
	}
	w.key("events")
	w.arr()
	for _, e := range events {
		w.obj()
		w.kstr("eventAction", e.Action)
		w.kstr("eventDate", e.Date.Format(time.RFC3339))
		w.endObj()
	}
	w.endArr()
}

func writeRemarks(w *jw, remarks []ipatlas.Remark) {
	if len(remarks) == 0 {
		return
	}
	w.key("remarks")
	w.arr()
	for _, r := range remarks {
		w.obj()
		if r.Title != "" {
			w.kstr("title", r.Title)
		}
		w.key("description")
		w.strs(r.Description...)
		w.endObj()
	}
	w.endArr()
}

func (p *profile) writeEntities(w *jw, es []ipatlas.Entity, netSelf string) {
	if len(es) == 0 {
		return
	}
	w.key("entities")
	w.arr()
	for i := range es {
		p.writeEntity(w, &es[i], p.entityURL(netSelf, es[i].Handle), false)
	}
	w.endArr()
}

// entityURL is the entity's self link, beside the network's.
func (p *profile) entityURL(netSelf, handle string) string {
	if i := strings.Index(netSelf, p.base+"ip/"); i >= 0 {
		return netSelf[:i] + p.base + "entity/" + handle
	}
	return "entity/" + handle
}

// writeEntity writes an RFC 9083 §5.1 entity; top is true when the entity
// is the whole answer (so it carries the conformance and notices).
func (p *profile) writeEntity(w *jw, e *ipatlas.Entity, self string, top bool) {
	w.obj()
	if top {
		p.writeHeader(w)
	}
	w.kstr("handle", e.Handle)
	if c := e.Contact; c.Name != "" || c.Kind != "" || c.Address != "" || len(c.Phone)+len(c.Email) > 0 {
		p.writeVCard(w, &e.Contact)
	}
	if len(e.Roles) > 0 {
		w.key("roles")
		w.strs(e.Roles...)
	}
	if len(e.Status) > 0 {
		w.key("status")
		w.strs(e.Status...)
	}
	writeEvents(w, e.Events)
	writeRemarks(w, e.Remarks)
	if p.entityLinks {
		p.writeLinks(w, self, self, p.extraHref+e.Handle)
	}
	if len(e.Entities) > 0 {
		p.writeEntities(w, e.Entities, self)
	}
	if top || p.reg == ipatlas.ARIN || p.reg == ipatlas.AFRINIC {
		w.kstr("port43", p.port43)
	}
	w.kstr("objectClassName", "entity")
	if p.entityLang {
		w.kstr("lang", "en")
	}
	w.endObj()
}

// writeVCard writes the contact as a jCard (RFC 7095): ARIN, RIPE NCC and
// APNIC put the postal address in the adr "label" parameter, LACNIC and
// AFRINIC in its structured components.
func (p *profile) writeVCard(w *jw, c *ipatlas.Contact) {
	w.key("vcardArray")
	w.arr()
	w.str("vcard")
	w.arr()
	vprop(w, "version", "", "text", "4.0")
	vprop(w, "fn", "", "text", c.Name)
	vprop(w, "kind", "", "text", c.Kind)
	if c.Org != "" {
		vprop(w, "org", "", "text", c.Org)
	}
	if c.Address != "" {
		p.writeAdr(w, c.Address)
	}
	for _, t := range c.Phone {
		p.writeTel(w, t)
	}
	for _, e := range c.Email {
		vprop(w, "email", "", "text", e)
	}
	w.endArr()
	w.endArr()
}

// vprop writes one jCard property; params is raw JSON for the parameters
// object ("" for none).
func vprop(w *jw, name, params, typ, value string) {
	w.arr()
	w.str(name)
	if params == "" {
		params = "{}"
	}
	w.raw(params)
	w.str(typ)
	w.str(value)
	w.endArr()
}

func (p *profile) writeAdr(w *jw, addr string) {
	w.arr()
	w.str("adr")
	lines := strings.Split(addr, "\n")
	if p.reg == ipatlas.LACNIC || p.reg == ipatlas.AFRINIC {
		w.raw("{}")
		w.str("text")
		// RFC 6350 §6.3.1: PO box, extended, street, locality, region, code, country.
		comp := [7]string{}
		for i, l := range lines {
			comp[[]int{2, 3, 5, 6}[min(i, 3)]] = l
		}
		w.strs(comp[:]...)
	} else {
		w.obj()
		w.kstr("label", addr)
		w.endObj()
		w.str("text")
		w.strs("", "", "", "", "", "", "")
	}
	w.endArr()
}

func (p *profile) writeTel(w *jw, tel string) {
	switch p.reg {
	case ipatlas.ARIN:
		vprop(w, "tel", `{"type":["work","voice"]}`, "text", tel)
	case ipatlas.AFRINIC:
		vprop(w, "tel", `{"type":"work"}`, "uri", "tel:"+tel)
	default:
		vprop(w, "tel", `{"type":"voice"}`, "text", tel)
	}
}

// renderError writes an RFC 9083 §6 error answer.
func (p *profile) renderError(w *jw, code int, title string, desc ...string) {
	w.obj()
	p.writeHeader(w)
	w.knum("errorCode", int64(code))
	w.kstr("title", title)
	if len(desc) > 0 {
		w.key("description")
		w.strs(desc...)
	}
	if p.reg == ipatlas.RIPENCC {
		w.kstr("port43", p.port43)
	}
	w.endObj()
}

// renderHelp writes the /help answer (RFC 9083 §7).
func (p *profile) renderHelp(w *jw) {
	w.obj()
	p.writeHeader(w)
	w.endObj()
}
