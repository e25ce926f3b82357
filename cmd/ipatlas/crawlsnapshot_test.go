package main

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/regsim"
)

// TestCrawledRunsBecomeSnapshots: a finished crawl is a snapshot in the
// same history as loaded files; lookups answer every address of the
// simulator's walk with the most specific network it holds; a new run that
// finds the same world is a snapshot with no changes; a crawl on a complete
// database stores nothing new.
func TestCrawledRunsBecomeSnapshots(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 4, IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("62.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 10})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, false)
	dir := t.TempDir()
	db := dir + "/crawl.db"
	code, out, errOut := runCmd(t, crawlArgs(srv, db)...)
	if code != 0 || !strings.Contains(out, "crawl run 1") || !strings.Contains(out, "index "+db+".index") {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	truth := w.Truth()
	t.Logf("%d networks crawled", len(truth.Steps))
	checkCrawledLookups(t, w, db, truth.Steps)

	// An older loaded file joins the same history under the crawl.
	first := w.Range(truth.Steps[0].Net)
	older := writeSnapshot(t, dir, "2020-01-01", [3]string{first.From.String(), first.To.String(), "old holder"})
	if code, out, errOut := runCmd(t, "load", "--db", db, older); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "lookup", "--db", db, "--history", truth.Steps[0].Query.String())
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 ||
		!strings.Contains(lines[0], w.Handle(truth.Steps[0].Net)) || !strings.Contains(lines[1], "old holder") {
		t.Errorf("history of %s: exit %d\n%s\nwant the crawled network, then the loaded one", truth.Steps[0].Query, code, out)
	}

	if code, out, errOut := runCmd(t, crawlArgs(srv, db, "--new-run")...); code != 0 || !strings.Contains(out, "crawl run 2") {
		t.Fatalf("crawl --new-run: exit %d\n%s%s", code, out, errOut)
	}
	snaps := listSnapshots(t, db)
	if len(snaps) != 3 || snaps[1].Records != len(truth.Steps) || snaps[2].Records != len(truth.Steps) ||
		snaps[2].Added+snaps[2].Removed+snaps[2].Changed != 0 {
		t.Errorf("snapshots %+v: want the file, then two crawls of %d networks with no change between them", snaps, len(truth.Steps))
	}
	if code, out, _ := runCmd(t, crawlArgs(srv, db)...); code != 0 || !strings.Contains(out, "already stored, unchanged") || strings.Contains(out, "index ") {
		t.Errorf("crawl on a complete database: exit %d\n%s\nwant its snapshot found unchanged and the index left as it is", code, out)
	}
}

// checkCrawledLookups looks up every address the simulator's walk asks
// about and checks that the answer is the network the walk records there.
func checkCrawledLookups(t *testing.T, w *regsim.World, db string, steps []regsim.Step) {
	t.Helper()
	lines := lookupLines(t, db, steps)
	for i, s := range steps {
		var rec struct{ Begin, End, Registry, Handle string }
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatalf("%s: %v: %s", s.Query, err, lines[i])
		}
		rg := w.Range(s.Net)
		if rec.Begin != rg.From.String() || rec.End != rg.To.String() || rec.Handle != w.Handle(s.Net) || rec.Registry != string(w.Registry(s.Net)) {
			t.Errorf("%s: got %s, want %s %s (%s)", s.Query, lines[i], rg, w.Handle(s.Net), w.Registry(s.Net))
		}
	}
}

// TestFinishedRunAlwaysHasItsSnapshot: a crawl that crashed after storing
// its snapshot but before marking the run finished finishes it on the next
// crawl, with the snapshot unchanged; a finished run whose snapshot is
// missing (a database from before crawls made snapshots) gets it.
func TestFinishedRunAlwaysHasItsSnapshot(t *testing.T) {
	t.Parallel()
	w, err := regsim.New(regsim.Config{Seed: 6, IPv4: []netipPrefix{mustPrefix("13.64.0.0/15")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, false)
	db := t.TempDir() + "/crawl.db"
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	for _, c := range []struct{ sql, want string }{
		{`UPDATE runs SET finished = NULL`, "already stored, unchanged"}, // the crash between
		{`DELETE FROM snapshots`, "crawl run 1"},                         // an older database
	} {
		execSQL(t, db, c.sql)
		code, out, errOut := runCmd(t, crawlArgs(srv, db)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("after %s: exit %d\n%s%s\nwant %q", c.sql, code, out, errOut, c.want)
		}
		if snaps := listSnapshots(t, db); len(snaps) != 1 || snaps[0].Records != len(w.Truth().Steps) {
			t.Errorf("after %s: snapshots %+v, want the run's, with every network", c.sql, snaps)
		}
		checkCrawled(t, w, db) // the run is finished and holds the truth
	}
}

// execSQL runs one statement on the database, as a crash or an older
// version would have left it.
func execSQL(t *testing.T, db, stmt string) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}
