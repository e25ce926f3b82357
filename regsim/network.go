package regsim

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// Network returns the network as its registry publishes it over RDAP:
// exactly the fields that registry fills, so that a perfect crawl of the
// simulator parses back to this value.
func (w *World) Network(r NetRef) ipatlas.Network {
	n := w.node(r)
	reg := registries[n.reg]
	o := w.org(n.org, n.reg)
	net := ipatlas.Network{
		Registry:     reg,
		Range:        w.Range(r),
		Handle:       w.Handle(r),
		Name:         netName(reg, n, o, r.is4),
		Type:         netType(reg, n, r.is4),
		Country:      string(n.cc[:]),
		ParentHandle: w.parentHandle(r),
		Events:       netEvents(reg, n),
		Entities:     w.netEntities(n, o),
		Remarks:      netRemarks(reg, o),
	}
	if reg != ipatlas.RIPENCC && reg != ipatlas.LACNIC {
		net.Status = []string{"active"}
	}
	p := profiles[reg]
	net.Port43, net.CIDRs, net.Notices = p.port43, net.Range.Prefixes(), p.remarks()
	if reg == ipatlas.ARIN {
		net.Country = "" // ARIN publishes the country only on the organisation
		net.OriginAS = []uint32{originAS(o.id)}
	}
	return net
}

func originAS(org uint32) uint32 { return 1000 + org%64000 }

// Handle is the network's handle in its registry's style.
func (w *World) Handle(r NetRef) string {
	n := w.node(r)
	return handleFor(registries[n.reg], w.Range(r), int(n.depth)+1)
}

func handleFor(reg ipatlas.Registry, rg ipatlas.Range, seq int) string {
	switch reg {
	case ipatlas.ARIN:
		return arinHandle(rg.From, seq)
	case ipatlas.LACNIC:
		return rg.Prefixes()[0].String()
	}
	if rg.Is4() {
		return rg.String()
	}
	return rg.Prefixes()[0].String()
}

// arinHandle writes ARIN's NET-13-64-0-0-1 and NET6-2001-4860-1 handles.
func arinHandle(a netip.Addr, seq int) string {
	if a.Is4() {
		b := a.As4()
		return fmt.Sprintf("NET-%d-%d-%d-%d-%d", b[0], b[1], b[2], b[3], seq)
	}
	b := a.As16()
	groups := make([]string, 0, 8)
	for i := 0; i < 16; i += 2 {
		groups = append(groups, fmt.Sprintf("%X", uint16(b[i])<<8|uint16(b[i+1])))
	}
	for len(groups) > 1 && groups[len(groups)-1] == "0" {
		groups = groups[:len(groups)-1]
	}
	return fmt.Sprintf("NET6-%s-%d", strings.Join(groups, "-"), seq)
}

// parentHandle is the enclosing network's handle; a top-level network names
// the registry's own block above it, the way each registry does.
func (w *World) parentHandle(r NetRef) string {
	if w.Registry(r) == ipatlas.LACNIC {
		return "" // LACNIC publishes no parent handle
	}
	if p := w.Parent(r); p.Valid() {
		return w.Handle(p)
	}
	reg := w.Registry(r)
	a := w.Range(r).From
	switch reg {
	case ipatlas.RIPENCC:
		if a.Is4() {
			return "0.0.0.0 - 255.255.255.255"
		}
		return "::/0"
	}
	block := netip.PrefixFrom(a, 8).Masked()
	if !a.Is4() {
		if b, ok := iana.IPv6BlockOf(netip.PrefixFrom(a, 128)); ok {
			block = b.Prefix
		}
	}
	return handleFor(reg, ipatlas.PrefixRange(block), 0)
}

func netName(reg ipatlas.Registry, n node, o org, is4 bool) string {
	cc := string(n.cc[:])
	switch reg {
	case ipatlas.ARIN:
		if !is4 {
			return o.Short() + "-IPV6"
		}
		if n.depth > 0 {
			return fmt.Sprintf("%s-%d", o.Short(), n.depth)
		}
		return o.Short()
	case ipatlas.RIPENCC:
		if n.kind == kindAllocation {
			return cc + "-" + o.Short() + "-" + dayZero.AddDate(0, 0, int(n.regDay)).Format("20060102")
		}
		return o.Short() + "-NET"
	case ipatlas.APNIC:
		return o.Short() + "-" + cc
	case ipatlas.LACNIC:
		return o.Name()
	}
	return o.Short() + "-" + cc + "-NET"
}

var netTypes = map[ipatlas.Registry][4]string{
	ipatlas.ARIN:    {"DIRECT ALLOCATION", "DIRECT ASSIGNMENT", "REALLOCATION", "REASSIGNMENT"},
	ipatlas.RIPENCC: {"ALLOCATED PA", "ASSIGNED PI", "SUB-ALLOCATED PA", "ASSIGNED PA"},
	ipatlas.APNIC:   {"ALLOCATED PORTABLE", "ASSIGNED PORTABLE", "ALLOCATED NON-PORTABLE", "ASSIGNED NON-PORTABLE"},
	ipatlas.LACNIC:  {"allocated", "assigned", "reallocated", "reassigned"},
	ipatlas.AFRINIC: {"ALLOCATED PA", "ASSIGNED PI", "SUB-ALLOCATED PA", "ASSIGNED PA"},
}

var ripeV6Types = [4]string{"ALLOCATED-BY-RIR", "ASSIGNED PI", "AGGREGATED-BY-LIR", "ASSIGNED"}

func netType(reg ipatlas.Registry, n node, is4 bool) string {
	if reg == ipatlas.RIPENCC {
		switch {
		case !is4:
			return ripeV6Types[n.kind]
		case n.flags&flagLegacy != 0 && n.depth == 0:
			return "LEGACY"
		}
	}
	return netTypes[reg][n.kind]
}

// netEvents lists the events the registry publishes: RIPE NCC only the last
// change, AFRINIC none.
func netEvents(reg ipatlas.Registry, n node) []ipatlas.Event {
	changed := ipatlas.Event{Action: ipatlas.EventLastChanged, Date: eventTime(reg, n.chgDay, uint64(n.first.Lo))}
	registered := ipatlas.Event{Action: ipatlas.EventRegistration, Date: eventTime(reg, n.regDay, uint64(n.last.Lo))}
	switch reg {
	case ipatlas.RIPENCC:
		return []ipatlas.Event{changed}
	case ipatlas.AFRINIC:
		return nil
	case ipatlas.ARIN:
		return []ipatlas.Event{changed, registered}
	}
	return []ipatlas.Event{registered, changed}
}

// arinZone is the zone ARIN writes its dates in.
var arinZone = time.FixedZone("", -5*3600)

func eventTime(reg ipatlas.Registry, day uint16, salt uint64) time.Time {
	t := dayZero.AddDate(0, 0, int(day)).Add(time.Duration(mix(salt, uint64(day))%86400) * time.Second)
	if reg == ipatlas.ARIN {
		return t.In(arinZone)
	}
	return t
}

func netRemarks(reg ipatlas.Registry, o org) []ipatlas.Remark {
	switch reg {
	case ipatlas.ARIN:
		return []ipatlas.Remark{{Title: "Registration Comments", Description: []string{
			"For abuse reports please contact abuse@" + o.Domain()}}}
	case ipatlas.LACNIC:
		return nil
	}
	return []ipatlas.Remark{{Description: []string{o.Name()}}}
}
