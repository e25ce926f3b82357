package regsim

import (
	"fmt"
	"strconv"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// Delegated renders a registry's delegated-stats file for the world, with
// that registry's real quirks: ARIN's serial in milliseconds, RIPE NCC's in
// seconds with a 19700101 start date, AFRINIC's 00000000 start date and
// 00000 offset, LACNIC's wrong header and asn counts. Extended files carry
// opaque ids and "available" rows for the registry's undelegated space.
func (w *World) Delegated(reg ipatlas.Registry, extended bool) *delegated.File {
	f := &delegated.File{Name: "delegated-" + string(reg) + "-latest", Extended: extended,
		Summaries: map[string]int{}, SummaryOrder: []string{"asn", "ipv4", "ipv6"}}
	if extended {
		f.Name = "delegated-" + string(reg) + "-extended-latest"
	}
	f.Records = append(f.Records, w.asnRecords(reg, extended)...)
	for _, is4 := range []bool{true, false} {
		f.Records = append(f.Records, w.ipRecords(reg, is4, extended)...)
	}
	for _, r := range f.Records {
		f.Summaries[r.Type]++
	}
	f.Header = w.delegatedHeader(reg, extended, len(f.Records))
	if reg == ipatlas.LACNIC { // LACNIC's header and asn summary overcount
		f.Header.Records += 1520
		f.Summaries["asn"] += 1520
		f.SummaryOrder = []string{"ipv4", "ipv6", "asn"}
	}
	if reg == ipatlas.RIPENCC {
		f.SummaryOrder = []string{"ipv4", "asn", "ipv6"}
	}
	return f
}

func (w *World) delegatedHeader(reg ipatlas.Registry, extended bool, n int) delegated.Header {
	epoch := w.cfg.Epoch
	day := epoch.Format("20060102")
	h := delegated.Header{Version: "2", Registry: string(reg), Serial: day, Records: n, EndDate: day}
	switch reg {
	case ipatlas.ARIN:
		h.Version, h.Serial, h.StartDate, h.UTCOffset = "2.3", strconv.FormatInt(epoch.UnixMilli(), 10), "19700101", "-0500"
	case ipatlas.RIPENCC:
		h.Serial, h.StartDate, h.UTCOffset = strconv.FormatInt(epoch.Unix(), 10), "19830705", "+0100"
		if extended {
			h.StartDate = "19700101"
		}
	case ipatlas.APNIC:
		h.StartDate, h.UTCOffset = "19830613", "+1000"
		if extended {
			h.Version = "2.3"
		}
	case ipatlas.LACNIC:
		h.StartDate, h.UTCOffset = "19870101", "-0300"
		if extended {
			h.Version = "2.3"
		}
	case ipatlas.AFRINIC:
		h.StartDate, h.UTCOffset = "00000000", "00000"
	}
	return h
}

// asnRecords lists a block of AS numbers per registry, one per quarter of
// its top-level blocks, so the files have all three record types.
func (w *World) asnRecords(reg ipatlas.Registry, extended bool) []delegated.Record {
	tops := 0
	for _, t := range [][]node{w.v4, w.v6} {
		for _, n := range t {
			if n.parent < 0 && registries[n.reg] == reg {
				tops++
			}
		}
	}
	base := 1000 + 20000*int(regIndex(reg))
	status := "allocated"
	if reg == ipatlas.ARIN {
		status = "assigned" // ARIN assigns AS numbers; the others allocate them
	}
	var out []delegated.Record
	for i := range max(tops/4, 1) {
		o := w.org(uint32(i), regIndex(reg))
		out = append(out, delegated.Record{Registry: string(reg), CC: o.cc, Type: "asn",
			Start: strconv.Itoa(base + i), Value: 1, Date: o.created.Format("20060102"),
			Status: status, OpaqueID: w.opaqueID(reg, o.id, extended)})
	}
	return out
}

// ipRecords lists the registry's top-level blocks of one IP version, and in
// extended files the undelegated space of its IANA blocks as "available",
// as every registry's extended file does.
func (w *World) ipRecords(reg ipatlas.Registry, is4, extended bool) []delegated.Record {
	listFree := extended
	var out []delegated.Record
	gaps := w.undelegated(reg, is4)
	for _, n := range w.table(is4) {
		if n.parent >= 0 {
			continue
		}
		for listFree && len(gaps) > 0 && gaps[0].From.Less(n.first.Addr(is4)) {
			out = append(out, availableRecords(reg, gaps[0])...)
			gaps = gaps[1:]
		}
		if registries[n.reg] == reg {
			out = append(out, w.topRecord(n, is4, extended))
		}
	}
	for _, g := range gaps {
		if listFree {
			out = append(out, availableRecords(reg, g)...)
		}
	}
	return out
}

func (w *World) topRecord(n node, is4, extended bool) delegated.Record {
	reg := registries[n.reg]
	rec := delegated.Record{Registry: string(reg), CC: string(n.cc[:]), Start: n.first.Addr(is4).String(),
		Date: dayZero.AddDate(0, 0, int(n.regDay)).Format("20060102"), Status: "allocated",
		OpaqueID: w.opaqueID(reg, n.org, extended)}
	if n.kind == kindAssignment {
		rec.Status = "assigned"
	}
	size := n.last.Sub(n.first).Add64(1)
	if is4 {
		rec.Type, rec.Value = "ipv4", size.Lo
	} else {
		rec.Type, rec.Value = "ipv6", uint64(128-sizeBits(n))
	}
	return rec
}

// availableRecords writes an undelegated range the way the registry would:
// IPv4 as start and count, IPv6 as prefixes.
func availableRecords(reg ipatlas.Registry, g ipatlas.Range) []delegated.Record {
	cc := ""
	if reg == ipatlas.AFRINIC {
		cc = "ZZ"
	}
	if g.Is4() {
		return []delegated.Record{{Registry: string(reg), CC: cc, Type: "ipv4", Start: g.From.String(),
			Value: u128.FromAddr(g.To).Sub(u128.FromAddr(g.From)).Lo + 1, Status: "available"}}
	}
	var out []delegated.Record
	for _, p := range g.Prefixes() {
		out = append(out, delegated.Record{Registry: string(reg), CC: cc, Type: "ipv6", Start: p.Addr().String(),
			Value: uint64(p.Bits()), Status: "available"})
	}
	return out
}

// undelegated is the space of the world's blocks that IANA gives reg and no
// top-level block covers, minus special-purpose space, in address order.
func (w *World) undelegated(reg ipatlas.Registry, is4 bool) []ipatlas.Range {
	var free, tops []u128.Span
	for _, j := range w.worldBlocks(is4) {
		if j.reg == reg {
			free = append(free, j.freeRanges()...)
		}
	}
	for _, n := range w.table(is4) { // in address order already
		if n.parent < 0 {
			tops = append(tops, u128.Span{First: n.first, Last: n.last})
		}
	}
	var out []ipatlas.Range
	u128.Gaps(free, tops, func(_ int, g u128.Span) {
		out = append(out, ipatlas.Range{From: g.First.Addr(is4), To: g.Last.Addr(is4)})
	})
	return out
}

// opaqueID is the holder's opaque id in the registry's style.
func (w *World) opaqueID(reg ipatlas.Registry, org uint32, extended bool) string {
	if !extended {
		return ""
	}
	h := mix(w.cfg.Seed, uint64(org)|uint64(regIndex(reg))<<32)
	switch reg {
	case ipatlas.ARIN:
		return fmt.Sprintf("%016x%016x", h, mix(h, 1))
	case ipatlas.RIPENCC:
		return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(h), uint16(h>>32), uint16(h>>48)&0xfff, 0x8000|uint16(mix(h, 2))&0x3fff, mix(h, 3)&0xffffffffffff)
	case ipatlas.APNIC:
		return fmt.Sprintf("A9%06X", h&0xffffff)
	case ipatlas.LACNIC:
		return strconv.FormatUint(100000+h%900000, 10)
	}
	return fmt.Sprintf("F3%06X", h&0xffffff)
}
