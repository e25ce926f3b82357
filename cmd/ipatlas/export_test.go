package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/mmdb"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/oschwald/maxminddb-golang/v2"
)

// mustExport runs export and returns the file it wrote.
func mustExport(t *testing.T, db, out string, args ...string) []byte {
	t.Helper()
	code, stdout, errOut := runCmd(t, append([]string{"export", "--db", db, "--out", out}, args...)...)
	if code != 0 || !strings.Contains(stdout, "to "+out+": ") {
		t.Fatalf("export %v: exit %d\n%s%s", args, code, stdout, errOut)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameRecords fails unless two snapshots hold the same ranges with
// byte-identical payloads.
func sameRecords(t *testing.T, what string, got, want []ipatlas.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !got[i].Same(want[i]) {
			t.Fatalf("%s: record %d is %s %s\nwant %s %s", what, i, got[i].Range, got[i].Payload, want[i].Range, want[i].Payload)
		}
	}
}

// nestedCount is how many records lie inside an earlier one.
func nestedCount(records []ipatlas.Record) int {
	n := 0
	var open []ipatlas.Range
	for _, r := range records {
		for len(open) > 0 && open[len(open)-1].To.Less(r.Range.From) {
			open = open[:len(open)-1]
		}
		if len(open) > 0 {
			n++
		}
		open = append(open, r.Range)
	}
	return n
}

// TestExportOfAnEnrichedCrawl crawls a world with nested and non-CIDR
// networks, enriches it, and exports its snapshot three ways: the JSON
// lines load into a fresh database as the same snapshot, byte for byte,
// and export again to the same bytes; the MMDB, read back whole, answers
// every address with its most specific network, origin fields included;
// the CSV has a row per network.
func TestExportOfAnEnrichedCrawl(t *testing.T) {
	t.Parallel()
	w := enrichWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	dir := t.TempDir()
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, enrichArgs(srv, db)...); code != 0 {
		t.Fatalf("enrich: exit %d\n%s%s", code, out, errOut)
	}
	want := latestState(t, db)
	if n := nestedCount(want); n < 10 {
		t.Fatalf("%d of %d networks nested: the world is too flat for this test", n, len(want))
	}
	jsonl := mustExport(t, db, filepath.Join(dir, "a.jsonl"))
	db2 := filepath.Join(dir, "loaded.db")
	if code, out, errOut := runCmd(t, "load", "--db", db2, filepath.Join(dir, "a.jsonl")); code != 0 {
		t.Fatalf("load of the export: exit %d\n%s%s", code, out, errOut)
	}
	sameRecords(t, "the loaded export", latestState(t, db2), want)
	if again := mustExport(t, db2, filepath.Join(dir, "b.jsonl")); !bytes.Equal(again, jsonl) {
		t.Error("the loaded export exports to other bytes")
	}
	checkMMDBExport(t, db, filepath.Join(dir, "a.mmdb"), want)
	rows := readCSV(t, mustExport(t, db, filepath.Join(dir, "a.csv"), "--format", "csv"))
	if len(rows) != len(want)+1 {
		t.Errorf("CSV: %d rows, want a header and %d", len(rows), len(want))
	}
}

// checkMMDBExport exports the MMDB and verifies it against the records,
// which must include routed networks.
func checkMMDBExport(t *testing.T, db, out string, want []ipatlas.Record) {
	t.Helper()
	data := mustExport(t, db, out, "--format", "mmdb")
	r, err := maxminddb.OpenBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := mmdb.Verify(r, want); err != nil {
		t.Fatal(err)
	}
	routed := 0
	for res := range r.Networks() {
		var rec mmdb.Record
		if err := res.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec.ASN != 0 && rec.ASNCIDR != "" && rec.Registry != "" && rec.Handle != "" {
			routed++
		}
	}
	if routed == 0 {
		t.Error("no network of the MMDB has its origin AS")
	}
}

func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// historyFiles are three weekly snapshots with nested ranges that change,
// vanish and appear.
func historyFiles(t *testing.T, dir string) []string {
	return []string{
		writeSnapshot(t, dir, "2024-01-01", [3]string{"1.0.0.0", "1.0.3.255", "A"}, [3]string{"1.0.1.0", "1.0.1.255", "B"},
			[3]string{"1.0.1.16", "1.0.1.31", "B1"}, [3]string{"2001:db8::", "2001:db8::ffff", "C"}),
		writeSnapshot(t, dir, "2024-01-08", [3]string{"1.0.0.0", "1.0.3.255", "A2"}, [3]string{"1.0.0.0", "1.0.0.127", "D"},
			[3]string{"1.0.2.0", "1.0.2.2", "E"}, [3]string{"2001:db8::", "2001:db8::ffff", "C"}, [3]string{"2001:db8::10", "2001:db8::1f", "F"}),
		writeSnapshot(t, dir, "2024-01-15", [3]string{"1.0.0.0", "1.0.0.127", "D"}, [3]string{"1.0.2.0", "1.0.2.2", "E"}),
	}
}

// TestExportAtEachSnapshotOfAHistory loads a history of nested ranges and
// exports each snapshot, named by id, by datetime, or by a datetime after
// it: each export loads into a fresh database as that snapshot exactly.
// Without --at the export is of the latest.
func TestExportAtEachSnapshotOfAHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, append([]string{"load", "--db", db}, historyFiles(t, dir)...)...); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	store := openReadOnly(t, db)
	for _, c := range []struct {
		at []string
		k  int // the snapshot named, in time order
	}{{[]string{"--at", "1"}, 0}, {[]string{"--at", "2024-01-08"}, 1}, {[]string{"--at", "2024-01-14T23:59:59Z"}, 1}, {nil, 2}} {
		at, k := c.at, c.k
		want, err := stateOf(context.Background(), store, k)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "export"+strings.Join(at, "")+".jsonl")
		mustExport(t, db, out, at...)
		fresh := filepath.Join(t.TempDir(), "fresh.db")
		if code, stdout, errOut := runCmd(t, "load", "--db", fresh, out); code != 0 {
			t.Fatalf("load of the export %v: exit %d\n%s%s", at, code, stdout, errOut)
		}
		sameRecords(t, "export "+strings.Join(at, " "), latestState(t, fresh), want)
		if snaps := listSnapshots(t, fresh); snaps[0].Datetime != []string{"2024-01-01", "2024-01-08", "2024-01-15"}[k] {
			t.Errorf("export %v loads as %s", at, snaps[0].Datetime)
		}
	}
}

// TestExportCSV: the header is the documented one, and values that need
// quoting (a comma, a quote, a newline) read back as they were.
func TestExportCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "snap.jsonl")
	lines := `{"begin":"1.0.0.0","end":"1.0.2.255","datetime":"2024-01-01","registry":"apnic","org":"Foo, \"Bar\"\nBaz","asn":13335,"status":["active","reserved"],"origin_as":[1,2]}` + "\n" +
		`{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01","handle":"INNER","asn":"NA","asn_registry":"apnic","events":[{"action":"registration","date":"2001-02-03T00:00:00Z"}]}` + "\n"
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, "load", "--db", db, file); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	rows := readCSV(t, mustExport(t, db, filepath.Join(dir, "out.csv"), "--format", "csv"))
	want := [][]string{
		strings.Split(csvHeader, ","),
		{"1.0.0.0", "1.0.2.255", "1.0.0.0/23,1.0.2.0/24", "apnic", "", "", "", "", "active,reserved", "Foo, \"Bar\"\nBaz", "", "", "", "", "1,2", "13335", "", "", "", "", ""},
		{"1.0.0.0", "1.0.0.255", "1.0.0.0/24", "", "INNER", "", "", "", "", "", "", "2001-02-03T00:00:00Z", "", "", "", "NA", "", "", "", "apnic", ""},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("CSV\n got %q\nwant %q", rows, want)
	}
	var names []string
	for _, c := range csvColumns {
		names = append(names, c.name)
	}
	if strings.Join(names, ",") != csvHeader {
		t.Errorf("the columns %v are not the documented header %s", names, csvHeader)
	}
	if code, out, _ := runCmd(t, "export", "--help"); code != 0 || !strings.Contains(out, csvHeader) {
		t.Errorf("export --help does not document the columns:\n%s", out)
	}
}

// TestExportRejectsBadInput: bad flags and snapshots are usage errors
// (exit 2), the rest exit 1, each named; a failed export leaves no file,
// and a file already at --out as it was.
func TestExportRejectsBadInput(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.mmdb")
	if err := os.WriteFile(out, []byte("before"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if s, err := sqlite.Open(context.Background(), empty, sqlite.Options{}); err != nil {
		t.Fatal(err)
	} else {
		s.Close()
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--db", db, "--format", "geojson", "--out", out}, 2, `--format "geojson": want jsonl or csv or mmdb`},
		{[]string{"--db", db, "--at", "99", "--out", out}, 2, `--at "99": no such snapshot id`},
		{[]string{"--db", db, "--at", "2023-12-31", "--out", out}, 2, "--at 2023-12-31: no snapshot at or before it"},
		{[]string{"--db", "postgres://nowhere.invalid/x", "--at", "1", "--out", out}, 2, "--at reads the embedded history"},
		{[]string{"--db", db, "--out", filepath.Join(dir, "no", "such", "dir", "x.csv")}, 1, "/no/such/dir/x.csv: cannot write there"},
		{[]string{"--db", db, "--out", dir}, 1, dir + ": is a directory"},
		{[]string{"--db", filepath.Join(dir, "none.db"), "--out", out}, 1, "none.db"},
		{[]string{"--db", empty, "--at", "1", "--out", out}, 1, "no snapshots yet"},
		{[]string{"--db", empty, "--format", "mmdb", "--out", out}, 1, "no snapshot and no crawl run"},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(t, append([]string{"export"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", c.args, code, errOut, c.code, c.want)
		}
	}
	// A failure once the output is open (the context cancelled): nothing
	// is left either.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr syncBuffer
	if code := run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"export", "--db", db, "--format", "mmdb", "--out", out}); code != 1 {
		t.Errorf("cancelled export: exit %d: %s", code, stderr.String())
	}
	checkOnlyFiles(t, dir, "empty.db", "out.mmdb")
	if data, _ := os.ReadFile(out); string(data) != "before" {
		t.Errorf("--out was changed by failed exports: %q", data)
	}
}

// checkOnlyFiles fails unless dir holds the named files (and the
// database's companions), no temporary file left behind.
func checkOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	companion := regexp.MustCompile(`\.db(-shm|-wal|\.lock|\.index)$`)
	for _, e := range entries {
		if !slices.Contains(names, e.Name()) && !companion.MatchString(e.Name()) {
			t.Errorf("%s was left in %s", e.Name(), dir)
		}
	}
}
