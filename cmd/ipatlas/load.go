package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "load", "[flags] FILE…", `Load Whip-format snapshots (JSON lines with "begin", "end", "datetime" and any
other fields; .gz read transparently) into the database's history. Each file
is one snapshot; files may come in any order and older than what is stored.
A bad line stops the load with its file, line and field, and nothing of it
is stored.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	paths, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErr("no files to load")
	}
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
// history and brings the lookup index up to date; stored is called once
// they are stored, before the index is built.
func addSnapshots(ctx context.Context, e *env, store *sqlite.Store, db string, pending []history.Pending, stored func()) error {
	added, timeline, err := store.AddSnapshots(ctx, pending)
	if err != nil {
		return err
	}
	for _, s := range added {
		fmt.Fprintf(e.stdout, "snapshot %d  %-25s %8d ranges  +%d -%d ~%d  %s\n", s.ID, s.Datetime, s.Records, s.Added, s.Removed, s.Changed, s.Source)
	}
	if same := len(pending) - len(added); same > 0 {
		fmt.Fprintf(e.stdout, "%d snapshot(s) already stored, unchanged\n", same)
	}
	stored()
	src := index.FromTimeline(timeline) // as the store left it: nothing to read back
	if len(added) == 0 {
		if ix, err := currentIndex(indexPath(db), src.Snapshots); ix != nil || err != nil {
			if ix != nil {
				ix.Close()
			}
			return err
		}
	}
	start := time.Now()
	st, err := index.Build(indexPath(db), src)
	if err != nil {
		return fmt.Errorf("the snapshots are stored; building the index failed: %w", err)
	}
	printIndexStats(e, indexPath(db), st, time.Since(start))
	return nil
}

// readFiles reads and validates the files in parallel; the first error (in
// argument order) wins.
func readFiles(paths []string) ([]*whipfile.File, error) {
	files := make([]*whipfile.File, len(paths))
	errs := make([]error, len(paths))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			files[i], errs[i] = whipfile.Open(p)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
