package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/sqlite"
)

// A crawl after load-dump asks nothing of the space a dump covers (a
// registry's networks of one IP version): the planner leaves it out, and
// the run's snapshot takes the dump's networks from the history. So a
// snapshot stays the whole state of the data.

// plannedDumps are the latest dumps loaded of the registries a new run
// plans, which its plan leaves out; none for PostgreSQL, where load-dump
// is refused.
func plannedDumps(ctx context.Context, e *env, db *database, regs []ipatlas.Registry) ([]ipatlas.Dump, error) {
	store, ok := db.Store.(*sqlite.Store)
	if !ok {
		return nil, nil
	}
	all, err := store.Dumps(ctx)
	if err != nil {
		return nil, err
	}
	var out []ipatlas.Dump
	for _, d := range dump.Latest(all, time.Now()) {
		if slices.Contains(regs, d.Registry) {
			fmt.Fprintf(e.stderr, "%s IPv%d: from the dump of %s (%d networks), not queried\n", d.Registry, d.IPVersion, d.Datetime, d.Networks)
			out = append(out, d)
		}
	}
	return out, nil
}

// runDumps are the dumps a run's snapshot takes networks from: for each
// registry and IP version the run has no unit of, the latest dump dated at
// or before the run's start. A registry the run left out (--registries,
// --within) keeps its dumped networks in the snapshot too.
func runDumps(ctx context.Context, store *sqlite.Store, run ipatlas.Run) ([]ipatlas.Dump, error) {
	all, err := store.Dumps(ctx)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	prog, err := store.Progress(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	planned := func(d ipatlas.Dump) bool {
		for _, p := range prog {
			if p.Registry == d.Registry && (d.IPVersion == 4 && p.IPv4.Addresses > 0 || d.IPVersion == 6 && p.IPv6.Addresses > 0) {
				return true
			}
		}
		return false
	}
	return slices.DeleteFunc(dump.Latest(all, run.Started), planned), nil
}

// withDumps adds to a run's snapshot the networks of the dumps it stands
// on, as the history holds them at each dump's date.
func withDumps(ctx context.Context, store *sqlite.Store, run ipatlas.Run, p history.Pending) (history.Pending, error) {
	dumps, err := runDumps(ctx, store, run)
	if err != nil || len(dumps) == 0 {
		return p, err
	}
	stored, err := store.Timeline(ctx)
	if err != nil {
		return p, err
	}
	var dumped []ipatlas.Record
	states := map[time.Time][]ipatlas.Record{} // dumps loaded together share a date
	for _, d := range dumps {
		state, ok := states[d.At]
		if !ok {
			if state, err = history.StateAt(stored, d.At); err != nil {
				return p, fmt.Errorf("the dump of %s: %w", d.Datetime, err)
			}
			states[d.At] = state
		}
		dumped = append(dumped, dump.Covered(state, []ipatlas.Dump{d})...)
	}
	p.Records = dump.Overlay(p.Records, dumps, dumped)
	return p, nil
}
