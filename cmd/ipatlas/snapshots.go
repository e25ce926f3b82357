package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runSnapshots(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "snapshots", "[flags]", `List the database's snapshots in time order, with what changed against the
snapshot before each.`)
	db := fs.String("db", "ipatlas.db", dbFlagHelp)
	format := fs.String("format", "table", "output `format`: table or jsonl")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "jsonl"); err != nil {
		return err
	}
	snaps, err := readSnapshots(ctx, *db)
	if err != nil {
		return err
	}
	if *format == "jsonl" {
		enc := json.NewEncoder(e.stdout)
		for _, s := range snaps {
			if err := enc.Encode(map[string]any{"id": s.ID, "datetime": s.Datetime, "at": s.At.Format(time.RFC3339Nano),
				"source": s.Source, "records": s.Records, "added": s.Added, "removed": s.Removed, "changed": s.Changed,
				"created": s.Created.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATETIME\tRANGES\tADDED\tREMOVED\tCHANGED\tSOURCE")
	for _, s := range snaps {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%s\n", s.ID, s.Datetime, s.Records, s.Added, s.Removed, s.Changed, s.Source)
	}
	return tw.Flush()
}

// readSnapshots reads the history's snapshots from either database.
func readSnapshots(ctx context.Context, db string) ([]ipatlas.Snapshot, error) {
	if !isPostgres(db) {
		return readStore(ctx, db, func(s *sqlite.Store) ([]ipatlas.Snapshot, error) { return s.Snapshots(ctx) })
	}
	s, err := postgres.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Snapshots(ctx)
}
