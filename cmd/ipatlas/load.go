package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/parallel"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "load", "[flags] FILE…", `Load Whip-format snapshots (JSON lines with "begin", "end", "datetime" and any
other fields; .gz read transparently) into the database's history. Each file
is one snapshot; files may come in any order and older than what is stored.
A file's ranges come sorted, IPv4 before IPv6; a range may lie inside an
earlier one (nested networks, as 'ipatlas export' writes them), never partly
overlap it. A bad line stops the load with its file, line and field, and
nothing of it is stored.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	paths, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	if err := embeddedOnly("load", *db); err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErr("no files to load")
	}
	// Everything read stays live until it is stored, so a collection
	// finds little garbage: collecting half as often saves ~10% of the
	// time for ~10% more memory.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	start := time.Now()
	files, err := readFiles(paths)
	if err != nil {
		return err
	}
	pending := make([]history.Pending, len(files))
	for i, f := range files {
		pending[i].At, pending[i].Datetime, pending[i].Source, pending[i].Records = f.At, f.Datetime, f.Name, f.Records
	}
	store, err := sqlite.Open(ctx, *db, sqlite.Options{Exclusive: true})
	if err != nil {
		return err
	}
	defer store.Close()
	return addSnapshots(ctx, e, store, *db, pending, func() {
		fmt.Fprintf(e.stdout, "loaded %d file(s) in %s\n", len(files), time.Since(start).Round(time.Millisecond))
	})
}

// addSnapshots stores snapshots (loaded files or a finished crawl) in the
// history and brings the lookup index up to date: built while the
// snapshots are written, put in place once they are committed. stored is
// called once they are.
func addSnapshots(ctx context.Context, e *env, store *sqlite.Store, db string, pending []history.Pending, stored func()) error {
	add := func(alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error) {
		return store.AddSnapshots(ctx, pending, alongside)
	}
	return addToHistory(e, db, len(pending), add, stored)
}

// addToHistory is addSnapshots for any way of adding snapshots to the
// embedded history: add stores them, calling alongside with the history
// it writes.
func addToHistory(e *env, db string, pending int, add func(alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error), stored func()) error {
	final := indexPath(db)
	next := final + ".next"
	defer os.Remove(next) // left only when the add failed
	var st index.Stats
	var took time.Duration
	built := false // alongside the write: only when something was written
	added, timeline, err := add(func(timeline []history.Stored) error {
		start := time.Now()
		var err error
		if st, err = index.Build(next, index.FromTimeline(timeline)); err != nil {
			return fmt.Errorf("building the index: %w", err)
		}
		took, built = time.Since(start), true
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range added {
		fmt.Fprintf(e.stdout, "snapshot %d  %-25s %8d ranges  +%d -%d ~%d  %s\n", s.ID, s.Datetime, s.Records, s.Added, s.Removed, s.Changed, s.Source)
	}
	printUnchanged(e, pending-len(added))
	stored()
	if built {
		if err := os.Rename(next, final); err != nil {
			return fmt.Errorf("the snapshots are stored; putting the index in place failed: %w", err)
		}
		printIndexStats(e, final, st, took)
		return nil
	}
	// Nothing was written: the index needs building only if it is missing,
	// damaged or stale.
	src := index.FromTimeline(timeline)
	if ix, err := currentIndex(final, src.Snapshots); ix != nil || err != nil {
		if ix != nil {
			ix.Close()
		}
		return err
	}
	start := time.Now()
	if st, err = index.Build(final, src); err != nil {
		return fmt.Errorf("building the index failed: %w", err)
	}
	printIndexStats(e, final, st, time.Since(start))
	return nil
}

// printUnchanged says how many snapshots were found stored already.
func printUnchanged(e *env, n int) {
	if n > 0 {
		fmt.Fprintf(e.stdout, "%d snapshot(s) already stored, unchanged\n", n)
	}
}

// readFiles reads and validates the files in parallel; the first error (in
// argument order) wins.
func readFiles(paths []string) ([]*whipfile.File, error) {
	files := make([]*whipfile.File, len(paths))
	errs := make([]error, len(paths))
	parallel.For(len(paths), func(i int) { files[i], errs[i] = whipfile.Open(paths[i]) })
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
