package crawl

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Refresh is a new run's plan ordered for re-crawling a finished run at the
// lowest cost. Units are leased in the order they are planned, so:
//   - first the units whose delegated-stats record changed since the
//     previous run (or that are new, or had failures): that is where the
//     registrations changed;
//   - then the unchanged units whose answers are older than the maximum
//     age, oldest answers first;
//   - last, never asked: the unchanged units with fresh answers, whose
//     networks the new run carries over from the previous one.
type Refresh struct {
	Units []ipatlas.Unit
	// Carry are the indexes in Units of the units to carry over.
	Carry []int
	// Changed, Stale and Fresh count the units of each kind.
	Changed, Stale, Fresh int
}

// unitAge is what a previous run knows of a unit.
type unitAge struct {
	unit   ipatlas.Unit
	oldest time.Time // the oldest answer recorded in it
	failed bool      // some address in it failed
}

// PlanRefresh orders next (a fresh plan) against the previous, finished
// run: see Refresh. Answers older than maxAge (measured at now) are asked
// again; maxAge 0 asks everything again, changed units first.
func PlanRefresh(ctx context.Context, store ipatlas.Store, prev ipatlas.Run, next []ipatlas.Unit, maxAge time.Duration, now time.Time) (Refresh, error) {
	ages, err := previousUnits(ctx, store, prev)
	if err != nil {
		return Refresh{}, err
	}
	var changed, fresh []ipatlas.Unit
	var stale []staleUnit
	for _, u := range next {
		old, ok := ages[unitKey(u)]
		switch {
		case !ok || old.failed || old.unit.Digest != u.Digest || old.unit.State != ipatlas.UnitDone:
			changed = append(changed, u)
		case maxAge == 0 || now.Sub(old.oldest) >= maxAge:
			stale = append(stale, staleUnit{u, old.oldest})
		default:
			fresh = append(fresh, u)
		}
	}
	slices.SortStableFunc(stale, func(a, b staleUnit) int { return a.oldest.Compare(b.oldest) })
	r := Refresh{Changed: len(changed), Stale: len(stale), Fresh: len(fresh)}
	r.Units = append(r.Units, changed...)
	for _, s := range stale {
		r.Units = append(r.Units, s.unit)
	}
	for _, u := range fresh {
		r.Carry = append(r.Carry, len(r.Units))
		r.Units = append(r.Units, u)
	}
	return r, nil
}

type staleUnit struct {
	unit   ipatlas.Unit
	oldest time.Time
}

// unitKey identifies a unit across runs: the same space, registry and kind.
func unitKey(u ipatlas.Unit) string {
	return fmt.Sprintf("%s %s %s", u.Registry, u.Kind, u.Range)
}

// previousUnits reads the previous run's units with the age of their
// oldest answer (the run's start for a unit with none) and whether any of
// their addresses failed.
func previousUnits(ctx context.Context, store ipatlas.Store, prev ipatlas.Run) (map[string]*unitAge, error) {
	units, err := store.Units(ctx, prev.ID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(units, func(a, b ipatlas.Unit) int { return a.Range.From.Compare(b.Range.From) })
	ages := make(map[string]*unitAge, len(units))
	byStart := make([]*unitAge, len(units))
	for i, u := range units {
		a := &unitAge{unit: u, oldest: prev.Started}
		ages[unitKey(u)], byStart[i] = a, a
	}
	holder := func(r ipatlas.Range) *unitAge {
		i := sort.Search(len(units), func(i int) bool { return r.From.Less(units[i].Range.From) }) - 1
		if i < 0 || !units[i].Range.Contains(r.From) {
			return nil
		}
		return byStart[i]
	}
	err = store.Networks(ctx, prev.ID, func(n ipatlas.Network) error {
		if a := holder(n.Range); a != nil && !n.Source.Retrieved.IsZero() && n.Source.Retrieved.Before(a.oldest) {
			a.oldest = n.Source.Retrieved
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("run %d: %w", prev.ID, err)
	}
	failures, err := store.Failures(ctx, prev.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range failures {
		if a := holder(ipatlas.Range{From: f.Addr, To: f.Addr}); a != nil {
			a.failed = true
		}
	}
	return ages, nil
}
