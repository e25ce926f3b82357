package regsim

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
)

// entityKind is which of an organisation's entities: the organisation
// itself, its abuse contact, or its technical contact.
type entityKind int

const (
	entityOrg entityKind = iota
	entityAbuse
	entityTech
)

// entityHandle writes the handle of an organisation's entity in its
// registry's style. Every handle carries the organisation id as its one run
// of digits, so /entity/{handle} can be answered without an index.
func entityHandle(o org, k entityKind) string {
	id := strconv.FormatUint(uint64(o.id), 10)
	switch o.reg {
	case ipatlas.ARIN:
		return [...]string{o.Short() + "-" + id, "ABUSE" + id + "-ARIN", "NOC" + id + "-ARIN"}[k]
	case ipatlas.RIPENCC:
		return [...]string{"ORG-" + o.initials() + id + "-RIPE", "AR" + id + "-RIPE", o.initials() + id + "-RIPE"}[k]
	case ipatlas.APNIC:
		return [...]string{"ORG-" + o.initials() + id + "-AP", "IRT-" + o.Short() + id + "-" + o.cc, o.initials() + id + "-AP"}[k]
	case ipatlas.LACNIC:
		return [...]string{o.cc + "-" + o.Short() + id + "-LACNIC", "AB" + id, o.initials() + id}[k]
	}
	return [...]string{"ORG-" + o.initials() + id + "-AFRINIC", "AR" + id + "-AFRINIC", o.initials() + id + "-AFRINIC"}[k]
}

// entity builds one of an organisation's entities.
func (w *World) entity(o org, k entityKind) ipatlas.Entity {
	e := ipatlas.Entity{Handle: entityHandle(o, k)}
	switch k {
	case entityOrg:
		e.Roles = []string{ipatlas.RoleRegistrant}
		e.Contact = ipatlas.Contact{Name: o.Name(), Kind: "org", Address: o.Address()}
		if o.reg == ipatlas.LACNIC {
			e.Contact.Phone = []string{o.Phone()}
		}
	case entityAbuse:
		e.Roles = []string{ipatlas.RoleAbuse}
		e.Contact = ipatlas.Contact{Name: "Abuse-C Role", Kind: "group", Address: o.Address(),
			Phone: []string{o.Phone()}, Email: []string{"abuse@" + o.Domain()}}
	case entityTech:
		e.Roles = []string{ipatlas.RoleTechnical, ipatlas.RoleAdministrative}
		if o.reg == ipatlas.ARIN {
			e.Roles = []string{ipatlas.RoleNOC, ipatlas.RoleTechnical}
		}
		e.Contact = ipatlas.Contact{Name: o.Short() + " Network Operations", Kind: "group", Org: o.Name(),
			Address: o.Address(), Phone: []string{o.Phone()}, Email: []string{"noc@" + o.Domain()}}
	}
	trimContact(o.reg, &e.Contact)
	w.decorate(o, k, &e)
	return e
}

// decorate adds what each registry attaches to its entities: ARIN validated
// points of contact with dates, APNIC and LACNIC dates, AFRINIC a status.
func (w *World) decorate(o org, k entityKind, e *ipatlas.Entity) {
	changed := ipatlas.Event{Action: ipatlas.EventLastChanged, Date: o.created.AddDate(0, 0, int(o.id%2000))}
	registered := ipatlas.Event{Action: ipatlas.EventRegistration, Date: o.created}
	switch o.reg {
	case ipatlas.ARIN:
		if k != entityOrg {
			e.Status = []string{"validated"}
		}
		changed.Date, registered.Date = changed.Date.In(arinZone), registered.Date.In(arinZone)
		e.Events = []ipatlas.Event{changed, registered}
	case ipatlas.APNIC:
		e.Events = []ipatlas.Event{changed}
	case ipatlas.LACNIC:
		if k == entityOrg {
			e.Events = []ipatlas.Event{changed}
		}
	case ipatlas.AFRINIC:
		e.Status = []string{"active"}
	}
}

// netEntities attaches the entities a registry lists on a network, nested
// the way it nests them: ARIN hangs the points of contact under the
// organisation, RIPE NCC names the maintainer under the abuse role, LACNIC
// repeats the contact person under the organisation.
func (w *World) netEntities(n node, o org) []ipatlas.Entity {
	orgE, abuse, tech := w.entity(o, entityOrg), w.entity(o, entityAbuse), w.entity(o, entityTech)
	withAbuse, withTech := contactsOf(n)
	switch o.reg {
	case ipatlas.ARIN:
		orgE.Entities = []ipatlas.Entity{abuse}
		if withTech {
			orgE.Entities = append(orgE.Entities, tech)
		}
		return []ipatlas.Entity{orgE}
	case ipatlas.RIPENCC:
		abuse.Entities = []ipatlas.Entity{{Handle: o.Short() + "-MNT", Roles: []string{ipatlas.RoleRegistrant}}}
		return appendIf([]ipatlas.Entity{orgE, abuse}, withTech, tech)
	case ipatlas.LACNIC:
		person := tech
		person.Roles = []string{ipatlas.RoleAdministrative, ipatlas.RoleTechnical, ipatlas.RoleAbuse}
		inner := tech
		inner.Roles = []string{ipatlas.RoleAdministrative, ipatlas.RoleRegistrant}
		orgE.Entities = []ipatlas.Entity{inner}
		return []ipatlas.Entity{person, orgE}
	}
	return appendIf(appendIf([]ipatlas.Entity{orgE}, withAbuse, abuse), withTech, tech)
}

// contactsOf says which contacts a network lists beside its holder: most
// an abuse contact, many a technical one. RDAP and WHOIS answers agree.
func contactsOf(n node) (withAbuse, withTech bool) {
	r := rand.New(rand.NewPCG(uint64(n.org), n.first.Lo^n.last.Hi))
	return r.Float64() < 0.8, r.Float64() < 0.6
}

func appendIf(es []ipatlas.Entity, ok bool, e ipatlas.Entity) []ipatlas.Entity {
	if ok {
		return append(es, e)
	}
	return es
}

// EntityByHandle resolves an entity handle published by reg, as
// /entity/{handle} does. It reports false for a handle the world never
// published.
func (w *World) EntityByHandle(reg ipatlas.Registry, handle string) (ipatlas.Entity, bool) {
	id, ok := handleID(handle)
	if !ok || id > orgMask {
		return ipatlas.Entity{}, false
	}
	o := w.org(id, regIndex(reg))
	for _, k := range []entityKind{entityOrg, entityAbuse, entityTech} {
		if strings.EqualFold(entityHandle(o, k), handle) {
			return w.entity(o, k), true
		}
	}
	return ipatlas.Entity{}, false
}

// handleID extracts the organisation id: the handle's one run of digits.
func handleID(h string) (uint32, bool) {
	start := strings.IndexAny(h, "0123456789")
	if start < 0 {
		return 0, false
	}
	end := start
	for end < len(h) && h[end] >= '0' && h[end] <= '9' {
		end++
	}
	if strings.ContainsAny(h[end:], "0123456789") || end-start > 7 {
		return 0, false
	}
	v, err := strconv.ParseUint(h[start:end], 10, 32)
	return uint32(v), err == nil
}

// trimContact drops what a registry's vCards never carry: RIPE NCC publishes
// no phone numbers, and only ARIN and LACNIC an "org" property.
func trimContact(reg ipatlas.Registry, c *ipatlas.Contact) {
	if reg == ipatlas.RIPENCC {
		c.Phone = nil
	}
	if reg != ipatlas.ARIN && reg != ipatlas.LACNIC {
		c.Org = ""
	}
}
