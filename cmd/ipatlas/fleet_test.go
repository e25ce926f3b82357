package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/pgcluster"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/regsim"
)

// fleet is a simulator limiting each client address, a private
// PostgreSQL server the test may restart, and the workers crawling it.
type fleet struct {
	t       *testing.T
	w       *regsim.World
	srv     *regsim.Server
	db      *pgcluster.Cluster
	rate    int // each registry's limit per client address, and each worker's rate
	workers map[string]*fleetWorker
}

type fleetWorker struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed when the process exited, err set
	err    error
}

// fleetLimitPerAddress is the simulated registries' limit per client
// address, and each worker's rate: the registries, not the workers, bound
// the crawl, as they do for real.
const fleetLimitPerAddress = 25

func newFleet(t *testing.T, w *regsim.World) *fleet {
	t.Helper()
	limits := map[ipatlas.Registry]regsim.Limit{}
	for _, r := range ipatlas.Registries() {
		limits[r] = regsim.Limit{Rate: fleetLimitPerAddress, Burst: 5, RetryAfter: true}
	}
	srv := simtest.Serve(t, w, regsim.ServerConfig{CountQueries: true, Limits: limits})
	f := &fleet{t: t, w: w, srv: srv, db: pgcluster.MustStart(t), rate: fleetLimitPerAddress, workers: map[string]*fleetWorker{}}
	t.Cleanup(f.killAll)
	return f
}

// plan seeds the run with `crawl --plan-only`.
func (f *fleet) plan() {
	f.t.Helper()
	args := crawlArgs(f.srv, f.db.DSN(), "--plan-only", "--within", worldBlocks(f.w))
	if out, err := cliCommand(args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "ready for workers") {
		f.t.Fatalf("crawl --plan-only: %v\n%s", err, out)
	}
}

// start runs `ipatlas worker` sending from addr, as a process the test can
// kill, stop and continue.
func (f *fleet) start(name, addr string, concurrency int, leaseTTL time.Duration) {
	f.t.Helper()
	cmd := cliCommand("worker", "--db", f.db.DSN(), "--bootstrap", f.srv.BootstrapURL(), "--source-addr", addr,
		"--rate", fmt.Sprintf("all=%d/s", f.rate), "--concurrency", fmt.Sprint(concurrency), "--lease-ttl", leaseTTL.String(),
		"--progress", "none", "--log-format", "json")
	fw := &fleetWorker{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = fw.stderr
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() { fw.err = cmd.Wait(); close(fw.exited) }()
	f.workers[name] = fw
}

func (f *fleet) signal(name string, sig syscall.Signal) {
	f.t.Helper()
	if err := f.workers[name].cmd.Process.Signal(sig); err != nil {
		f.t.Fatalf("signal %s to worker %s: %v", sig, name, err)
	}
}

// waitAll waits for every worker still running to finish the run and exit.
func (f *fleet) waitAll(killed string) {
	f.t.Helper()
	for name, fw := range f.workers {
		select {
		case <-fw.exited:
			if fw.err != nil && name != killed {
				f.t.Errorf("worker %s: %v\n%s", name, fw.err, fw.stderr.String())
			}
		case <-time.After(3 * time.Minute):
			f.t.Fatalf("worker %s still running after 3 minutes:\n%s", name, fw.stderr.String())
		}
	}
}

func (f *fleet) killAll() {
	for _, fw := range f.workers {
		fw.cmd.Process.Signal(syscall.SIGCONT)
		fw.cmd.Process.Kill()
	}
}

// networksRecorded counts the rows the workers have written so far.
func (f *fleet) networksRecorded(ctx context.Context) int {
	conn, err := pgx.Connect(ctx, f.db.DSN())
	if err != nil {
		return 0
	}
	defer conn.Close(ctx)
	var n int
	conn.QueryRow(ctx, `SELECT count(*) FROM networks`).Scan(&n) //nolint:errcheck // 0 until the schema exists
	return n
}

// waitForNetworks waits until the workers have recorded n networks.
func (f *fleet) waitForNetworks(n int) {
	f.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for f.networksRecorded(context.Background()) < n {
		if time.Now().After(deadline) {
			f.t.Fatalf("the workers recorded fewer than %d networks in a minute", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFleetSurvivesFaults: four workers, each sending from its own
// loopback address to a simulator that limits each address, crawl a world
// into a PostgreSQL database while one is killed (and restarted), one is
// paused past its leases and woken, and the database restarts. The run
// still ends with exactly the truth, no row twice, the paused worker's
// late writes refused, and no more repeated queries than were in flight at
// the faults.
func TestFleetSurvivesFaults(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 11, IPv4: []netipPrefix{mustPrefix("13.0.0.0/10"), mustPrefix("62.0.0.0/10"),
		mustPrefix("1.0.0.0/10"), mustPrefix("200.0.0.0/10"), mustPrefix("41.0.0.0/10")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23"), mustPrefix("2001:1200::/23")}, IPv6PerBlock: 60})
	if err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, w)
	f.plan()
	const concurrency, ttl = 2, 3 * time.Second
	for i, name := range []string{"a", "b", "c", "d"} {
		f.start(name, fmt.Sprintf("127.0.0.%d", i+2), concurrency, ttl)
	}
	f.waitForNetworks(300)
	f.signal("a", syscall.SIGKILL)
	<-f.workers["a"].exited
	f.start("a2", "127.0.0.2", concurrency, ttl) // its replacement, on the same address
	f.waitForNetworks(500)
	f.signal("b", syscall.SIGSTOP)
	stopped := time.Now()
	time.Sleep(ttl / 3)
	if err := f.db.Restart(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2*ttl - time.Since(stopped)) // b's leases expire and are taken over
	f.signal("b", syscall.SIGCONT)
	f.waitAll("a")

	ctx := context.Background()
	f.checkTruth(ctx)
	if !strings.Contains(f.workers["b"].stderr.String(), "lease lost") {
		t.Errorf("the worker paused past its leases wrote nothing refused; its log:\n%s", f.workers["b"].stderr.String())
	}
	// In flight at each fault: a walker's question and the answer it was
	// committing, for every walker of the workers the fault hit (the
	// killed one, the paused one, and all four at the restart).
	perWorker := 2 * concurrency * len(ipatlas.Registries())
	bound := perWorker * (1 + 1 + 4)
	r := f.srv.Repeats()
	t.Logf("%d networks; %d queries asked again (bound %d)", len(w.Truth().Steps), r, bound)
	if r > bound {
		t.Errorf("%d queries asked again, more than the %d that could have been in flight at the faults", r, bound)
	}
	f.checkAddresses()
	f.checkStatus()
}

// checkStatus reads the finished fleet's status: every unit done, and the
// workers that stopped and the one that was killed.
func (f *fleet) checkStatus() {
	f.t.Helper()
	code, out, errOut := runCmd(f.t, "status", "--db", f.db.DSN(), "--alive", "1s")
	if code != 0 {
		f.t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"complete, finished", "workers: 0 alive, 4 stopped, 1 lost", "127.0.0.5"} {
		if !strings.Contains(out, want) {
			f.t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		cols := strings.Fields(line)
		if len(cols) < 4 || !strings.Contains(cols[1], "/") {
			continue // not a registry's units
		}
		rows++
		if done := strings.Split(cols[1], "/"); done[0] != done[1] || cols[2] != "0" || cols[3] != "0" {
			f.t.Errorf("status: %s has units done %s, leased %s, pending %s; want all done", cols[0], cols[1], cols[2], cols[3])
		}
	}
	if rows != len(ipatlas.Registries()) {
		f.t.Errorf("status shows units of %d registries, want %d:\n%s", rows, len(ipatlas.Registries()), out)
	}
}

// checkTruth compares the finished run, its rows and its snapshot with
// the simulator's truth.
func (f *fleet) checkTruth(ctx context.Context) {
	f.t.Helper()
	s, err := postgres.Open(ctx, f.db.DSN())
	if err != nil {
		f.t.Fatal(err)
	}
	defer s.Close()
	run, err := s.LatestRun(ctx)
	if err != nil || run.Finished.IsZero() {
		f.t.Fatalf("latest run %+v, %v: want it finished", run, err)
	}
	var got []ipatlas.Network
	if err := s.Networks(ctx, run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil }); err != nil {
		f.t.Fatal(err)
	}
	if report := f.w.Check(got); !report.OK() {
		f.t.Fatal(report)
	}
	want := len(f.w.Truth().Steps)
	conn, err := pgx.Connect(ctx, f.db.DSN())
	if err != nil {
		f.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, distinct, failures, current int
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM networks), (SELECT count(DISTINCT (family, start_ip, end_ip, handle)) FROM networks),
		(SELECT count(*) FROM failures), (SELECT count(*) FROM current_networks)`).Scan(&rows, &distinct, &failures, &current)
	if err != nil || rows != want || distinct != want || failures != 0 || current != want {
		f.t.Errorf("%d network rows (%d distinct), %d failures, %d current versions, %v; want %d, %d, 0, %d",
			rows, distinct, failures, current, err, want, want, want)
	}
}

// checkAddresses makes sure the fleet's requests left from its four
// addresses, each within the registries' limit per address.
func (f *fleet) checkAddresses() {
	f.t.Helper()
	st := f.srv.Stats()
	for i := 2; i <= 5; i++ {
		addr := fmt.Sprintf("127.0.0.%d", i)
		var sent, peak int64
		for _, r := range ipatlas.Registries() {
			if c := st.Clients[r][addr]; c != nil {
				sent += c.Requests
				peak = max(peak, c.MaxPerSecond)
			}
		}
		if sent == 0 {
			f.t.Errorf("no request left from %s", addr)
		}
		if limit := int64(f.rate + 5); peak > limit {
			f.t.Errorf("%s sent %d requests in one second to one registry, over its limit of %d/s (burst 5)", addr, peak, f.rate)
		}
	}
}
