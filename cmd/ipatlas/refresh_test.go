package main

import (
	"fmt"
	"math"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// TestRefreshAsksChangedUnitsFirst: after the world changes 2% of its
// blocks, `crawl --refresh` records every change, asking only about the
// changed blocks and no more than 1.1 times what a perfect walk of them
// needs; with --max-age 0 it asks about everything again, but, registry by
// registry, about every changed block before any unchanged one.
func TestRefreshAsksChangedUnitsFirst(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 21, IPv4: []netipPrefix{mustPrefix("62.0.0.0/12"), mustPrefix("200.0.0.0/12"), mustPrefix("13.64.0.0/12"), mustPrefix("41.0.0.0/13"), mustPrefix("1.0.0.0/13")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23"), mustPrefix("2001:200::/23")}, IPv6PerBlock: 40})
	if err != nil {
		t.Fatal(err)
	}
	db := t.TempDir() + "/atlas.db"
	if code, out, errOut := runCmd(t, crawlArgs(simtest.Serve(t, w, regsim.ServerConfig{}), db)...); code != 0 {
		t.Fatalf("first crawl: exit %d\n%s%s", code, out, errOut)
	}

	later, changed := evolve(t, w, 1)
	srv := simtest.Serve(t, later, regsim.ServerConfig{CountQueries: true})
	code, out, errOut := runCmd(t, crawlArgs(srv, db, "--refresh")...)
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf("%d units changed", len(changed))) {
		t.Fatalf("refresh: exit %d, want %d changed units\n%s%s", code, len(changed), out, errOut)
	}
	checkCrawled(t, later, db)
	perfect := perfectQueries(later, changed)
	asked := totalQueries(srv)
	t.Logf("refresh of %d changed blocks: %d queries, a perfect refresh %d", len(changed), asked, total(perfect))
	if float64(asked) > 1.1*float64(total(perfect)) || asked < total(perfect) {
		t.Errorf("refresh asked %d queries; a perfect refresh of the %d changed blocks asks %d", asked, len(changed), total(perfect))
	}
	snaps := listSnapshots(t, db)
	if len(snaps) != 2 || snaps[1].Added+snaps[1].Removed+snaps[1].Changed == 0 || snaps[1].Records != len(later.Truth().Steps) {
		t.Errorf("snapshots %+v: want a second one with the changes and all %d networks", snaps, len(later.Truth().Steps))
	}

	latest, changed := evolve(t, later, 2)
	srv = simtest.Serve(t, latest, regsim.ServerConfig{CountQueries: true})
	if code, out, errOut := runCmd(t, crawlArgs(srv, db, "--refresh", "--max-age", "0", "--concurrency", "1")...); code != 0 {
		t.Fatalf("refresh --max-age 0: exit %d\n%s%s", code, out, errOut)
	}
	checkCrawled(t, latest, db)
	perfect = perfectQueries(latest, changed)
	for _, reg := range ipatlas.Registries() {
		first, last := askedFirst(srv.QueryOrder(reg), changed)
		t.Logf("%s: %d of %d queries, %d about changed blocks (all first), a perfect walk of them %d", reg, first, len(srv.QueryOrder(reg)), last, perfect[reg])
		if first != perfect[reg] || float64(last) > 1.1*float64(perfect[reg]) {
			t.Errorf("%s: %d queries about changed blocks came first and %d in all; a perfect walk of them asks %d",
				reg, first, last, perfect[reg])
		}
	}
}

// evolve changes 2% of w's blocks, three months after its epoch.
func evolve(t *testing.T, w *regsim.World, seed uint64) (*regsim.World, []ipatlas.Range) {
	t.Helper()
	later, changed, err := w.Evolve(0.02, seed, w.Config().Epoch.AddDate(0, 3, 0))
	if err != nil || len(changed) == 0 {
		t.Fatalf("Evolve: %d changed, %v", len(changed), err)
	}
	return later, changed
}

// perfectQueries counts, per registry, the queries of a perfect walk inside
// the changed blocks.
func perfectQueries(w *regsim.World, changed []ipatlas.Range) map[ipatlas.Registry]int {
	out := map[ipatlas.Registry]int{}
	for _, s := range w.Truth().Steps {
		if inAny(s.Query, changed) {
			out[w.Registry(s.Net)]++
		}
	}
	return out
}

func inAny(a netip.Addr, rs []ipatlas.Range) bool {
	for _, r := range rs {
		if r.Contains(a) {
			return true
		}
	}
	return false
}

// askedFirst counts the queries about changed blocks before the first
// query about anything else, and in all.
func askedFirst(order []string, changed []ipatlas.Range) (first, all int) {
	first = math.MaxInt
	for i, q := range order {
		a, err := netip.ParseAddr(q)
		switch {
		case err == nil && inAny(a, changed):
			all++
		case first == math.MaxInt:
			first = i
		}
	}
	return min(first, all), all
}

func total(m map[ipatlas.Registry]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

func totalQueries(srv *regsim.Server) (n int) {
	for _, c := range srv.QueryCounts() {
		n += c
	}
	return n
}

// TestCrawlEveryKeepsGoing: `crawl --every` with a query budget pauses the
// first run when the budget is spent, resumes it at the next turn until it
// is complete, then refreshes on every turn (asking nothing of an unchanged
// world), until interrupted.
func TestCrawlEveryKeepsGoing(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 22, IPv4: []netipPrefix{mustPrefix("62.0.0.0/14"), mustPrefix("13.64.0.0/15")},
		IPv6: []netipPrefix{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := simtest.Serve(t, w, regsim.ServerConfig{CountQueries: true})
	db := t.TempDir() + "/atlas.db"
	cmd := cliCommand(crawlArgs(srv, db, "--every", "1s", "--max-queries", "200")...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForMatch(t, &stderr, regexp.MustCompile(`run 1 (paused)`))
	waitForMatch(t, &stderr, regexp.MustCompile(`run 1 (complete)`))
	crawled := totalQueries(srv)
	waitForMatch(t, &stderr, regexp.MustCompile(`run 3 (complete)`))
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("interrupted loop: %v\n%s", err, stderr.String())
	}
	checkCrawled(t, w, db)
	pauses := strings.Count(stderr.String(), "paused")
	t.Logf("%d queries over %d budget pauses, %d asked again; then %d", crawled, pauses, srv.Repeats(), totalQueries(srv))
	if asked := totalQueries(srv); asked != crawled {
		t.Errorf("the refreshes of an unchanged world asked %d queries, want none", asked-crawled)
	}
	if pauses < 2 || crawled > (pauses+1)*200 || srv.Repeats() > pauses*4*len(ipatlas.Registries()) {
		t.Errorf("%d queries asked, %d again, over %d pauses: want each turn to spend at most its budget of 200, "+
			"and no more asked again than the requests in flight at each pause", crawled, srv.Repeats(), pauses)
	}
	snaps := listSnapshots(t, db)
	if len(snaps) < 3 || snaps[len(snaps)-1].Added+snaps[len(snaps)-1].Removed+snaps[len(snaps)-1].Changed != 0 {
		t.Errorf("snapshots %+v: want one per run, the refreshes unchanged", snaps)
	}
}

// TestRefreshFlagsRejectNonsense: contradictory or impossible refresh flags
// stop with a usage error before anything is opened.
func TestRefreshFlagsRejectNonsense(t *testing.T) {
	t.Parallel()
	db := t.TempDir() + "/x.db"
	for _, args := range [][]string{
		{"--refresh", "--new-run"}, {"--retry-failed", "--refresh"}, {"--max-age", "-1h"},
		{"--every", "10ms"}, {"--plan-only", "--every", "1h"}, {"--max-queries", "-5"},
	} {
		code, _, errOut := runCmd(t, append([]string{"crawl", "--db", db}, args...)...)
		if code != 2 || !strings.Contains(errOut, args[0]) {
			t.Errorf("crawl %v: exit %d, %q; want exit 2 naming %s", args, code, errOut, args[0])
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused crawl created its database")
	}
}
