package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "[flags]", "Show the latest crawl's progress from the database: units, coverage, networks and failures per registry.")
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	failures := fs.Bool("failures", false, "also list the failed addresses with their reasons")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, *db, sqlite.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := store.LatestRun(ctx)
	if errors.Is(err, ipatlas.ErrNotFound) {
		fmt.Fprintf(e.stdout, "%s: no crawl yet\n", *db)
		return nil
	}
	if err != nil {
		return err
	}
	progress, err := store.Progress(ctx, run.ID)
	if err != nil {
		return err
	}
	printRun(e.stdout, run)
	printProgress(e.stdout, progress)
	if *failures {
		return printFailures(ctx, e.stdout, store, run.ID)
	}
	return nil
}

func printRun(w io.Writer, run ipatlas.Run) {
	state := "in progress"
	if !run.Finished.IsZero() {
		state = "complete, finished " + run.Finished.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "run %d, started %s: %s\n", run.ID, run.Started.Format(time.RFC3339), state)
}

func printProgress(w io.Writer, ps []ipatlas.Progress) {
	fmt.Fprintf(w, "%-8s %15s %10s %10s %10s %9s\n", "registry", "units", "IPv4", "IPv6", "networks", "failures")
	for _, p := range ps {
		fmt.Fprintf(w, "%-8s %7d/%-7d %9.2f%% %9.2f%% %10d %9d\n", p.Registry, p.UnitsDone, p.Units,
			p.IPv4.Percent(), p.IPv6.Percent(), p.Networks, p.Failures)
	}
	fmt.Fprintf(w, "\n%-8s %9s %9s %7s %9s %7s %8s %8s %12s\n", "registry", "queries", "answers", "404s",
		"redirects", "429s", "retries", "skipped", "limiter wait")
	for _, p := range ps {
		c := p.Counts
		fmt.Fprintf(w, "%-8s %9d %9d %7d %9d %7d %8d %8d %12s\n", p.Registry, c.Queries, c.Answers, c.NotFound,
			c.Redirects, c.Throttled, c.Retries, c.Skipped, c.Waited.Round(time.Second))
	}
}

func printFailures(ctx context.Context, w io.Writer, store ipatlas.Store, run int64) error {
	fs, err := store.Failures(ctx, run)
	if err != nil {
		return err
	}
	for _, f := range fs {
		fmt.Fprintf(w, "failed %-8s %s (to %s) after %d attempts: %s\n", f.Registry, f.Addr, f.SpanEnd, f.Attempts, f.Reason)
	}
	return nil
}
