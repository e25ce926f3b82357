package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/sqlite"
)

// dbFlagHelp is the --db flag's help for the commands that take either
// database.
const dbFlagHelp = "the database: an embedded `FILE`, or a PostgreSQL URL (postgres://…) shared by a fleet"

// isPostgres reports whether --db names a PostgreSQL database rather than
// an embedded file.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// displayDB is --db as it may be printed: a URL's password hidden.
func displayDB(db string) string {
	if u, err := url.Parse(db); err == nil && isPostgres(db) {
		return u.Redacted()
	}
	return db
}

// database is the store --db names, and how a complete run becomes part
// of its history: the embedded store keeps history as deltas with a lookup
// index beside it, built here; PostgreSQL writes its network versions
// itself, in the transaction that marks the run finished.
type database struct {
	ipatlas.Store
	name string // --db, fit to print
	// finish adds a complete run to the history and marks it finished.
	finish func(ctx context.Context, e *env, run ipatlas.Run) error
	// ensureSnapshot makes sure a finished run is in the history.
	ensureSnapshot func(ctx context.Context, e *env, run ipatlas.Run) error
}

// openDatabase opens --db: PostgreSQL for a URL, else the embedded file,
// for a crawl (exclusively) or for reading.
func openDatabase(ctx context.Context, db string, forCrawl bool) (*database, error) {
	if isPostgres(db) {
		s, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return &database{Store: s, name: displayDB(db),
			finish:         func(ctx context.Context, _ *env, run ipatlas.Run) error { return s.FinishRun(ctx, run.ID) },
			ensureSnapshot: func(context.Context, *env, ipatlas.Run) error { return nil }}, nil
	}
	s, err := sqlite.Open(ctx, db, sqlite.Options{Exclusive: forCrawl, ReadOnly: !forCrawl})
	if err != nil {
		return nil, err
	}
	return &database{Store: s, name: db,
		finish: func(ctx context.Context, e *env, run ipatlas.Run) error {
			// The snapshot is stored before the run is marked finished: a
			// crash in between leaves the run unfinished, and the next
			// crawl, finding nothing left to ask, stores it again
			// (unchanged) and finishes it.
			if err := snapshotRun(ctx, e, s, db, run); err != nil {
				return err
			}
			return s.FinishRun(ctx, run.ID)
		},
		ensureSnapshot: func(ctx context.Context, e *env, run ipatlas.Run) error { return ensureSnapshot(ctx, e, s, db, run) }}, nil
}

// ensureSnapshot makes sure a finished run is in the embedded history.
// Runs finish after their snapshot is stored, so only a database whose
// runs finished before crawls made snapshots lacks it; looking the
// snapshot up spares reading every network on each crawl of a complete
// database.
func ensureSnapshot(ctx context.Context, e *env, store *sqlite.Store, db string, run ipatlas.Run) error {
	snaps, err := store.Snapshots(ctx)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s.At.Equal(run.Started) {
			printUnchanged(e, 1)
			return nil
		}
	}
	return snapshotRun(ctx, e, store, db, run)
}

// snapshotRun adds a finished run to the embedded history, replacing the
// run's earlier snapshot if its failures were retried since, and brings
// the lookup index up to date.
func snapshotRun(ctx context.Context, e *env, store *sqlite.Store, db string, run ipatlas.Run) error {
	p, err := crawl.Snapshot(ctx, store, run)
	if err == nil {
		p, err = withDumps(ctx, store, run, p)
	}
	if err == nil {
		err = carryOriginAS(ctx, e, store, &p)
	}
	if err != nil {
		return err
	}
	return addSnapshots(ctx, e, store, db, []history.Pending{p}, func() {})
}

// embeddedOnly refuses a PostgreSQL --db for commands that read the
// embedded history and its lookup index.
func embeddedOnly(command, db string) error {
	if !isPostgres(db) {
		return nil
	}
	return usageErr("--db %s: %s reads an embedded database and its lookup index; a fleet's PostgreSQL database is queried with SQL (docs/sql.md), or exported with 'ipatlas export --db %s'",
		displayDB(db), command, displayDB(db))
}
