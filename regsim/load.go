package regsim

import (
	"fmt"
	"net/netip"

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

// delegatedTops reads the held (allocated and assigned) blocks, sorted by
// address, dropping (with a warning) any that overlaps one before it.
func (w *World) delegatedTops() ([]loadedTop, error) {
	held, _, dropped, err := delegated.Blocks(w.cfg.Delegated)
	if err != nil {
		return nil, fmt.Errorf("load delegated: %w", err)
	}
	for _, d := range dropped {
		w.warnings = append(w.warnings, "dropped "+d)
	}
	var tops []loadedTop
	for _, b := range held {
		t := loadedTop{is4: b.Range.Is4(), topSpec: topSpec{first: u128.FromAddr(b.Range.From), last: u128.FromAddr(b.Range.To),
			reg: b.Registry, cc: b.CC, date: b.Date, assigned: b.Status == "assigned"}}
		if w.selected(t) {
			tops = append(tops, t)
		}
	}
	return tops, nil
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
