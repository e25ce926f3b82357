// Command fleet measures how a crawl scales with workers: the same world
// crawled by 1, 2, 4 and 8 `ipatlas worker` processes, each sending from
// its own loopback address to a simulator that limits every address, into
// one PostgreSQL database. It prints each crawl's time, the speedup over
// one worker against the goal (0.9 × workers), the queries per second, and
// the workers' commit latency, which shows whether PostgreSQL held them up.
//
//	go run ./bench/fleet [-db postgres://…] [-workers 1,2,4,8] [-rate 20]
//
// The database defaults to IPATLAS_BENCH_POSTGRES, then
// IPATLAS_TEST_POSTGRES; each crawl gets a schema of its own, dropped after.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/bench/internal/benchkit"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/regsim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fleet bench:", err)
		os.Exit(1)
	}
}

type config struct {
	dsn         string
	workers     []int
	rate        int
	concurrency int
}

func parseFlags() (config, error) {
	c := config{}
	dsn := os.Getenv("IPATLAS_BENCH_POSTGRES")
	if dsn == "" {
		dsn = os.Getenv("IPATLAS_TEST_POSTGRES")
	}
	flag.StringVar(&c.dsn, "db", dsn, "PostgreSQL URL (default: $IPATLAS_BENCH_POSTGRES, then $IPATLAS_TEST_POSTGRES)")
	workers := flag.String("workers", "1,2,4,8", "worker counts to measure")
	flag.IntVar(&c.rate, "rate", 5, "each registry's limit per address, and each worker's rate, per second")
	flag.IntVar(&c.concurrency, "concurrency", 4, "units of one registry each worker walks at once")
	flag.Parse()
	if c.dsn == "" {
		return c, errors.New("no database: set -db or IPATLAS_BENCH_POSTGRES")
	}
	for _, s := range strings.Split(*workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 250 {
			return c, fmt.Errorf("-workers %q: want counts from 1 to 250", *workers)
		}
		c.workers = append(c.workers, n)
	}
	return c, nil
}

// world is many small allocations of every registry, nested one level at
// most: the crawl's time is the registries' limits, not one long unit.
func world() (*regsim.World, error) {
	flat := regsim.Nesting{Share: 0.3, Depth: 1, Fill: 0.5, MaxChildren: 6, MinBitsV4: 8, MinBitsV6: 80}
	nesting := map[ipatlas.Registry]regsim.Nesting{}
	for _, r := range ipatlas.Registries() {
		nesting[r] = flat
	}
	return regsim.New(regsim.Config{Seed: 21, Nesting: nesting, IPv6PerBlock: 100,
		IPv4: prefixes("23.0.0.0/10", "62.128.0.0/10", "101.0.0.0/10", "177.0.0.0/11", "102.0.0.0/10"),
		IPv6: prefixes("2001:600::/23", "2001:1200::/23", "2001:4200::/23", "2001:200::/23", "2001:400::/23")})
}

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func run() error {
	c, err := parseFlags()
	if err != nil {
		return err
	}
	bin, cleanup, err := buildIpatlas()
	if err != nil {
		return err
	}
	defer cleanup()
	w, err := world()
	if err != nil {
		return err
	}
	srv, err := startSim(w, c.rate)
	if err != nil {
		return err
	}
	defer srv.Close()
	truth := w.Truth()
	fmt.Printf("world: %d networks; per address and registry: %d queries/s; %d walkers per registry per worker\n",
		len(truth.Steps), c.rate, c.concurrency)
	for _, r := range ipatlas.Registries() {
		fmt.Printf("  %-8s %5d networks in %4d top-level blocks: one worker needs %.0f s\n", r,
			truth.ByRegistry[r].Networks, truth.ByRegistry[r].TopLevel, float64(truth.ByRegistry[r].Networks)/float64(c.rate))
	}
	var base float64
	fmt.Printf("\n%7s %9s %8s %6s %10s %8s %11s %11s %13s %13s\n", "workers", "time", "speedup", "goal", "queries/s", "repeats",
		"commit p50", "commit p99", "worker CPU/q", "postgres CPU/q")
	for _, n := range c.workers {
		m, err := crawlWith(bin, c, srv, w, n)
		if err != nil {
			return fmt.Errorf("%d workers: %w", n, err)
		}
		if base == 0 {
			base = m.seconds * float64(n)
		}
		speedup := base / m.seconds
		verdict := "met"
		if speedup < 0.9*float64(n) {
			verdict = "NOT met"
		}
		perQuery := func(d time.Duration) float64 {
			return float64(d) / float64(time.Millisecond) / float64(max(m.queries, 1))
		}
		fmt.Printf("%7d %8.2fs %7.2fx %5.1fx %10.0f %8d %8.1f ms %8.1f ms %10.3f ms %10.3f ms  %s\n", n, m.seconds, speedup, 0.9*float64(n),
			float64(m.queries)/m.seconds, m.repeats, m.commitP50, m.commitP99, perQuery(m.workerCPU), perQuery(m.postgresCPU), verdict)
	}
	return nil
}

func buildIpatlas() (string, func(), error) {
	dir, cleanup, err := benchkit.WorkDir("", "fleet-bench")
	if err != nil {
		return "", nil, err
	}
	bin, err := benchkit.BuildIpatlas(dir)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	return bin, cleanup, nil
}

func startSim(w *regsim.World, rate int) (*regsim.Server, error) {
	limits := map[ipatlas.Registry]regsim.Limit{}
	for _, r := range ipatlas.Registries() {
		limits[r] = regsim.Limit{Rate: float64(rate), Burst: 5, RetryAfter: true}
	}
	srv, err := regsim.NewServer(w, regsim.ServerConfig{Limits: limits, CountQueries: true})
	if err != nil {
		return nil, err
	}
	return srv, srv.Start()
}

// measure is one crawl's outcome.
type measure struct {
	seconds              float64
	queries, repeats     int64
	commitP50, commitP99 float64 // the slowest worker's, in ms
	workerCPU            time.Duration
	postgresCPU          time.Duration // every postgres process on this machine
}

// crawlWith plans the world into a fresh schema and crawls it with n
// workers, timing from their start to the run's finish.
func crawlWith(bin string, c config, srv *regsim.Server, w *regsim.World, n int) (measure, error) {
	var m measure
	dsn, drop, err := freshSchema(c.dsn, fmt.Sprintf("ipatlas_bench_fleet_%d", n))
	if err != nil {
		return m, err
	}
	defer drop()
	before := srv.QueryCounts()
	if err := plan(bin, dsn, srv, w); err != nil {
		return m, err
	}
	start, pgStart := time.Now(), processCPU("postgres")
	logs, cpu, err := runWorkers(bin, dsn, srv, c, n)
	if err != nil {
		return m, err
	}
	m.workerCPU, m.postgresCPU = cpu, processCPU("postgres")-pgStart
	finished, err := checkRun(dsn, w)
	if err != nil {
		return m, err
	}
	m.seconds = finished.Sub(start).Seconds()
	for k, v := range srv.QueryCounts() {
		d := int64(v - before[k])
		m.queries += d
		m.repeats += max(d-1, 0)
	}
	m.commitP50, m.commitP99 = slowestCommits(logs)
	return m, nil
}

func freshSchema(dsn, schema string) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // best effort
			c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

func plan(bin, dsn string, srv *regsim.Server, w *regsim.World) error {
	var within []string
	for _, p := range append(append([]netip.Prefix(nil), w.Config().IPv4...), w.Config().IPv6...) {
		within = append(within, p.String())
	}
	args := []string{"crawl", "--db", dsn, "--plan-only", "--bootstrap", srv.BootstrapURL(), "--within", strings.Join(within, ",")}
	for _, r := range ipatlas.Registries() {
		args = append(args, "--delegated", srv.DelegatedURL(r))
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("plan: %w\n%s", err, out)
	}
	return nil
}

// runWorkers starts n workers on 127.0.0.2… and waits for them all to
// stop, returning their logs and the CPU time they used.
func runWorkers(bin, dsn string, srv *regsim.Server, c config, n int) ([]string, time.Duration, error) {
	cmds := make([]*exec.Cmd, n)
	logs := make([]strings.Builder, n)
	for i := range cmds {
		cmds[i] = exec.Command(bin, "worker", "--db", dsn, "--bootstrap", srv.BootstrapURL(),
			"--source-addr", fmt.Sprintf("127.0.0.%d", i+2), "--rate", fmt.Sprintf("all=%d/s", c.rate),
			"--concurrency", strconv.Itoa(c.concurrency), "--progress", "none", "--log-format", "json")
		cmds[i].Stderr = &logs[i]
		if err := cmds[i].Start(); err != nil {
			return nil, 0, err
		}
	}
	var errs []error
	var cpu time.Duration
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("worker %d: %w\n%s", i, err, logs[i].String()))
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	out := make([]string, n)
	for i := range logs {
		out[i] = logs[i].String()
	}
	return out, cpu, errors.Join(errs...)
}

// processCPU adds up the CPU time every process of that name has used so
// far, with that of its children that exited (PostgreSQL's backends end
// with their connections), from /proc in clock ticks of 10 ms; 0 where
// /proc cannot be read.
func processCPU(name string) time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		open, close := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		if open < 0 || close < open || string(b[open+1:close]) != name {
			continue
		}
		f := strings.Fields(string(b[close+1:]))
		for i := 11; i <= 14 && i < len(f); i++ { // utime, stime, cutime, cstime
			t, _ := strconv.ParseInt(f[i], 10, 64)
			ticks += t
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// checkRun makes sure the run finished with exactly the truth, and returns
// when it finished.
func checkRun(dsn string, w *regsim.World) (time.Time, error) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		return time.Time{}, err
	}
	defer s.Close()
	run, err := s.LatestRun(ctx)
	if err != nil || run.Finished.IsZero() {
		return time.Time{}, fmt.Errorf("run %+v not finished: %v", run, err)
	}
	var got []ipatlas.Network
	if err := s.Networks(ctx, run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil }); err != nil {
		return time.Time{}, err
	}
	if report := w.Check(got); !report.OK() {
		return time.Time{}, fmt.Errorf("the crawl does not match the truth: %s", report)
	}
	return run.Finished, nil
}

// slowestCommits reads the workers' closing log lines and returns the
// highest commit latency quantiles among them, in milliseconds.
func slowestCommits(logs []string) (p50, p99 float64) {
	for _, l := range logs {
		sc := bufio.NewScanner(strings.NewReader(l))
		for sc.Scan() {
			var line struct {
				Msg string  `json:"msg"`
				P50 float64 `json:"commit_p50_ms"`
				P99 float64 `json:"commit_p99_ms"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "worker stopped" {
				p50, p99 = max(p50, line.P50), max(p99, line.P99)
			}
		}
	}
	return p50, p99
}
