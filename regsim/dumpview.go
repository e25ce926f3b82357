package regsim

import (
	"iter"

	"github.com/ipatlas/ipatlas"
)

// DumpNetwork is the network as a perfect load of its registry's split
// dump yields it: the inetnum or inet6num object, its holder and contacts
// resolved from the organisation, role and irt files beside it. A dump
// says less than RDAP: no RDAP status, no parent handle, no origin AS,
// none of the personal details the registry dummifies. So:
//   - Handle is the object's key; Type is its status: attribute; Name,
//     Country and the descr: lines (as one untitled remark) are as written;
//   - Events are registration (created:) and last changed (last-modified:);
//   - Entities are the organisation (registrant, named by its org-name),
//     then the contacts in the order the object names them, with the roles
//     each plays there (admin-c administrative, tech-c technical, abuse-c
//     and mnt-irt abuse), each named by its role: name (an irt by its
//     key) and carrying its abuse-mailbox; then, when the object names no
//     abuse contact, the organisation's abuse-c. Placeholders such as
//     DUMY-RIPE name nobody and are left out.
func (w *World) DumpNetwork(r NetRef) ipatlas.Network {
	n := w.node(r)
	reg := registries[n.reg]
	o := w.org(n.org, n.reg)
	created := ipatlas.Event{Action: ipatlas.EventRegistration, Date: eventTime(reg, n.regDay, n.last.Lo).UTC()}
	changed := ipatlas.Event{Action: ipatlas.EventLastChanged, Date: eventTime(reg, n.chgDay, n.first.Lo).UTC()}
	return ipatlas.Network{
		Registry: reg,
		Range:    w.Range(r),
		Handle:   w.Handle(r),
		Name:     netName(reg, n, o, r.is4),
		Type:     netType(reg, n, r.is4),
		Country:  string(n.cc[:]),
		Events:   []ipatlas.Event{created, changed},
		Entities: dumpEntities(o, dumpProfiles[reg]),
		Remarks:  []ipatlas.Remark{{Description: []string{o.Name()}}},
	}
}

// dumpEntities are the entities a load resolves for a network of o.
func dumpEntities(o org, p dumpProfile) []ipatlas.Entity {
	out := []ipatlas.Entity{{Handle: entityHandle(o, entityOrg), Roles: []string{ipatlas.RoleRegistrant},
		Contact: ipatlas.Contact{Name: o.Name(), Kind: "org"}}}
	if p.placeholder == "" {
		out = append(out, dumpContact(o, entityTech, ipatlas.RoleAdministrative, ipatlas.RoleTechnical))
	}
	return append(out, dumpContact(o, entityAbuse, ipatlas.RoleAbuse))
}

func dumpContact(o org, k entityKind, roles ...string) ipatlas.Entity {
	e := ipatlas.Entity{Handle: entityHandle(o, k), Roles: roles, Contact: ipatlas.Contact{Name: contactName(o, k), Kind: "group"}}
	if k == entityAbuse {
		e.Contact.Email = []string{"abuse@" + o.Domain()}
		if dumpProfiles[o.reg].irtAbuse {
			e.Contact.Name = e.Handle // an irt object has no name but its key
		}
	}
	return e
}

// Dumped lists the networks the split dumps of regs hold (every registry
// that publishes one when none is given): every inetnum and inet6num of
// those registries, nested ones too, in address order, IPv4 first.
func (w *World) Dumped(regs ...ipatlas.Registry) iter.Seq[NetRef] {
	if len(regs) == 0 {
		regs = DumpRegistries()
	}
	want := map[uint8]bool{}
	for _, r := range regs {
		_, dumps := dumpProfiles[r]
		want[regIndex(r)] = dumps
	}
	return func(yield func(NetRef) bool) {
		w.Each(func(r NetRef) bool {
			return !want[w.node(r).reg] || yield(r)
		})
	}
}

// DumpView is the world as the registries' split dumps show it, for
// CheckView: the networks of regs' dumps (every registry that publishes
// one when none is given), each as DumpNetwork renders it.
func (w *World) DumpView(regs ...ipatlas.Registry) View {
	return View{Networks: w.Dumped(regs...), Render: w.DumpNetwork}
}
