package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

// maxErrorsShown is how many malformed objects load-dump lists.
const maxErrorsShown = 20

func runLoadDump(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "load-dump", "[flags] FILE|URL…", `Load bulk RPSL dumps (RIPE NCC's ripe.db.inetnum.gz, ripe.db.inet6num.gz,
ripe.db.organisation.gz, ripe.db.role.gz; APNIC's apnic.db.*; AFRINIC's
afrinic.db.*) into the database's history: every inetnum and inet6num becomes a
network, its holder and contacts named from the organisation, role and irt files
given with it (in any order). Files are paths or http(s) URLs, gzipped or not,
streamed.

The networks are stored as one snapshot, dated --at, else by the newest of the
files' dates (a URL's Last-Modified, a file's modification time: the dumps carry
no date inside). The snapshot is the history's state at that date with the
dumped registries' networks (per IP version) replaced by the dump's. Later
crawls ask nothing of a dumped registry's space of that version, and carry the
dump's networks into their own snapshots.

A malformed object is reported with its file and line; the load stops with
nothing stored unless --lenient, which skips such objects and counts them.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	at := fs.String("at", "", "the dump's `DATETIME` (ISO 8601), instead of the files' dates")
	lenient := fs.Bool("lenient", false, "skip malformed objects (counted) instead of storing nothing")
	locs, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	if err := embeddedOnly("load-dump", *db); err != nil {
		return err
	}
	if len(locs) == 0 {
		return usageErr("no dump files to load")
	}
	var date time.Time
	if *at != "" {
		if date, err = whipfile.ParseDatetime(*at); err != nil {
			return usageErr("--at: %v", err)
		}
	}
	// What is read stays live until it is stored, as load's files do;
	// the reading makes garbage at a great rate besides, so it is
	// collected a quarter as often as by default (storing, half as often).
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	return loadDump(ctx, e, *db, locs, date, *at, *lenient)
}

func loadDump(ctx context.Context, e *env, db string, locs []string, at time.Time, datetime string, lenient bool) error {
	start := time.Now()
	gc := debug.SetGCPercent(400)
	res, err := dump.Load(ctx, locs, dump.Options{Lenient: lenient, MaxErrors: maxErrorsShown})
	debug.SetGCPercent(gc)
	if res != nil {
		reportDump(e, res, lenient)
	}
	if err != nil {
		if errors.Is(err, dump.ErrMalformed) {
			return fmt.Errorf("%d malformed object(s); nothing stored (--lenient skips them)", res.Malformed)
		}
		return err
	}
	if len(res.Covered) == 0 {
		return errors.New("the files hold no inetnum or inet6num object: nothing to store")
	}
	if at.IsZero() {
		if at = res.Date; at.IsZero() {
			return errors.New("the files carry no date (no Last-Modified header): give the dump's date with --at")
		}
		datetime = at.Format(time.RFC3339)
	}
	return storeDump(ctx, e, db, res, coveredDumps(res, at, datetime, locs), start)
}

// storeDump adds the load's snapshot to the history, over the history's
// state at its date, and records the dumps it covers.
func storeDump(ctx context.Context, e *env, db string, res *dump.Result, dumps []ipatlas.Dump, start time.Time) error {
	store, err := sqlite.Open(ctx, db, sqlite.Options{Exclusive: true})
	if err != nil {
		return err
	}
	defer store.Close()
	d := dumps[0] // they share a date and a source
	build := func(stored []history.Stored) (history.Pending, error) {
		base, err := history.StateAt(stored, d.At)
		p := history.Pending{Snapshot: ipatlas.Snapshot{At: d.At, Datetime: d.Datetime, Source: d.Source},
			Records: dump.Overlay(base, dumps, res.Records)}
		return p, err
	}
	add := func(alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error) {
		return store.AddDump(ctx, build, dumps, alongside)
	}
	return addToHistory(e, db, 1, add, func() {
		took := time.Since(start)
		fmt.Fprintf(e.stdout, "loaded %d objects (%d networks) in %s: %.0f objects/s\n",
			res.Objects, res.Networks, took.Round(time.Millisecond), float64(res.Objects)/took.Seconds())
	})
}

// coveredDumps are the registries and IP versions the load covers, dated.
func coveredDumps(res *dump.Result, at time.Time, datetime string, locs []string) []ipatlas.Dump {
	names := make([]string, len(locs))
	for i, loc := range locs {
		names[i] = path.Base(filepath.ToSlash(loc))
	}
	source := "dump " + strings.Join(names, " ")
	out := make([]ipatlas.Dump, len(res.Covered))
	for i, d := range res.Covered {
		d.At, d.Datetime, d.Source = at, datetime, source
		out[i] = d
	}
	return out
}

// reportDump says what each file held, what the load covers, and what it
// had to leave out.
func reportDump(e *env, res *dump.Result, lenient bool) {
	for _, f := range res.Files {
		date := "no date"
		if !f.Date.IsZero() {
			date = "dated " + f.Date.Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "read %s: %d objects, %d networks (%s)\n", f.Name, f.Objects, f.Networks, date)
	}
	for _, d := range res.Covered {
		fmt.Fprintf(e.stdout, "%-8s IPv%d: %d networks\n", d.Registry, d.IPVersion, d.Networks)
	}
	printMalformed(e.stderr, res)
	if res.Malformed > 0 && lenient {
		fmt.Fprintf(e.stdout, "%d malformed object(s) skipped (--lenient)\n", res.Malformed)
	}
	if res.Unmanaged > 0 {
		fmt.Fprintf(e.stdout, "%d placeholder object(s) for space the registry does not manage left out\n", res.Unmanaged)
	}
	if res.Duplicates > 0 {
		fmt.Fprintf(e.stdout, "%d network(s) dropped: their range was another's\n", res.Duplicates)
	}
}

func printMalformed(w io.Writer, res *dump.Result) {
	for _, err := range res.Errors {
		fmt.Fprintln(w, "malformed:", err)
	}
	if more := res.Malformed - len(res.Errors); more > 0 {
		fmt.Fprintf(w, "… and %d more malformed object(s)\n", more)
	}
}
