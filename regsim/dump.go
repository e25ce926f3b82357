package regsim

import "github.com/ipatlas/ipatlas"

// RIPE NCC, APNIC and AFRINIC publish their databases as split RPSL dumps:
// one gzip file per object class (ripe.db.inetnum.gz, …), the personal
// data in them replaced by placeholders. The simulator writes the same
// files for its world: every inetnum and inet6num a registry holds, and
// the organisation, role and irt objects those networks name.
//
// The three registries dummify differently, and the simulator keeps them
// different so a loader meets each way:
//   - RIPE NCC exports with its whois server's NRTM dummifier: admin-c and
//     tech-c become DUMY-RIPE, only roles with an abuse-mailbox are
//     published, organisations keep only their mandatory attributes (plus
//     abuse-c and country), addresses, phones and e-mails become fixed
//     placeholders, and every object ends with a "THIS OBJECT IS MODIFIED"
//     remarks block. Abuse contacts come from the organisation's abuse-c.
//   - APNIC keeps the contact handles and publishes every role, with the
//     personal details replaced; abuse contacts are irt objects named by
//     mnt-irt.
//   - AFRINIC keeps the contact handles like APNIC, and names abuse
//     contacts by the organisation's abuse-c like RIPE NCC.

// dumpProfile is how one registry writes its dump.
type dumpProfile struct {
	prefix  string   // file names: prefix + class + ".gz"
	source  string   // the source: attribute
	header  string   // the comment block opening every file
	classes []string // the files it publishes, networks first
	// placeholder replaces admin-c and tech-c when contacts are dummified
	// (RIPE NCC); empty when the handles are kept.
	placeholder string
	irtAbuse    bool   // abuse contacts are irt objects (APNIC), not the org's abuse-c
	hostmaster  string // the registry's maintainer on the blocks it allocates
	domain      string // the registry's mail domain, for dummified e-mails
	whoisURL    string // where the modified-object remarks send readers
}

// ripeHeader is the comment RIPE NCC's exporter opens every dump file with.
const ripeHeader = "#\n# The contents of this file are subject to \n# RIPE Database Terms and Conditions\n#\n# https://docs.db.ripe.net/terms-conditions.html\n#\n\n"

var dumpProfiles = map[ipatlas.Registry]dumpProfile{
	ipatlas.RIPENCC: {prefix: "ripe.db.", source: "RIPE", header: ripeHeader,
		classes:     []string{"inetnum", "inet6num", "organisation", "role"},
		placeholder: "DUMY-RIPE", hostmaster: "RIPE-NCC-HM-MNT", domain: "ripe.net", whoisURL: "http://www.ripe.net/whois"},
	ipatlas.APNIC: {prefix: "apnic.db.", source: "APNIC",
		header:   "#\n# The contents of this file are subject to the\n# APNIC Whois Database Terms and Conditions\n#\n# https://www.apnic.net/manage-ip/using-whois/\n#\n\n",
		classes:  []string{"inetnum", "inet6num", "organisation", "role", "irt"},
		irtAbuse: true, hostmaster: "APNIC-HM", domain: "apnic.net", whoisURL: "http://www.apnic.net/"},
	ipatlas.AFRINIC: {prefix: "afrinic.db.", source: "AFRINIC",
		header:     "#\n# The contents of this file are subject to\n# AFRINIC Database Terms and Conditions\n#\n# https://afrinic.net/whois/terms\n#\n\n",
		classes:    []string{"inetnum", "inet6num", "organisation", "role"},
		hostmaster: "AFRINIC-HM-MNT", domain: "afrinic.net", whoisURL: "http://www.afrinic.net/"},
}

// DumpRegistries are the registries that publish RPSL dumps, in
// ipatlas.Registries order.
func DumpRegistries() []ipatlas.Registry {
	return []ipatlas.Registry{ipatlas.AFRINIC, ipatlas.APNIC, ipatlas.RIPENCC}
}

// DumpFiles names the files of reg's split dump (ripe.db.inetnum.gz, …),
// network files first; nil for a registry that publishes none.
func DumpFiles(reg ipatlas.Registry) []string {
	p, ok := dumpProfiles[reg]
	if !ok {
		return nil
	}
	out := make([]string, len(p.classes))
	for i, c := range p.classes {
		out[i] = p.prefix + c + ".gz"
	}
	return out
}

// dumpClass finds the class of one of reg's dump file names.
func dumpClass(reg ipatlas.Registry, name string) (string, bool) {
	p, ok := dumpProfiles[reg]
	if !ok {
		return "", false
	}
	for _, c := range p.classes {
		if name == p.prefix+c+".gz" {
			return c, true
		}
	}
	return "", false
}

// rpslText appends RPSL objects: each attribute's name and colon padded
// to the sixteenth column, as the registries write them, and a blank line
// after each object.
type rpslText struct{ b []byte }

func (t *rpslText) attr(name, value string) {
	t.b = append(t.b, name...)
	t.b = append(t.b, ':')
	for n := len(name) + 1; n < 16; n++ {
		t.b = append(t.b, ' ')
	}
	t.b = append(t.b, value...)
	t.b = append(t.b, '\n')
}

func (t *rpslText) end() { t.b = append(t.b, '\n') }

// rpslTime writes a date as the registries' created and last-modified
// attributes do.
func rpslTime(reg ipatlas.Registry, day uint16, salt uint64) string {
	return eventTime(reg, day, salt).UTC().Format("2006-01-02T15:04:05Z")
}

// writeNetwork appends the inetnum or inet6num object of the network at
// index i of the table.
func (w *World) writeNetwork(t *rpslText, is4 bool, i int) {
	ref := NetRef{is4: is4, i: int32(i + 1)}
	n := w.node(ref)
	reg := registries[n.reg]
	p := dumpProfiles[reg]
	o := w.org(n.org, n.reg)
	if is4 {
		t.attr("inetnum", w.Range(ref).String())
	} else {
		t.attr("inet6num", w.Handle(ref))
	}
	t.attr("netname", netName(reg, n, o, is4))
	t.attr("descr", o.Name())
	t.attr("country", string(n.cc[:]))
	t.attr("org", entityHandle(o, entityOrg))
	admin := contactHandle(o, p)
	t.attr("admin-c", admin)
	t.attr("tech-c", admin)
	t.attr("status", netType(reg, n, is4))
	if n.depth == 0 {
		t.attr("mnt-by", p.hostmaster)
	}
	t.attr("mnt-by", o.Short()+"-MNT")
	if p.irtAbuse {
		t.attr("mnt-irt", entityHandle(o, entityAbuse))
	}
	t.attr("created", rpslTime(reg, n.regDay, n.last.Lo))
	t.attr("last-modified", rpslTime(reg, n.chgDay, n.first.Lo))
	t.attr("source", p.source)
	w.modifiedRemarks(t, p)
	t.end()
}

// contactHandle is what a dump writes for an organisation's admin-c and
// tech-c: its technical role, or the placeholder where contacts are
// dummified.
func contactHandle(o org, p dumpProfile) string {
	if p.placeholder != "" {
		return p.placeholder
	}
	return entityHandle(o, entityTech)
}

// modifiedRemarks appends the block RIPE NCC's dummifier ends every
// object with; the other registries mark only the objects they dummify.
func (w *World) modifiedRemarks(t *rpslText, p dumpProfile) {
	if p.placeholder == "" {
		return
	}
	dummifiedRemarks(t, p)
}

func dummifiedRemarks(t *rpslText, p dumpProfile) {
	for _, line := range []string{"****************************", "* THIS OBJECT IS MODIFIED",
		"* Please note that all data that is generally regarded as personal",
		"* data has been removed from this object.",
		"* To view the original object, please query the " + p.source + " Database at:",
		"* " + p.whoisURL, "****************************"} {
		t.attr("remarks", "        "+line)
	}
}

// orgDates are the created and last-modified dates of an organisation and
// its roles, as its entities' events have them.
func orgDates(o org) (created, changed string) {
	c := o.created.AddDate(0, 0, int(o.id%2000))
	return o.created.UTC().Format("2006-01-02T15:04:05Z"), c.UTC().Format("2006-01-02T15:04:05Z")
}

// writeOrg appends an organisation object, stripped and dummified: its
// name and country stay, its address and e-mail become placeholders.
func writeOrg(t *rpslText, o org, p dumpProfile) {
	key := entityHandle(o, entityOrg)
	t.attr("organisation", key)
	t.attr("org-name", o.Name())
	t.attr("country", o.cc)
	t.attr("org-type", [...]string{"OTHER", "LIR", "LIR", "LIR"}[o.id%4])
	t.attr("address", "Dummy address for "+key)
	t.attr("e-mail", "unread@"+p.domain)
	if !p.irtAbuse {
		t.attr("abuse-c", entityHandle(o, entityAbuse))
	}
	t.attr("mnt-ref", o.Short()+"-MNT")
	t.attr("mnt-by", p.hostmaster)
	endHolder(t, o, p)
}

// endHolder appends what ends an organisation, role or irt object: the
// organisation's dates, the source, and the dummifier's remarks.
func endHolder(t *rpslText, o org, p dumpProfile) {
	created, changed := orgDates(o)
	t.attr("created", created)
	t.attr("last-modified", changed)
	t.attr("source", p.source)
	dummifiedRemarks(t, p)
	t.end()
}

// writeRoles appends the organisation's published roles (and irt): the
// abuse contact always, the technical role where handles are kept.
func writeRoles(t *rpslText, o org, p dumpProfile, class string) {
	switch {
	case class == "irt" && p.irtAbuse:
		writeContact(t, o, p, "irt", entityAbuse)
	case class == "role" && !p.irtAbuse:
		writeContact(t, o, p, "role", entityAbuse)
		if p.placeholder == "" {
			writeContact(t, o, p, "role", entityTech)
		}
	case class == "role":
		writeContact(t, o, p, "role", entityTech)
	}
}

// writeContact appends one role or irt object, dummified: its name and
// abuse-mailbox stay (abuse mailboxes are public by policy), its address,
// phone and e-mail become placeholders.
func writeContact(t *rpslText, o org, p dumpProfile, class string, k entityKind) {
	key := entityHandle(o, k)
	if class == "irt" {
		t.attr("irt", key)
	} else {
		t.attr("role", contactName(o, k))
	}
	t.attr("address", "Dummy address for "+key)
	t.attr("phone", "+31205354444")
	t.attr("e-mail", "unread@"+p.domain)
	if k == entityAbuse {
		t.attr("abuse-mailbox", "abuse@"+o.Domain())
	}
	contact := contactHandle(o, p)
	t.attr("admin-c", contact)
	t.attr("tech-c", contact)
	if class == "role" {
		t.attr("nic-hdl", key)
	}
	t.attr("mnt-by", o.Short()+"-MNT")
	endHolder(t, o, p)
}

// contactName is the name of an organisation's role, as its vCard has it.
func contactName(o org, k entityKind) string {
	if k == entityAbuse {
		return "Abuse-C Role"
	}
	return o.Short() + " Network Operations"
}

// dumpOrgs lists the organisations reg's networks name, in id order.
func (w *World) dumpOrgs(reg ipatlas.Registry) []uint32 {
	ri := regIndex(reg)
	seen := make([]uint64, (orgMask+1)/64)
	for _, t := range [][]node{w.v4, w.v6} {
		for _, n := range t {
			if n.reg == ri {
				seen[n.org/64] |= 1 << (n.org % 64)
			}
		}
	}
	var out []uint32
	for i, word := range seen {
		for b := 0; word != 0; b, word = b+1, word>>1 {
			if word&1 != 0 {
				out = append(out, uint32(i*64+b))
			}
		}
	}
	return out
}

// dumpNodes lists the indexes in the table of reg's networks.
func (w *World) dumpNodes(reg ipatlas.Registry, is4 bool) []int {
	ri := regIndex(reg)
	var out []int
	for i, n := range w.table(is4) {
		if n.reg == ri {
			out = append(out, i)
		}
	}
	return out
}

// dumpItems is what one file of reg's dump holds, as a count and a writer
// of the i-th object: the chunks of a file are rendered side by side.
func (w *World) dumpItems(reg ipatlas.Registry, class string) (int, func(t *rpslText, i int)) {
	p := dumpProfiles[reg]
	switch class {
	case "inetnum", "inet6num":
		is4 := class == "inetnum"
		idx := w.dumpNodes(reg, is4)
		return len(idx), func(t *rpslText, i int) { w.writeNetwork(t, is4, idx[i]) }
	}
	orgs := w.dumpOrgs(reg)
	ri := regIndex(reg)
	if class == "organisation" {
		return len(orgs), func(t *rpslText, i int) { writeOrg(t, w.org(orgs[i], ri), p) }
	}
	return len(orgs), func(t *rpslText, i int) { writeRoles(t, w.org(orgs[i], ri), p, class) }
}
