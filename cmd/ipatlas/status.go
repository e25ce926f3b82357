package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ipatlas/ipatlas"
)

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "[flags]", `Show the latest crawl's progress from the database: units per state, coverage,
networks, failures and query rates per registry, what the crawl's processes
counted, and the workers: alive (heartbeat within --alive), stopped, or lost.`)
	db := fs.String("db", "ipatlas.db", dbFlagHelp)
	failures := fs.Bool("failures", false, "also list the failed addresses with their reasons")
	alive := fs.Duration("alive", 15*time.Second, "a worker whose last heartbeat is older than this is shown as lost")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := openDatabase(ctx, *db, false)
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := store.LatestRun(ctx)
	if errors.Is(err, ipatlas.ErrNotFound) {
		fmt.Fprintf(e.stdout, "%s: no crawl yet\n", store.name)
		return nil
	}
	if err != nil {
		return err
	}
	st, err := readStatus(ctx, store, run)
	if err != nil {
		return err
	}
	printRun(e.stdout, run)
	st.print(e.stdout, *alive)
	if *failures {
		return printFailures(ctx, e.stdout, store, run.ID)
	}
	return nil
}

// status is what `status` shows of a run.
type status struct {
	progress []ipatlas.Progress
	units    map[ipatlas.Registry]ipatlas.Backlog
	workers  []ipatlas.Worker
}

func readStatus(ctx context.Context, store ipatlas.Store, run ipatlas.Run) (status, error) {
	st := status{units: map[ipatlas.Registry]ipatlas.Backlog{}}
	var err error
	if st.progress, err = store.Progress(ctx, run.ID); err != nil {
		return st, err
	}
	for _, p := range st.progress {
		if st.units[p.Registry], err = store.Backlog(ctx, run.ID, p.Registry); err != nil {
			return st, err
		}
	}
	st.workers, err = store.Workers(ctx)
	return st, err
}

func printRun(w io.Writer, run ipatlas.Run) {
	state := "in progress"
	if !run.Finished.IsZero() {
		state = "complete, finished " + run.Finished.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "run %d, started %s: %s\n", run.ID, run.Started.Format(time.RFC3339), state)
}

func (st status) print(w io.Writer, alive time.Duration) {
	rates := liveRates(st.workers, alive)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "registry\tunits done\tleased\tpending\tIPv4\tIPv6\tnetworks\tfailures\tqueries/s\t")
	for _, p := range st.progress {
		u := st.units[p.Registry]
		fmt.Fprintf(tw, "%s\t%d/%d\t%d\t%d\t%.2f%%\t%.2f%%\t%d\t%d\t%.1f\t\n", p.Registry, p.UnitsDone, p.Units, u.Leased, u.Pending,
			p.IPv4.Percent(), p.IPv6.Percent(), p.Networks, p.Failures, rates[p.Registry])
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "registry\tqueries\tanswers\t404s\tredirects\t429s\tretries\tskipped\tlimiter wait\t")
	for _, p := range st.progress {
		c := p.Counts
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", p.Registry, c.Queries, c.Answers, c.NotFound,
			c.Redirects, c.Throttled, c.Retries, c.Skipped, c.Waited.Round(time.Second))
	}
	tw.Flush()
	printWorkers(w, st.workers, alive)
}

// workerState is alive (recent heartbeat), stopped (said so) or lost
// (silent: dead, paused or cut off; its leases expire and are taken over).
func workerState(wk ipatlas.Worker, alive time.Duration) string {
	switch {
	case !wk.Stopped.IsZero():
		return "stopped"
	case time.Since(wk.Seen) > alive:
		return "lost"
	}
	return "alive"
}

// liveRates adds up the live workers' recent queries per second, per
// registry.
func liveRates(ws []ipatlas.Worker, alive time.Duration) map[ipatlas.Registry]float64 {
	out := map[ipatlas.Registry]float64{}
	for _, wk := range ws {
		if workerState(wk, alive) == "alive" {
			for r, v := range wk.Rates {
				out[r] += v
			}
		}
	}
	return out
}

func printWorkers(w io.Writer, ws []ipatlas.Worker, alive time.Duration) {
	if len(ws) == 0 {
		return
	}
	n := map[string]int{}
	for _, wk := range ws {
		n[workerState(wk, alive)]++
	}
	fmt.Fprintf(w, "\nworkers: %d alive, %d stopped, %d lost\n", n["alive"], n["stopped"], n["lost"])
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tSTATE\tLAST SEEN\tRUN\tSOURCE\tBUDGET\tQUERIES\tANSWERS\t429S\tRETRIES\tFAILED\tQUERIES/S")
	for _, wk := range ws {
		var total ipatlas.Counts
		for _, c := range wk.Counts {
			total = total.Add(c)
		}
		var qps float64
		for _, v := range wk.Rates {
			qps += v
		}
		fmt.Fprintf(tw, "%s\t%s\t%s ago\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f\n", wk.ID, workerState(wk, alive),
			time.Since(wk.Seen).Round(time.Second), wk.Run, orDash(wk.Source), wk.Budget, total.Queries, total.Answers,
			total.Throttled, total.Retries, total.Failures, qps)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
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
