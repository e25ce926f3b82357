package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/internal/pgtest"
	"github.com/ipatlas/ipatlas/mmdb"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/whipfile"
	"github.com/oschwald/maxminddb-golang/v2"
)

// TestWorkerOnAPlannedRun: `crawl --plan-only` seeds a run without asking
// the registries anything; `worker` walks it to the truth, serving its
// metrics meanwhile, and with --follow waits for the next run.
func TestWorkerOnAPlannedRun(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 5, IPv4: []netipPrefix{mustPrefix("62.0.0.0/14"), mustPrefix("13.0.0.0/14")},
		IPv6: []netipPrefix{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, true)
	db := filepath.Join(t.TempDir(), "w.db")
	if code, _, errOut := runCmd(t, "worker", "--db", db, "--bootstrap", srv.BootstrapURL()); code != 0 || !strings.Contains(errOut, "no run planned yet") {
		t.Fatalf("worker before any run: exit %d\n%s", code, errOut)
	}
	code, _, errOut := runCmd(t, crawlArgs(srv, db, "--plan-only", "--within", "62.0.0.0/14,13.0.0.0/14")...)
	if code != 0 || !strings.Contains(errOut, "ready for workers") {
		t.Fatalf("crawl --plan-only: exit %d\n%s", code, errOut)
	}
	if n := len(srv.QueryCounts()); n != 0 {
		t.Fatalf("planning asked %d RDAP questions, want none", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, &env{stdout: io.Discard, stderr: &stderr}, []string{"worker", "--db", db, "--bootstrap", srv.BootstrapURL(),
			"--rate", "all=unlimited", "--metrics", "127.0.0.1:0", "--follow", "--poll", "100ms", "--log-format", "json"})
	}()
	url := waitForMatch(t, &stderr, regexp.MustCompile(`"url":"(http://[^"]+/metrics)"`))
	waitForMatch(t, &stderr, regexp.MustCompile(`"msg":"(run complete)"`))
	checkCrawled(t, w, db)
	metrics := scrape(t, url)
	for _, want := range []string{`ipatlas_crawl_units{registry="ripencc",state="done"}`, `ipatlas_crawl_queries_total{registry="arin"}`,
		`ipatlas_crawl_commit_duration_seconds_count`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
	waitForMatch(t, &stderr, regexp.MustCompile(`"msg":"(the latest run is complete)"`)) // --follow: waiting, not gone
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("worker exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"worker stopped"`) {
		t.Errorf("no summary line when the worker stopped:\n%s", stderr.String())
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// TestWorkerRefusesBadInput: flags a worker cannot work with stop it at
// once, naming the flag.
func TestWorkerRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "w.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--source-addr", "203.0.113.250"}, "--source-addr 203.0.113.250: requests cannot be sent from it"},
		{[]string{"--source-addr", "not-an-address"}, `--source-addr "not-an-address": want an IP address`},
		{[]string{"--lease-ttl", "10ms"}, "--lease-ttl 10ms: want at least 1s"},
		{[]string{"--poll", "1ms"}, "--poll 1ms: want at least 100ms"},
		{[]string{"--metrics", "127.0.0.1:99999"}, `--metrics "127.0.0.1:99999": want HOST:PORT`},
		{[]string{"--metrics", "9100"}, `--metrics "9100": want HOST:PORT`},
		{[]string{"--rate", "arin=fast"}, `rate "fast": want N/s`},
	} {
		code, _, errOut := runCmd(t, append([]string{"worker", "--db", db, "--bootstrap", t.TempDir()}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("worker %v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, _, errOut := runCmd(t, "serve", "--db", db, "--log-format", "xml"); code != 2 || !strings.Contains(errOut, `--log-format "xml"`) {
		t.Errorf("serve --log-format xml: exit %d, %q", code, errOut)
	}
	for _, command := range []string{"lookup", "serve", "load", "index", "diff"} {
		code, _, errOut := runCmd(t, command, "--db", "postgres://u:secret@db.example/x")
		if code != 2 || !strings.Contains(errOut, "reads an embedded database") || strings.Contains(errOut, "secret") {
			t.Errorf("%s --db postgres://: exit %d, %q; want 2, a pointer to SQL, and no password", command, code, errOut)
		}
	}
}

// TestCrawlIntoPostgres: one `crawl` against a PostgreSQL URL plans, walks
// and finishes the run, as on the embedded database; status, snapshots,
// export and migrate read the same database.
func TestCrawlIntoPostgres(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	w, err := regsim.New(regsim.Config{Seed: 8, IPv4: []netipPrefix{mustPrefix("41.0.0.0/14"), mustPrefix("200.0.0.0/14")},
		IPv6: []netipPrefix{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, true)
	args := crawlArgs(srv, dsn, "--within", "41.0.0.0/14,200.0.0.0/14")
	if code, _, errOut := runCmd(t, args...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCmd(t, args...); code != 0 || !strings.Contains(errOut, "nothing to do") {
		t.Fatalf("crawl of a complete database: exit %d\n%s", code, errOut)
	}
	truth := len(w.Truth().Steps)
	code, out, errOut := runCmd(t, "export", "--db", dsn)
	if lines := strings.Count(out, "\n"); code != 0 || lines != truth {
		t.Fatalf("export: exit %d, %d lines, want %d\n%s", code, lines, truth, errOut)
	}
	checkPostgresExports(t, dsn, out, truth)
	code, out, _ = runCmd(t, "snapshots", "--db", dsn, "--format", "jsonl")
	if want := fmt.Sprintf(`"added":%d`, truth); code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, want) {
		t.Errorf("snapshots: exit %d\n%s\nwant one snapshot with %s", code, out, want)
	}
	if code, out, _ := runCmd(t, "status", "--db", dsn); code != 0 || !strings.Contains(out, "complete, finished") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd(t, "migrate", "--db", dsn); code != 0 || !strings.Contains(out, "schema up to date (version ") {
		t.Errorf("migrate on a current schema: exit %d\n%s", code, out)
	}
	if n := srv.Repeats(); n != 0 {
		t.Errorf("%d queries asked twice", n)
	}
}

// checkPostgresExports exports the run as CSV and MMDB too: a row per
// network, and an MMDB that reads back as the JSON lines' records.
func checkPostgresExports(t *testing.T, dsn, jsonl string, networks int) {
	t.Helper()
	dir := t.TempDir()
	rows := readCSV(t, mustExport(t, dsn, filepath.Join(dir, "run.csv"), "--format", "csv"))
	if len(rows) != networks+1 {
		t.Errorf("CSV export: %d rows, want a header and %d", len(rows), networks)
	}
	f, err := whipfile.Read("export", strings.NewReader(jsonl))
	if err != nil {
		t.Fatal(err)
	}
	db, err := maxminddb.OpenBytes(mustExport(t, dsn, filepath.Join(dir, "run.mmdb"), "--format", "mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := mmdb.Verify(db, f.Records); err != nil {
		t.Errorf("MMDB export: %v", err)
	}
}
