package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runSnapshots(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "snapshots", "[flags]", `List the database's snapshots in time order, with what changed against the
snapshot before each.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	format := fs.String("format", "table", "output `format`: table or jsonl")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "jsonl"); err != nil {
		return err
	}
	snaps, err := readStore(ctx, *db, func(s *sqlite.Store) ([]ipatlas.Snapshot, error) { return s.Snapshots(ctx) })
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
