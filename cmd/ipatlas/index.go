package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/sqlite"
)

// readStore opens the database read-only, reads what read returns, and
// closes it.
func readStore[T any](ctx context.Context, db string, read func(*sqlite.Store) (T, error)) (T, error) {
	store, err := sqlite.Open(ctx, db, sqlite.Options{ReadOnly: true})
	if err != nil {
		var zero T
		return zero, err
	}
	defer store.Close()
	return read(store)
}

// indexPath is where a database's lookup index lives: next to it.
func indexPath(db string) string { return db + ".index" }

// buildIndex writes the index of the store's whole history, decoding one
// snapshot's delta at a time.
func buildIndex(ctx context.Context, store *sqlite.Store, path string) (index.Stats, error) {
	snaps, deltas, err := store.Deltas(ctx)
	if err != nil {
		return index.Stats{}, err
	}
	return index.Build(path, index.Source{Snapshots: snaps, Ops: func(k int, fn func(history.Op) error) error {
		delta := deltas[k]
		deltas[k] = nil // read once
		err := history.Each(delta, fn)
		if err != nil {
			return fmt.Errorf("snapshot %d (%s): %w", snaps[k].ID, snaps[k].Datetime, err)
		}
		return nil
	}})
}

// currentIndex opens the index at path if it was built from the history
// whose snapshots are snaps; nil when it is missing, damaged or stale,
// all of which a rebuild mends: it is derived data.
func currentIndex(path string, snaps []ipatlas.Snapshot) (*index.Index, error) {
	ix, err := index.Open(path)
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, index.ErrFormat):
		return nil, nil
	case err != nil:
		return nil, err
	case ix.Stamp() != index.Stamp(snaps):
		ix.Close()
		return nil, nil
	}
	return ix, nil
}

// openIndex opens a database's index, building it first when it is not
// current; when have already serves the database's history, it returns
// have and touches no file.
func openIndex(ctx context.Context, db string, have *index.Index) (*index.Index, error) {
	return readStore(ctx, db, func(store *sqlite.Store) (*index.Index, error) {
		snaps, err := store.Snapshots(ctx)
		if err != nil {
			return nil, err
		}
		if have != nil && have.Stamp() == index.Stamp(snaps) {
			return have, nil
		}
		path := indexPath(db)
		if ix, err := currentIndex(path, snaps); ix != nil || err != nil {
			return ix, err
		}
		if _, err := buildIndex(ctx, store, path); err != nil {
			return nil, err
		}
		return index.Open(path)
	})
}

func runIndex(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "index", "[flags]", `Build the database's lookup index (FILE.index, next to the database) from its
whole history, or check the one there with --verify. load and a finished
crawl build it when they add a snapshot; lookup and serve build it when it is
missing, damaged or stale.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	verify := fs.Bool("verify", false, "check the existing index (checksum, segments, references, records) instead of building")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := embeddedOnly("index", *db); err != nil {
		return err
	}
	path := indexPath(*db)
	if *verify {
		ix, err := index.Open(path)
		if err != nil {
			return err
		}
		defer ix.Close()
		if err := ix.Verify(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: ok, %d snapshots\n", path, len(ix.Snapshots()))
		return nil
	}
	start := time.Now()
	st, err := readStore(ctx, *db, func(store *sqlite.Store) (index.Stats, error) { return buildIndex(ctx, store, path) })
	if err != nil {
		return err
	}
	printIndexStats(e, path, st, time.Since(start))
	return nil
}

func printIndexStats(e *env, path string, st index.Stats, took time.Duration) {
	segs := float64(st.Segments4 + st.Segments6)
	rest := float64(st.FileBytes - st.RecordBytes)
	fmt.Fprintf(e.stdout, "index %s: %d snapshots, %d versions, %d+%d segments (IPv4+IPv6), %.1f MiB (records %.1f MiB; besides them %.1f bytes per segment, %.1f without the fixed %.1f MiB of first-level tables), built in %s\n",
		path, st.Snapshots, st.Versions, st.Segments4, st.Segments6, float64(st.FileBytes)/(1<<20), float64(st.RecordBytes)/(1<<20),
		rest/segs, (rest-float64(st.TopBytes))/segs, float64(st.TopBytes)/(1<<20), took.Round(time.Millisecond))
}
