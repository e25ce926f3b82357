package dump

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rpsl"
)

// Error is an object that cannot be turned into a network, with where it
// stands in its file.
type Error struct {
	File string
	Line int // of the attribute at fault, from 1
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// IsNetwork reports whether objects of class are networks.
func IsNetwork(class string) bool { return class == "inetnum" || class == "inet6num" }

// Network turns an inetnum or inet6num object into the network it
// registers, naming its holder and contacts from h (which may be empty or
// nil: then entities carry their handles and roles only). file is the dump the
// object came from: its name gives the registry when the object has no
// source: attribute. What a dump gives and what it does not is described
// in the package documentation.
func Network(o rpsl.Object, file string, h *Holders) (ipatlas.Network, error) {
	c := converter{o: o, file: file}
	if !IsNetwork(o.Class()) {
		c.fail(o.Line, "not an inetnum or inet6num")
		return ipatlas.Network{}, c.err
	}
	n := ipatlas.Network{Source: ipatlas.Source{Protocol: ipatlas.ProtocolDump, URL: file}}
	n.Registry = c.registry()
	n.Range, n.Handle = c.rng()
	n.Name = c.required("netname")
	n.Type = c.required("status")
	n.Country = strings.ToUpper(firstLine(o.Get("country")))
	n.Events = c.events()
	n.Entities = entities(o, h)
	n.Remarks = remarks(o)
	if c.err != nil {
		return ipatlas.Network{}, c.err
	}
	return n, nil
}

// Unmanaged reports whether a network object is one of the placeholders
// a registry's database keeps for space it does not manage, which its dump
// publishes beside the real networks: RIPE NCC's whole-space "IANA-BLK"
// and its "NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK"s, both of status
// ALLOCATED UNSPECIFIED, and any registry's object for the whole address
// space. Kept, they would hold every address no real network holds.
func Unmanaged(n ipatlas.Network) bool {
	whole := n.Range.From.IsUnspecified() && !n.Range.To.Next().IsValid()
	return whole || strings.EqualFold(n.Type, "ALLOCATED UNSPECIFIED") ||
		strings.HasPrefix(strings.ToUpper(n.Name), "NON-RIPE-NCC-MANAGED")
}

// converter reads one object, keeping the first problem it meets.
type converter struct {
	o    rpsl.Object
	file string
	err  *Error
}

func (c *converter) fail(line int, format string, a ...any) {
	if c.err == nil {
		c.err = &Error{File: c.file, Line: line, Msg: fmt.Sprintf("%s %q: ", c.o.Class(), clip(c.o.Key())) + fmt.Sprintf(format, a...)}
	}
}

// attr finds the first attribute called name.
func (c *converter) attr(name string) (rpsl.Attr, bool) {
	for _, a := range c.o.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return rpsl.Attr{}, false
}

func (c *converter) required(name string) string {
	a, ok := c.attr(name)
	if !ok || a.Value == "" {
		c.fail(c.o.Line, "no %s", name)
	}
	return firstLine(a.Value)
}

// registry is the one the source: attribute names (a mirror's "RIPE-GRS"
// or "RIPE-NONAUTH" included), else the one the file is named after.
func (c *converter) registry() ipatlas.Registry {
	a, ok := c.attr("source")
	if !ok {
		if r, ok := RegistryOfFile(c.file); ok {
			return r
		}
		c.fail(c.o.Line, "no source, and the file name %q names no registry", path.Base(c.file))
		return ""
	}
	name := strings.ToUpper(firstLine(a.Value))
	name = strings.TrimSuffix(strings.TrimSuffix(name, "-GRS"), "-NONAUTH")
	r, err := ipatlas.ParseRegistry(name)
	if err != nil {
		c.fail(a.Line, "source %q names no registry", a.Value)
	}
	return r
}

// rng reads the key: "a - b" for an inetnum, a prefix for an inet6num.
// The handle is the key as the registry's RDAP service gives it.
func (c *converter) rng() (ipatlas.Range, string) {
	key := c.o.Key()
	if c.o.Class() == "inet6num" {
		p, err := netip.ParsePrefix(key)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			c.fail(c.o.Line, "not an IPv6 prefix")
			return ipatlas.Range{}, ""
		}
		return ipatlas.PrefixRange(p), p.Masked().String()
	}
	r, err := ipatlas.ParseRange(key)
	if err != nil || !r.Is4() {
		c.fail(c.o.Line, "not an IPv4 range")
		return ipatlas.Range{}, ""
	}
	return r, r.String()
}

// events are registration (created:) and last changed (last-modified:).
func (c *converter) events() []ipatlas.Event {
	out := make([]ipatlas.Event, 0, 2)
	for _, e := range [...]struct{ attr, action string }{{"created", ipatlas.EventRegistration}, {"last-modified", ipatlas.EventLastChanged}} {
		a, ok := c.attr(e.attr)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339, a.Value)
		if err != nil {
			c.fail(a.Line, "%s %q is not an RFC 3339 time", e.attr, clip(a.Value))
			continue
		}
		out = append(out, ipatlas.Event{Action: e.action, Date: t.UTC()})
	}
	return out
}

// contactRole is the role (RFC 9083 §10.2.4) a contact named by an
// attribute plays, or "" for an attribute that names no contact.
func contactRole(attr string) string {
	switch attr {
	case "admin-c":
		return ipatlas.RoleAdministrative
	case "tech-c":
		return ipatlas.RoleTechnical
	case "abuse-c", "mnt-irt":
		return ipatlas.RoleAbuse
	}
	return ""
}

// entities are the holder, then the contacts in the order the object names
// them, then the holder's abuse contact when the object names none.
func entities(o rpsl.Object, h *Holders) []ipatlas.Entity {
	out := make([]ipatlas.Entity, 0, 3) // a holder, a contact, an abuse contact
	var orgAbuse string
	if org := firstLine(o.Get("org")); org != "" {
		hd, _ := h.get(org)
		out = append(out, ipatlas.Entity{Handle: org, Roles: []string{ipatlas.RoleRegistrant}, Contact: hd.contact})
		orgAbuse = hd.abuse
	}
	first, hasAbuse := len(out), false
	for _, a := range o.Attrs {
		role := contactRole(a.Name)
		if role == "" {
			continue
		}
		handle := firstLine(a.Value)
		if handle == "" || isPlaceholder(handle) {
			continue
		}
		hasAbuse = hasAbuse || role == ipatlas.RoleAbuse
		out = addRole(out, first, handle, role, h)
	}
	if !hasAbuse && orgAbuse != "" && !isPlaceholder(orgAbuse) {
		out = addRole(out, first, orgAbuse, ipatlas.RoleAbuse, h)
	}
	return out
}

// addRole gives handle role, adding its entity after out[:first] if it is
// not there yet.
func addRole(out []ipatlas.Entity, first int, handle, role string, h *Holders) []ipatlas.Entity {
	for i := first; i < len(out); i++ {
		if strings.EqualFold(out[i].Handle, handle) {
			if !slices.Contains(out[i].Roles, role) {
				out[i].Roles = append(out[i].Roles, role)
			}
			return out
		}
	}
	hd, _ := h.get(handle)
	return append(out, ipatlas.Entity{Handle: handle, Roles: []string{role}, Contact: hd.contact})
}

// isPlaceholder reports whether a handle is a dummifier's stand-in for a
// contact left out (RIPE NCC's DUMY-RIPE): it names nobody.
func isPlaceholder(handle string) bool {
	return len(handle) >= 5 && strings.EqualFold(handle[:5], "DUMY-")
}

// remarks are the descr: lines as one untitled remark, and the remarks:
// lines as another, without the block a dummifier adds. Lines are
// gathered on the stack first: in RIPE NCC's dump every object's remarks
// are that block alone.
func remarks(o rpsl.Object) []ipatlas.Remark {
	var descrBuf, remBuf [16]string
	descr, rems := descrBuf[:0], remBuf[:0]
	for _, a := range o.Attrs {
		switch a.Name {
		case "descr":
			descr = appendLines(descr, a.Value)
		case "remarks":
			rems = appendLines(rems, a.Value)
		}
	}
	rems = withoutModifiedNotice(rems)
	if len(descr) == 0 && len(rems) == 0 {
		return nil
	}
	out := make([]ipatlas.Remark, 0, 2)
	if len(descr) > 0 {
		out = append(out, ipatlas.Remark{Description: slices.Clone(descr)})
	}
	if len(rems) > 0 {
		out = append(out, ipatlas.Remark{Description: slices.Clone(rems)})
	}
	return out
}

// appendLines appends a continued value's lines.
func appendLines(dst []string, v string) []string {
	for {
		i := strings.IndexByte(v, '\n')
		if i < 0 {
			return append(dst, v)
		}
		dst, v = append(dst, v[:i]), v[i+1:]
	}
}

// modifiedNotice is the line a dummifier's remarks block opens with, after
// a line of asterisks; the block ends at the next line of asterisks.
const modifiedNotice = "* THIS OBJECT IS MODIFIED"

// withoutModifiedNotice drops the block from ls, in place.
func withoutModifiedNotice(ls []string) []string {
	for i := 1; i < len(ls); i++ {
		if ls[i] != modifiedNotice || !isStars(ls[i-1]) {
			continue
		}
		end := i + 1
		for end < len(ls) && !isStars(ls[end]) {
			end++
		}
		return append(ls[:i-1], ls[min(end+1, len(ls)):]...)
	}
	return ls
}

func isStars(s string) bool { return s != "" && strings.Trim(s, "*") == "" }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// RegistryOfFile is the registry a dump's file name starts with
// ("ripe.db.inetnum.gz", "apnic.db.inet6num", "afrinic.db.gz"), for a
// path or a URL.
func RegistryOfFile(name string) (ipatlas.Registry, bool) {
	prefix, _, ok := strings.Cut(baseName(name), ".")
	if !ok {
		return "", false
	}
	r, err := ipatlas.ParseRegistry(prefix)
	return r, err == nil
}

// baseName is the lower-cased last element of a path (either slash) or URL.
func baseName(name string) string {
	return strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
}
