package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// TestMain lets the test binary stand in for the ipatlas command, so tests
// can run it as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("IPATLAS_TEST_AS_CLI") == "1" {
		os.Exit(runMain())
	}
	os.Exit(m.Run())
}

// cliCommand runs ipatlas (this test binary) as a child process.
func cliCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "IPATLAS_TEST_AS_CLI=1")
	return cmd
}

// TestCrawlSurvivesSIGKILL kills `ipatlas crawl` at random moments, restarts
// it each time, and checks the database ends with exactly the truth, no
// duplicates, and no address asked again beyond the requests in flight at
// each kill.
func TestCrawlSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 9, IPv4: []netipPrefix{mustPrefix("1.0.0.0/11"), mustPrefix("13.0.0.0/11"),
		mustPrefix("62.0.0.0/10"), mustPrefix("193.0.0.0/11"), mustPrefix("200.0.0.0/11")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 40})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 25*time.Millisecond, true) // slow enough that kills land mid-crawl
	db := filepath.Join(t.TempDir(), "crash.db")
	const concurrency = 4
	args := crawlArgs(srv, db, "--concurrency", fmt.Sprint(concurrency))
	rng := rand.New(rand.NewPCG(9, 9))
	kills := 0
	for kills < 12 {
		cmd := cliCommand(args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("crawl exited before it was killed: %v", err)
			}
			t.Logf("crawl finished by itself after %d kills", kills)
			goto finished
		case <-time.After(time.Duration(100+rng.IntN(400)) * time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
	}
	if out, err := cliCommand(args...).CombinedOutput(); err != nil {
		t.Fatalf("final crawl: %v\n%s", err, out)
	}
finished:
	if kills < 10 {
		t.Fatalf("only %d kills landed before the crawl finished: make the world bigger", kills)
	}
	checkCrawled(t, w, db)
	repeats := srv.Repeats()
	// A walker's answers not yet durable at a kill: the question in flight
	// and the answer it committed meanwhile (walkers ask while they commit).
	inFlight := kills * 2 * concurrency * len(ipatlas.Registries())
	t.Logf("%d kills, %d repeated queries (bound %d)", kills, repeats, inFlight)
	if repeats > inFlight {
		t.Errorf("%d queries repeated after %d kills, more than the %d that could have been in flight", repeats, kills, inFlight)
	}
}

// slowSim serves w with the given latency on every registry, closing it
// when the test ends.
func slowSim(t *testing.T, w *regsim.World, latency time.Duration, countQueries bool) *regsim.Server {
	t.Helper()
	lat := map[ipatlas.Registry]regsim.Faults{}
	for _, r := range ipatlas.Registries() {
		lat[r] = regsim.Faults{Latency: latency}
	}
	return simtest.Serve(t, w, regsim.ServerConfig{CountQueries: countQueries, Faults: lat})
}

// crawlArgs is an unlimited, quiet `ipatlas crawl` of the simulator into db.
func crawlArgs(srv *regsim.Server, db string, extra ...string) []string {
	args := []string{"crawl", "--db", db, "--bootstrap", srv.BootstrapURL(), "--rate", "all=unlimited", "--progress", "none"}
	for _, r := range ipatlas.Registries() {
		args = append(args, "--delegated", srv.DelegatedURL(r))
	}
	return append(args, extra...)
}

// checkCrawled compares the database's latest run with the truth.
func checkCrawled(t *testing.T, w *regsim.World, db string) {
	t.Helper()
	store := openReadOnly(t, db)
	run, err := store.LatestRun(context.Background())
	if err != nil || run.Finished.IsZero() {
		t.Fatalf("latest run %+v, %v: want a finished run", run, err)
	}
	var got []ipatlas.Network
	store.Networks(context.Background(), run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil })
	if report := w.Check(got); !report.OK() {
		t.Fatal(report)
	}
}

// TestCrawlStopsCleanlyOnInterrupt sends SIGINT mid-crawl: the crawl
// commits what it has, says how to resume, exits 0, and the next run
// finishes with exactly the truth.
func TestCrawlStopsCleanlyOnInterrupt(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 4, IPv4: []netipPrefix{mustPrefix("62.0.0.0/11"), mustPrefix("13.0.0.0/11")},
		IPv6: []netipPrefix{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 20*time.Millisecond, false)
	db := filepath.Join(t.TempDir(), "int.db")
	args := crawlArgs(srv, db, "--within", "62.0.0.0/11,13.0.0.0/11")
	cmd := cliCommand(args...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt mid-walk: once the run is planned (a loaded machine may
	// take a while to get there), and some answers are in.
	waitForMatch(t, &stderr, regexp.MustCompile(`run 1: (\d+) units planned`))
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("interrupted crawl: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Run the same command to resume") {
		t.Fatalf("no resume hint after Ctrl-C:\n%s", stderr.String())
	}
	if out, err := cliCommand(args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "resuming run 1") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	checkCrawled(t, w, db)
}
