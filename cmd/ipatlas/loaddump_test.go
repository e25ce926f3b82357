package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/regsim"
)

// dumpWorld is a world with a little of every registry: enough nesting to
// matter, small enough to crawl ARIN and LACNIC in seconds.
func dumpWorld(t *testing.T) *regsim.World {
	t.Helper()
	w, err := regsim.New(regsim.Config{Seed: 9,
		IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("200.0.0.0/15"), mustPrefix("62.0.0.0/14"),
			mustPrefix("1.0.0.0/14"), mustPrefix("41.0.0.0/15")},
		IPv6:         []netipPrefix{mustPrefix("2001:600::/23"), mustPrefix("2001:200::/23"), mustPrefix("2001:4200::/23"), mustPrefix("2001:400::/23")},
		IPv6PerBlock: 8})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// latestState is the records of the database's latest snapshot.
func latestState(t *testing.T, db string) []ipatlas.Record {
	t.Helper()
	store := openReadOnly(t, db)
	stored, err := store.Timeline(context.Background())
	if err != nil || len(stored) == 0 {
		t.Fatalf("timeline: %d snapshots, %v", len(stored), err)
	}
	state, err := history.StateAt(stored, stored[len(stored)-1].At)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// decoded turns snapshot records of the given registries back into
// networks.
func decoded(t *testing.T, recs []ipatlas.Record, regs ...ipatlas.Registry) []ipatlas.Network {
	t.Helper()
	var out []ipatlas.Network
	for _, r := range recs {
		var n ipatlas.Network
		if err := json.Unmarshal(r.Payload, &n); err != nil {
			t.Fatalf("record %s: %v", r.Range, err)
		}
		if n.Range = r.Range; slices.Contains(regs, n.Registry) {
			out = append(out, n)
		}
	}
	return out
}

func dumpURLs(srv *regsim.Server) []string {
	var out []string
	for _, r := range regsim.DumpRegistries() {
		out = append(out, srv.DumpURLs(r)...)
	}
	return out
}

// TestLoadDumpThenCrawlAsksOnlyTheOthers: the simulator's dumps, loaded
// over HTTP, give exactly the world as its dumps show it; a crawl of the
// same database then asks nothing of RIPE NCC, APNIC and AFRINIC, walks
// ARIN and LACNIC exactly, and its snapshot holds both, so lookups find
// both; --verify, on the complete database, asks each dumped registry the
// few addresses it was told to and finds them as the dump has them.
func TestLoadDumpThenCrawlAsksOnlyTheOthers(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	srv := slowSim(t, w, 0, false)
	db := filepath.Join(t.TempDir(), "atlas.db")
	if code, out, errOut := runCmd(t, append([]string{"load-dump", "--db", db}, dumpURLs(srv)...)...); code != 0 {
		t.Fatalf("load-dump: exit %d\n%s%s", code, out, errOut)
	}
	dumped := regsim.DumpRegistries()
	if rep := w.CheckView(decoded(t, latestState(t, db), dumped...), w.DumpView()); !rep.OK() {
		t.Fatalf("after load-dump: %s", rep)
	}

	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range dumped {
		if c := srv.Stats().Registries[r]; c != nil && c.Requests != 0 {
			t.Errorf("%s: %d requests, want none", r, c.Requests)
		}
	}
	code, out, errOut := runCmd(t, crawlArgs(srv, db, "--verify", "3")...)
	if code != 0 {
		t.Fatalf("crawl --verify 3: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range dumped {
		if c := srv.Stats().Registries[r]; c == nil || c.Requests != 3 {
			t.Errorf("%s: %+v requests, want the 3 of --verify", r, c)
		}
		if !strings.Contains(out, "verify "+string(r)+": 3 addresses asked, 3 agree with the dump") {
			t.Errorf("crawl output lacks %s's verification:\n%s%s", r, out, errOut)
		}
	}
	crawled := []ipatlas.Registry{ipatlas.ARIN, ipatlas.LACNIC}
	t.Logf("%d networks dumped, %d crawled", len(decoded(t, latestState(t, db), dumped...)), countWalked(w, crawled))
	checkCrawledOnly(t, w, db, crawled)
	state := latestState(t, db)
	if rep := w.CheckView(decoded(t, state, dumped...), w.DumpView()); !rep.OK() {
		t.Errorf("the crawl's snapshot, dumped registries: %s", rep)
	}
	if got, want := len(decoded(t, state, crawled...)), countWalked(w, crawled); got != want {
		t.Errorf("the crawl's snapshot holds %d networks of ARIN and LACNIC, want %d", got, want)
	}
	checkLookups(t, w, db)
}

// checkCrawledOnly compares the latest run with the perfect walk of the
// crawled registries.
func checkCrawledOnly(t *testing.T, w *regsim.World, db string, regs []ipatlas.Registry) {
	t.Helper()
	store := openReadOnly(t, db)
	run, err := store.LatestRun(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []ipatlas.Network
	store.Networks(context.Background(), run.ID, func(n ipatlas.Network) error { got = append(got, n); return nil })
	walked := func(yield func(regsim.NetRef) bool) {
		for ref := range w.Walked() {
			if slices.Contains(regs, w.Registry(ref)) && !yield(ref) {
				return
			}
		}
	}
	if rep := w.CheckView(got, regsim.View{Networks: walked}); !rep.OK() {
		t.Errorf("the crawl: %s", rep)
	}
}

func countWalked(w *regsim.World, regs []ipatlas.Registry) int {
	n := 0
	for ref := range w.Walked() {
		if slices.Contains(regs, w.Registry(ref)) {
			n++
		}
	}
	return n
}

// checkLookups looks up the first network of each registry: dumped and
// crawled ones alike are found.
func checkLookups(t *testing.T, w *regsim.World, db string) {
	t.Helper()
	for _, reg := range ipatlas.Registries() {
		var ref regsim.NetRef
		for r := range w.Walked() {
			if w.Registry(r) == reg {
				ref = r
				break
			}
		}
		a := w.Range(ref).From.String()
		code, out, _ := runCmd(t, "lookup", "--db", db, a)
		if code != 0 || !strings.Contains(out, `"handle":"`+w.Handle(ref)+`"`) {
			t.Errorf("lookup %s (%s): exit %d\n%s", a, reg, code, out)
		}
	}
}

// TestLoadDumpFromFilesInAnyOrder: files on disk, networks before holders
// on the command line, one of them not compressed, give the same view.
func TestLoadDumpFromFilesInAnyOrder(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	dir := t.TempDir()
	paths, err := w.WriteDumps(dir)
	if err != nil {
		t.Fatal(err)
	}
	plain := gunzipFile(t, paths[0]) // afrinic.db.inetnum, no longer gzipped
	paths[0] = plain
	slices.Reverse(paths)
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, append([]string{"load-dump", "--db", db}, paths...)...); code != 0 {
		t.Fatalf("load-dump: exit %d\n%s%s", code, out, errOut)
	}
	if rep := w.CheckView(decoded(t, latestState(t, db), regsim.DumpRegistries()...), w.DumpView()); !rep.OK() {
		t.Fatal(rep)
	}
}

// gunzipFile writes a gzipped file's text beside it, without ".gz".
func gunzipFile(t *testing.T, path string) string {
	t.Helper()
	text := readGzip(t, path)
	out := strings.TrimSuffix(path, ".gz")
	if err := os.WriteFile(out, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func readGzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// badObjects are appended to a dump: a range that is none, and a line
// that is no RPSL inside an object.
const badObjects = "\ninetnum:        10.0.0.300 - 10.0.1.0\nnetname:        BROKEN\nstatus:         ASSIGNED PA\nsource:         RIPE\n" +
	"\ninetnum:        10.0.2.0 - 10.0.2.255\nnetname:        BROKEN-TOO\nthis line is no attribute\nsource:         RIPE\n"

// TestLoadDumpMalformed: malformed objects are named with file and line,
// the load fails and stores nothing; --lenient skips and counts them.
func TestLoadDumpMalformed(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	dir := t.TempDir()
	paths, err := w.WriteDumps(dir, ipatlas.RIPENCC)
	if err != nil {
		t.Fatal(err)
	}
	text := readGzip(t, paths[0])
	lines := bytes.Count(text, []byte("\n"))
	bad := filepath.Join(dir, "ripe.db.inetnum")
	if err := os.WriteFile(bad, append(text, badObjects...), 0o644); err != nil {
		t.Fatal(err)
	}
	paths[0] = bad
	db := filepath.Join(dir, "atlas.db")
	code, out, errOut := runCmd(t, append([]string{"load-dump", "--db", db}, paths...)...)
	for _, want := range []string{bad + ":" + strconv.Itoa(lines+2) + ": inetnum", bad + ":" + strconv.Itoa(lines+9) + ": not an attribute", "2 malformed object(s); nothing stored"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 1 || strings.Contains(out, "snapshot ") {
		t.Fatalf("strict load-dump of bad input: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{db, db + ".index"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s after a failed load: %v", f, err)
		}
	}

	code, out, errOut = runCmd(t, append([]string{"load-dump", "--db", db, "--lenient"}, paths...)...)
	if code != 0 || !strings.Contains(out, "2 malformed object(s) skipped (--lenient)") {
		t.Fatalf("load-dump --lenient: exit %d\n%s%s", code, out, errOut)
	}
	if rep := w.CheckView(decoded(t, latestState(t, db), ipatlas.RIPENCC), w.DumpView(ipatlas.RIPENCC)); !rep.OK() {
		t.Error(rep)
	}
}

// TestLoadDumpUsage: what cannot be meant exits 2.
func TestLoadDumpUsage(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "atlas.db")
	for _, args := range [][]string{
		{"load-dump", "--db", db},
		{"load-dump", "--db", db, "--at", "yesterday", "ripe.db.inetnum.gz"},
		{"load-dump", "--db", "postgres://localhost/ipatlas", "ripe.db.inetnum.gz"},
		{"crawl", "--db", db, "--verify", "-1"},
	} {
		if code, _, errOut := runCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if code, _, errOut := runCmd(t, "load-dump", "--db", db, filepath.Join(t.TempDir(), "missing.db.inetnum.gz")); code != 1 {
		t.Errorf("a missing file: exit %d, want 1\n%s", code, errOut)
	}
}

// BenchmarkLoadDump is `ipatlas load-dump` end to end into a fresh
// embedded database (read, convert, store the snapshot, build the index),
// on the split dumps of the simulator's default world: about 185,000
// objects, 69,000 of them networks. `go run ./bench/dumpload` measures
// the same on 3.2 million objects.
func BenchmarkLoadDump(b *testing.B) {
	w := regsim.MustNew(regsim.Config{})
	dir := b.TempDir()
	paths, err := w.WriteDumps(dir)
	if err != nil {
		b.Fatal(err)
	}
	objects := 0
	for i := 0; b.Loop(); i++ {
		db := filepath.Join(dir, "atlas"+strconv.Itoa(i)+".db")
		var out, errb syncBuffer
		if code := run(context.Background(), &env{stdout: &out, stderr: &errb, stdin: strings.NewReader("")},
			append([]string{"load-dump", "--db", db}, paths...)); code != 0 {
			b.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
		}
		var n, nets int
		for _, line := range strings.Split(out.String(), "\n") {
			if _, err := fmt.Sscanf(line, "loaded %d objects (%d networks)", &n, &nets); err == nil {
				objects += n
			}
		}
	}
	b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
}

// TestVerifyReportsWhereRDAPDisagrees: a dump of one world checked against
// another world's RDAP reports the differences, field by field.
func TestVerifyReportsWhereRDAPDisagrees(t *testing.T) {
	t.Parallel()
	cfg := regsim.Config{Seed: 1, IPv4: []netipPrefix{mustPrefix("62.0.0.0/14")}, IPv6: []netipPrefix{}}
	dumped := regsim.MustNew(cfg)
	cfg.Seed = 2
	srv := slowSim(t, regsim.MustNew(cfg), 0, false)
	dir := t.TempDir()
	paths, err := dumped.WriteDumps(dir, ipatlas.RIPENCC)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, append([]string{"load-dump", "--db", db}, paths...)...); code != 0 {
		t.Fatalf("load-dump: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, crawlArgs(srv, db, "--registries", "ripencc", "--within", "62.0.0.0/14", "--verify", "4")...)
	if code != 0 || !strings.Contains(out, "verify ripencc: 4 addresses asked, ") || !strings.Contains(errOut, "the dump and RDAP differ: ") {
		t.Errorf("crawl --verify of another world: exit %d\n%s%s", code, out, errOut)
	}
	if c := srv.Stats().Registries[ipatlas.RIPENCC]; c == nil || c.Requests != 4 {
		t.Errorf("RIPE NCC: %+v requests, want the 4 of --verify", c)
	}
}
