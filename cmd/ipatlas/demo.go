package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

// demoRate is the request rate the demo's simulated registries allow each
// client, and the rate the demo's crawl keeps to.
const demoRate = 150

// runDemo shows the whole job offline: it starts the registry simulator
// with rate limits and light faults, crawls it into a fresh embedded
// database, and checks what was recorded against the ground truth.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[flags]", `Run ipatlas end to end with no network: start the registry simulator on
loopback (several /8s of every registry, nested networks, rate limits and light
faults), crawl it into a fresh embedded database (stored as a snapshot, with
its lookup index), check every recorded network against the simulator's
ground truth, and print a summary.`)
	var f simFlags
	f.register(fs)
	db := fs.String("db", "", "keep the crawled database in `FILE` (default: a temporary file, removed after)")
	progress := fs.String("progress", "auto", "progress display: auto, bars, log or none")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, err := f.world()
	if err != nil {
		return err
	}
	srv, err := f.startWith(w, demoLimits(), demoFaults())
	if err != nil {
		return err
	}
	defer srv.Close()
	path, cleanup, err := demoDB(*db)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(e.stdout, "simulator: %d networks; crawling them over RDAP into %s\n", w.Len(), path)
	cf := demoCrawlFlags(srv, path, *progress)
	cf.within = worldBlocks(w)
	res, err := cf.crawl(ctx, e)
	if err != nil {
		return err
	}
	if !res.complete {
		return fmt.Errorf("demo interrupted")
	}
	return demoReport(ctx, e.stdout, w, srv, path, res)
}

// demoLimits are the simulated registries' limits: every registry allows
// demoRate a second per client; LACNIC also blocks a client that goes over.
func demoLimits() map[ipatlas.Registry]regsim.Limit {
	out := map[ipatlas.Registry]regsim.Limit{}
	for _, r := range ipatlas.Registries() {
		out[r] = regsim.Limit{Rate: demoRate, Burst: 50, RetryAfter: r != ipatlas.ARIN}
	}
	out[ipatlas.LACNIC] = regsim.Limit{Rate: demoRate, Burst: 50, BlockFor: 10 * time.Second}
	return out
}

// demoFaults are light faults on every registry.
func demoFaults() map[ipatlas.Registry]regsim.Faults {
	out := map[ipatlas.Registry]regsim.Faults{}
	for _, r := range ipatlas.Registries() {
		out[r] = regsim.Faults{ServerError: 0.01, Reset: 0.005, Truncate: 0.005, Malformed: 0.002}
	}
	return out
}

func demoDB(path string) (string, func(), error) {
	if path != "" {
		return path, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "ipatlas-demo-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "demo.db"), func() { os.RemoveAll(dir) }, nil
}

func demoCrawlFlags(srv *regsim.Server, db, progress string) *crawlFlags {
	cf := &crawlFlags{walkFlags: walkFlags{db: db, bootstrap: srv.BootstrapURL(), concurrency: 8, progress: progress,
		interval: 5 * time.Second, logFormat: "text", leaseTTL: 5 * time.Minute}, registries: "all"}
	for _, r := range ipatlas.Registries() {
		cf.delegated = append(cf.delegated, srv.DelegatedURL(r))
		cf.rates = append(cf.rates, fmt.Sprintf("%s=%d/s", r, demoRate))
	}
	return cf
}

// worldBlocks are the blocks the simulated world covers: the demo crawls
// them, as a crawl of the real registries covers what their files list.
func worldBlocks(w *regsim.World) string {
	var parts []string
	for _, p := range append(append([]netip.Prefix(nil), w.Config().IPv4...), w.Config().IPv6...) {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ",")
}

// demoReport checks the database against the truth and prints the summary.
func demoReport(ctx context.Context, out io.Writer, w *regsim.World, srv *regsim.Server, path string, res crawlResult) error {
	store, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer store.Close()
	var got []ipatlas.Network
	if err := store.Networks(ctx, res.run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil }); err != nil {
		return err
	}
	report := w.Check(got)
	printDemoSummary(out, res, srv.Stats(), report, len(got))
	if !report.OK() {
		return fmt.Errorf("the crawl does not match the ground truth: %s", report)
	}
	return nil
}

func printDemoSummary(out io.Writer, res crawlResult, st regsim.Stats, report regsim.CheckReport, networks int) {
	var queries, throttled, failures int64
	bound := 0.0
	for _, c := range res.counters {
		queries += c.Queries
		throttled += c.Throttled
		failures += c.Failures
		bound = max(bound, float64(c.Queries)/demoRate)
	}
	var served int64
	for _, c := range st.Registries {
		served += c.Requests
	}
	fmt.Fprintf(out, "\n%s\n", report)
	fmt.Fprintf(out, "networks recorded     %d\n", networks)
	fmt.Fprintf(out, "RDAP queries          %d (%.3f per network; the simulator served %d)\n", queries,
		float64(queries)/float64(max(networks, 1)), served)
	fmt.Fprintf(out, "429s / failures       %d / %d\n", throttled, failures)
	fmt.Fprintf(out, "time                  %s (rate-limit bound %.1fs: %.2fx)\n", res.elapsed.Round(time.Millisecond),
		bound, res.elapsed.Seconds()/max(bound, 0.001))
	for _, c := range res.counters {
		fmt.Fprintf(out, "  %-8s %6d queries %6d networks %5d 404 %4d 429 %4d retries %3d failed\n",
			c.Registry, c.Queries, c.Answers, c.NotFound, c.Throttled, c.Retries, c.Failures)
	}
}
