// Package storekit is what the stores (sqlite, postgres) compute the same
// way whatever their SQL: progress from unit rows, retry units from
// failure rows, leases in plan order.
package storekit

import (
	"cmp"
	"encoding/json"
	"math/big"
	"net/netip"
	"slices"

	"github.com/ipatlas/ipatlas"
)

// Progress adds up a run's progress per registry from rows read in any
// order.
type Progress struct {
	byReg map[ipatlas.Registry]*ipatlas.Progress
}

// Of is the registry's progress so far, to add to.
func (p *Progress) Of(reg string) *ipatlas.Progress {
	if p.byReg == nil {
		p.byReg = map[ipatlas.Registry]*ipatlas.Progress{}
	}
	r := p.byReg[ipatlas.Registry(reg)]
	if r == nil {
		r = &ipatlas.Progress{Registry: ipatlas.Registry(reg)}
		p.byReg[r.Registry] = r
	}
	return r
}

// AddUnit counts a unit and the addresses its cursor has passed; an
// invalid cursor means the unit is done.
func (p *Progress) AddUnit(reg string, first, last, cursor netip.Addr) {
	r := p.Of(reg)
	cov := &r.IPv4
	if first.Is6() {
		cov = &r.IPv6
	}
	size := span(first, last)
	r.Units++
	cov.Addresses += size
	if !cursor.IsValid() {
		r.UnitsDone++
		cov.Covered += size
	} else {
		cov.Covered += span(first, cursor) - 1
	}
}

// List is the registries' progress in the order of ipatlas.Registries.
func (p *Progress) List() []ipatlas.Progress {
	var out []ipatlas.Progress
	for _, r := range ipatlas.Registries() {
		if pr := p.byReg[r]; pr != nil {
			out = append(out, *pr)
		}
	}
	return out
}

// span is the number of addresses in [first, last], as a float.
func span(first, last netip.Addr) float64 {
	d := new(big.Int).Sub(new(big.Int).SetBytes(last.AsSlice()), new(big.Int).SetBytes(first.AsSlice()))
	f, _ := new(big.Float).SetInt(d.Add(d, big.NewInt(1))).Float64()
	return f
}

// RetryUnits turns failed spans, read ordered by registry, family and
// address, into units to walk again: spans that follow one another (a walk
// that kept failing skips ahead span by span) become one unit, walked in
// order as the first walk would have.
type RetryUnits struct {
	Units []ipatlas.Unit
}

// Add adds one failed span.
func (r *RetryUnits) Add(reg string, span ipatlas.Range) {
	if n := len(r.Units); n > 0 && string(r.Units[n-1].Registry) == reg && r.Units[n-1].Range.To.Next() == span.From {
		r.Units[n-1].Range.To = span.To
		return
	}
	r.Units = append(r.Units, ipatlas.Unit{Registry: ipatlas.Registry(reg), Kind: ipatlas.UnitDelegated, Range: span})
}

// SortByID puts leased units (and their leases, side by side) in plan
// order: an UPDATE … RETURNING gives no order.
func SortByID(units []ipatlas.Unit, leases []ipatlas.Lease) {
	idx := make([]int, len(units))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(units[a].ID, units[b].ID) })
	u2, l2 := make([]ipatlas.Unit, len(units)), make([]ipatlas.Lease, len(leases))
	for i, j := range idx {
		u2[i], l2[i] = units[j], leases[j]
	}
	copy(units, u2)
	copy(leases, l2)
}

// Lease claims up to n units with claim: pending units first, then units
// whose lease expired (state "leased"), in plan order within each.
func Lease(n int, claim func(state string, n int) ([]ipatlas.Unit, []ipatlas.Lease, error)) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	var units []ipatlas.Unit
	var leases []ipatlas.Lease
	for _, state := range []string{"pending", "leased"} {
		if len(units) >= n {
			break
		}
		u, l, err := claim(state, n-len(units))
		if err != nil {
			return nil, nil, err
		}
		SortByID(u, l)
		units, leases = append(units, u...), append(leases, l...)
	}
	return units, leases, nil
}

// EncodeWorkerCounts is a worker's counters and rates as the stores keep
// them: JSON, which SQL users can read too.
func EncodeWorkerCounts(w ipatlas.Worker) (counts, rates []byte, err error) {
	if counts, err = json.Marshal(orEmpty(w.Counts)); err != nil {
		return nil, nil, err
	}
	if w.Rates == nil {
		w.Rates = map[ipatlas.Registry]float64{}
	}
	rates, err = json.Marshal(w.Rates)
	return counts, rates, err
}

// DecodeWorkerCounts reads back what EncodeWorkerCounts wrote.
func DecodeWorkerCounts(w *ipatlas.Worker, counts, rates []byte) error {
	if err := json.Unmarshal(counts, &w.Counts); err != nil {
		return err
	}
	return json.Unmarshal(rates, &w.Rates)
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
