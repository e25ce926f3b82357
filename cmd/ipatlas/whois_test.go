package main

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

// whoisCrawlArgs is an unlimited, quiet `ipatlas crawl` of the simulator
// into db with the given --via, every WHOIS server pointed at the
// simulator's. The bootstrap is a directory that does not exist: a crawl
// that asks every registry over WHOIS must never need it.
func whoisCrawlArgs(srv *regsim.Server, db, via string, extra ...string) []string {
	args := []string{"crawl", "--db", db, "--rate", "all=unlimited", "--progress", "none", "--via", via}
	if via == "whois" {
		args = append(args, "--bootstrap", filepath.Join("testdata", "no-bootstrap-here"))
	} else {
		args = append(args, "--bootstrap", srv.BootstrapURL())
	}
	for _, r := range ipatlas.Registries() {
		args = append(args, "--delegated", srv.DelegatedURL(r), "--whois-server", string(r)+"="+srv.WhoisAddr(r))
	}
	return append(args, extra...)
}

// whoisWorld is small, with every registry, nesting and IPv6.
func whoisWorld(tb testing.TB, seed uint64) *regsim.World {
	tb.Helper()
	return regsim.MustNew(regsim.Config{Seed: seed, IPv6PerBlock: 16,
		IPv4: []netipPrefix{mustPrefix("13.0.0.0/13"), mustPrefix("62.0.0.0/13"), mustPrefix("1.0.0.0/14"),
			mustPrefix("200.0.0.0/14"), mustPrefix("41.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:400::/23"), mustPrefix("2001:600::/23"), mustPrefix("2001:200::/23"),
			mustPrefix("2001:1200::/23"), mustPrefix("2001:4200::/23")}})
}

// crawledRun opens db and returns the latest run's networks and progress.
func crawledRun(t *testing.T, db string) ([]ipatlas.Network, []ipatlas.Progress) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	run, err := store.LatestRun(ctx)
	if err != nil || run.Finished.IsZero() {
		t.Fatalf("latest run %+v, %v: want a finished run", run, err)
	}
	var got []ipatlas.Network
	if err := store.Networks(ctx, run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil }); err != nil {
		t.Fatal(err)
	}
	progress, err := store.Progress(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got, progress
}

// TestCrawlViaWhoisMatchesTheWhoisTruth crawls a world over WHOIS alone
// and checks the database holds exactly what a perfect WHOIS walk records,
// every field, with no address asked twice and no RDAP request made.
func TestCrawlViaWhoisMatchesTheWhoisTruth(t *testing.T) {
	t.Parallel()
	w := whoisWorld(t, 21)
	srv := simtest.Serve(t, w, regsim.ServerConfig{CountQueries: true})
	db := filepath.Join(t.TempDir(), "whois.db")
	if code, _, errOut := runCmd(t, whoisCrawlArgs(srv, db, "whois")...); code != 0 {
		t.Fatalf("crawl --via whois: exit %d\n%s", code, errOut)
	}
	got, progress := crawledRun(t, db)
	if report := w.CheckView(got, regsim.View{Render: w.WhoisNetwork}); !report.OK() {
		t.Fatal(report)
	}
	for _, n := range got {
		if n.Source.Protocol != ipatlas.ProtocolWHOIS || !strings.HasPrefix(n.Source.URL, "whois://127.0.0.1:") {
			t.Fatalf("%s recorded with source %+v, want a WHOIS query of the simulator", n.Range, n.Source)
		}
	}
	rdapStats, whoisStats := srv.Stats(), srv.WhoisStats()
	truth := w.Truth()
	for _, p := range progress {
		r := p.Registry
		if rdapStats.Registries[r].Requests != 0 {
			t.Errorf("%s: %d RDAP requests, want none", r, rdapStats.Registries[r].Requests)
		}
		if asked := whoisStats.Registries[r].Requests; asked < int64(truth.ByRegistry[r].Networks) || p.Counts.Failures != 0 {
			t.Errorf("%s: %d WHOIS queries for %d networks, %d failures", r, asked, truth.ByRegistry[r].Networks, p.Counts.Failures)
		}
	}
	if n := srv.Repeats(); n != 0 {
		t.Errorf("%d queries asked again", n)
	}
}

// TestCrawlViaWhoisForSomeRegistries routes LACNIC and ARIN over WHOIS and
// the rest over RDAP: each registry's networks match its protocol's view.
func TestCrawlViaWhoisForSomeRegistries(t *testing.T) {
	t.Parallel()
	w := whoisWorld(t, 22)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	db := filepath.Join(t.TempDir(), "mixed.db")
	if code, _, errOut := runCmd(t, whoisCrawlArgs(srv, db, "whois=lacnic,arin")...); code != 0 {
		t.Fatalf("crawl --via whois=lacnic,arin: exit %d\n%s", code, errOut)
	}
	viaWhois := map[ipatlas.Registry]bool{ipatlas.LACNIC: true, ipatlas.ARIN: true}
	got, _ := crawledRun(t, db)
	view := regsim.View{Render: func(ref regsim.NetRef) ipatlas.Network {
		if viaWhois[w.Registry(ref)] {
			return w.WhoisNetwork(ref)
		}
		return w.Network(ref)
	}}
	if report := w.CheckView(got, view); !report.OK() {
		t.Fatal(report)
	}
	rdapStats, whoisStats := srv.Stats(), srv.WhoisStats()
	for _, r := range ipatlas.Registries() {
		rd, wh := rdapStats.Registries[r].Requests, whoisStats.Registries[r].Requests
		if viaWhois[r] != (wh > 0) || viaWhois[r] != (rd == 0) {
			t.Errorf("%s: %d RDAP and %d WHOIS requests (over WHOIS: %v)", r, rd, wh, viaWhois[r])
		}
	}
}

// TestCrawlViaWhoisSlowsDownWhenLimited crawls over WHOIS at twice the
// rate the simulator allows: every registry refuses with its rate-limit text, the
// crawler backs off and asks again, and the run still completes with
// exactly the truth.
func TestCrawlViaWhoisSlowsDownWhenLimited(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 23, IPv6PerBlock: 6,
		IPv4: []netipPrefix{mustPrefix("13.0.0.0/18"), mustPrefix("62.0.0.0/18"), mustPrefix("1.0.0.0/18"),
			mustPrefix("200.0.0.0/17"), mustPrefix("41.0.0.0/17")},
		IPv6: []netipPrefix{mustPrefix("2001:400::/23")}})
	limits := map[ipatlas.Registry]regsim.Limit{}
	for _, r := range ipatlas.Registries() {
		limits[r] = regsim.Limit{Rate: 25, Burst: 3}
	}
	srv := simtest.Serve(t, w, regsim.ServerConfig{Limits: limits})
	db := filepath.Join(t.TempDir(), "limited.db")
	start := time.Now()
	if code, _, errOut := runCmd(t, whoisCrawlArgs(srv, db, "whois", "--rate", "all=50/s")...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	got, progress := crawledRun(t, db)
	if report := w.CheckView(got, regsim.View{Render: w.WhoisNetwork}); !report.OK() {
		t.Fatal(report)
	}
	whoisStats := srv.WhoisStats()
	for _, p := range progress {
		limited := whoisStats.Registries[p.Registry].RateLimited
		t.Logf("%s: %d queries, %d refused for the limit, %d counted as throttled", p.Registry,
			whoisStats.Registries[p.Registry].Requests, limited, p.Counts.Throttled)
		if limited == 0 || p.Counts.Throttled == 0 || p.Counts.Failures != 0 {
			t.Errorf("%s: %d refusals, %d throttles counted, %d failures: want refusals, each counted, none failed",
				p.Registry, limited, p.Counts.Throttled, p.Counts.Failures)
		}
	}
	t.Logf("crawl took %s", time.Since(start).Round(time.Millisecond))
}

func TestCrawlRejectsBadViaFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--via", "gopher"}, `--via "gopher": want rdap, whois or whois=REG`},
		{[]string{"--via", "whois="}, `--via "whois="`},
		{[]string{"--via", "whois=arin,moon"}, `unknown registry "moon"`},
		{[]string{"--via", "whois", "--whois-server", "ripencc"}, `--whois-server "ripencc": want REG=SPEC`},
		{[]string{"--via", "whois", "--whois-server", "ripencc=localhost"}, "ripencc=localhost: want HOST:PORT"},
		{[]string{"--via", "whois", "--whois-server", "arin=127.0.0.1:99999"}, "arin=127.0.0.1:99999: want HOST:PORT"},
		{[]string{"--via", "whois", "--whois-server", "mars=127.0.0.1:43"}, `unknown registry "mars"`},
	}
	for _, c := range cases {
		db := filepath.Join(dir, "bad.db")
		code, _, errOut := runCmd(t, append([]string{"crawl", "--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.args, code, errOut, c.want)
		}
	}
}

// TestSimServesWhois starts `ipatlas sim` and asks its RIPE NCC WHOIS
// server, at the address it printed, about a network.
func TestSimServesWhois(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, &env{stdout: &out, stderr: &errb}, []string{"sim", "--blocks", "62.0.0.0/16", "--seed", "4"})
	}()
	addr := waitForLine(t, &out, "ripencc  WHOIS")
	w := regsim.MustNew(regsim.Config{Seed: 4, IPv4: []netipPrefix{mustPrefix("62.0.0.0/16")}, IPv6: []netipPrefix{}})
	first := w.Truth().Steps[0]
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "-r -B "+first.Query.String()+"\r\n")
	body, err := io.ReadAll(c)
	c.Close()
	want := "inetnum:        " + w.WhoisNetwork(first.Net).Handle
	if err != nil || !strings.Contains(string(body), want) {
		t.Errorf("answer (%v) lacks %q:\n%s", err, want, body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}
