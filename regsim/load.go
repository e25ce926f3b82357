package regsim

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// delegatedJobs groups the IP records of the configured delegated files into
// one job per IANA block, so a loaded world builds like a generated one:
// the records are the top-level blocks, children are generated inside them.
func (w *World) delegatedJobs() ([]blockJob, error) {
	tops, err := w.delegatedTops()
	if err != nil {
		return nil, err
	}
	var jobs []blockJob
	for _, t := range tops {
		p := ianaBlockOf(t.first.Addr(t.is4), t.is4)
		if n := len(jobs); n > 0 && jobs[n-1].prefix == p {
			jobs[n-1].tops = append(jobs[n-1].tops, t.topSpec)
			continue
		}
		s := iana.IPv4Slash8(byte(t.first.Lo >> 24))
		jobs = append(jobs, blockJob{w: w, is4: t.is4, prefix: p, reg: t.reg,
			legacy: t.is4 && s.Status == iana.StatusLegacy, tops: []topSpec{t.topSpec}})
	}
	return jobs, nil
}

type loadedTop struct {
	topSpec
	is4 bool
}

// delegatedTops reads the allocated and assigned IP records, sorted by
// address, dropping (with a warning) any that overlaps one before it.
func (w *World) delegatedTops() ([]loadedTop, error) {
	var tops []loadedTop
	for _, f := range w.cfg.Delegated {
		for _, rec := range f.Records {
			t, ok, err := topFromRecord(rec)
			if err != nil {
				return nil, fmt.Errorf("load delegated %s: %w", f.Name, err)
			}
			if ok && w.selected(t) {
				tops = append(tops, t)
			}
		}
	}
	sort.SliceStable(tops, func(i, j int) bool {
		if tops[i].is4 != tops[j].is4 {
			return tops[i].is4
		}
		return tops[i].first.Less(tops[j].first)
	})
	out := tops[:0]
	for _, t := range tops {
		if n := len(out); n > 0 && out[n-1].is4 == t.is4 && !out[n-1].last.Less(t.first) {
			w.warnings = append(w.warnings, fmt.Sprintf("dropped %s %s: overlaps %s %s",
				t.reg, rangeOf(t), out[n-1].reg, rangeOf(out[n-1])))
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

func rangeOf(t loadedTop) ipatlas.Range {
	return ipatlas.Range{From: t.first.Addr(t.is4), To: t.last.Addr(t.is4)}
}

func topFromRecord(rec delegated.Record) (loadedTop, bool, error) {
	if rec.Type == "asn" || (rec.Status != "allocated" && rec.Status != "assigned") {
		return loadedTop{}, false, nil
	}
	reg, err := ipatlas.ParseRegistry(rec.Registry)
	if err != nil {
		return loadedTop{}, false, nil // the IANA file's own rows
	}
	rg, err := rec.Range()
	if err != nil {
		return loadedTop{}, false, err
	}
	date, _ := rec.Time()
	t := topSpec{first: u128.FromAddr(rg.From), last: u128.FromAddr(rg.To), reg: reg, cc: rec.CC,
		date: date, assigned: rec.Status == "assigned"}
	return loadedTop{topSpec: t, is4: rg.Is4()}, true, nil
}

// selected reports whether t lies in the configured blocks (all of them when
// none were configured).
func (w *World) selected(t loadedTop) bool {
	blocks := w.cfg.IPv6
	if t.is4 {
		blocks = w.cfg.IPv4
	}
	if blocks == nil {
		return true
	}
	for _, p := range blocks {
		if p.Contains(t.first.Addr(t.is4)) && p.Contains(t.last.Addr(t.is4)) {
			return true
		}
	}
	return false
}

// ianaBlockOf is the IANA block (an IPv4 /8, or an RIR's IPv6 block) that
// holds a, so loaded records group the way generated ones do.
func ianaBlockOf(a netip.Addr, is4 bool) netip.Prefix {
	if is4 {
		return netip.PrefixFrom(a, 8).Masked()
	}
	if b, ok := iana.IPv6BlockOf(netip.PrefixFrom(a, 128)); ok {
		return b.Prefix
	}
	return netip.PrefixFrom(a, 12).Masked()
}
