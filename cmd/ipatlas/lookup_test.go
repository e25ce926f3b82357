package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// loadedDB is a database holding two weekly snapshots: 1.0.0.0/24 changes
// owner, 1.0.1.0/24 is removed, ::1-::2 appears.
func loadedDB(t *testing.T) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "atlas.db")
	w1 := writeSnapshot(t, dir, "2024-01-01", [3]string{"1.0.0.0", "1.0.0.255", "A"}, [3]string{"1.0.1.0", "1.0.1.255", "B"})
	w2 := writeSnapshot(t, dir, "2024-01-08", [3]string{"1.0.0.0", "1.0.0.255", "A2"}, [3]string{"::1", "::2", "C"})
	if code, out, errOut := runCmd(t, "load", "--db", db, w1, w2); code != 0 || !strings.Contains(out, "index "+db+".index") {
		t.Fatalf("load: exit %d: %s%s", code, out, errOut)
	}
	return dir, db
}

func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin)}, args)
	return code, out.String(), errb.String()
}

func TestLookup(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	a2 := `{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-08","org":"A2"}`
	a1 := `{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01","org":"A"}`
	b := `{"begin":"1.0.1.0","end":"1.0.1.255","datetime":"2024-01-01","org":"B"}`
	cases := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"1.0.0.9", "1.0.1.1", "::1"}, "", "1.0.0.9\t" + a2 + "\n1.0.1.1\tnot found\n::1\t" + `{"begin":"::1","end":"::2","datetime":"2024-01-08","org":"C"}` + "\n"},
		{[]string{"--at", "2024-01-05", "1.0.0.9", "1.0.1.1"}, "", "1.0.0.9\t" + a1 + "\n1.0.1.1\t" + b + "\n"},
		{[]string{"--history", "1.0.0.9"}, "", "1.0.0.9\t2024-01-08 .. now\t" + a2 + "\n1.0.0.9\t2024-01-01 .. 2024-01-08\t" + a1 + "\n"},
		{[]string{"--json", "1.0.1.1"}, "", "{}\n"},
		{[]string{"--json", "--history", "1.0.1.1"}, "", `{"history":[` + b + "]}\n"},
		{[]string{"--json"}, "1.0.0.1\n\n  1.0.1.200  \n", a2 + "\n{}\n"},
	}
	for _, c := range cases {
		code, out, errOut := runWithStdin(t, c.stdin, append([]string{"lookup", "--db", db}, c.args...)...)
		if code != 0 || out != c.want {
			t.Errorf("lookup %v: exit %d\n%s%s\nwant\n%s", c.args, code, out, errOut, c.want)
		}
	}
}

func TestLookupRejectsBadInput(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	cases := []struct {
		args    []string
		stdin   string
		code    int
		stderr  string
		partial string
	}{
		{[]string{"1.0.0.1", "1.0.0.300"}, "", 2, `"1.0.0.300" is not an IP address`, ""},
		{[]string{"fe80::1%eth0"}, "", 2, `"fe80::1%eth0" is not an IP address`, ""},
		{[]string{"--at", "last week", "1.0.0.1"}, "", 2, `--at: "last week" is not an ISO 8601`, ""},
		{[]string{"--at", "2024-01-01", "--history", "1.0.0.1"}, "", 2, "choose one", ""},
		{nil, "1.0.0.1\nbad\n1.0.0.2\n", 1, `stdin:2: "bad" is not an IP address`, "1.0.0.1\t"},
	}
	for _, c := range cases {
		code, out, errOut := runWithStdin(t, c.stdin, append([]string{"lookup", "--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.stderr) || !strings.HasPrefix(out, c.partial) || (c.partial == "" && out != "") {
			t.Errorf("lookup %v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
	}
	if code, _, errOut := runCmd(t, "lookup", "--db", filepath.Join(t.TempDir(), "none.db"), "1.2.3.4"); code != 1 || !strings.Contains(errOut, "none.db") {
		t.Errorf("missing database: exit %d, %s", code, errOut)
	}
}

// TestIndexIsRebuiltWhenStaleOrDamaged: a deleted index is rebuilt by
// lookup; a damaged one is refused by Open and by --verify, and
// `ipatlas index` repairs it.
func TestIndexIsRebuiltWhenStaleOrDamaged(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	if code, out, _ := runCmd(t, "index", "--db", db, "--verify"); code != 0 || !strings.Contains(out, "ok, 2 snapshots") {
		t.Fatalf("verify: %d %s", code, out)
	}
	// load built it from the history it had in hand: lookup finds it current.
	before, _ := os.Stat(indexPath(db))
	if code, _, errOut := runCmd(t, "lookup", "--db", db, "1.0.0.1"); code != 0 {
		t.Fatalf("lookup: %s", errOut)
	}
	if after, err := os.Stat(indexPath(db)); err != nil || !os.SameFile(before, after) {
		t.Fatalf("lookup rebuilt the index load had just built (%v)", err)
	}
	os.Remove(indexPath(db))
	if code, out, _ := runCmd(t, "lookup", "--db", db, "1.0.0.1"); code != 0 || !strings.Contains(out, "A2") {
		t.Fatalf("lookup without an index: %d %s", code, out)
	}
	data, err := os.ReadFile(indexPath(db))
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-3] ^= 0xff
	os.WriteFile(indexPath(db), data, 0o644)
	if code, _, errOut := runCmd(t, "index", "--db", db, "--verify"); code != 1 || !strings.Contains(errOut, "checksum") {
		t.Fatalf("verify of a damaged index: %d %s", code, errOut)
	}
	if code, out, _ := runCmd(t, "index", "--db", db); code != 0 || !strings.Contains(out, "2 snapshots, 4 versions") {
		t.Fatalf("rebuild: %d %s", code, out)
	}
	if code, _, errOut := runCmd(t, "index", "--db", db, "--verify"); code != 0 {
		t.Fatalf("verify after rebuild: %s", errOut)
	}
}

// TestServeSwapsInNewSnapshots serves a database, loads a snapshot into it
// meanwhile, and sees the answers change without a restart.
func TestServeSwapsInNewSnapshots(t *testing.T) {
	t.Parallel()
	dir, db := loadedDB(t)
	addr, stop := startServe(t, db)
	getBody := func() string {
		resp, err := http.Get("http://" + addr + "/ip/1.0.0.7")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if b := getBody(); !strings.Contains(b, `"org":"A2"`) {
		t.Fatalf("before: %s", b)
	}
	w3 := writeSnapshot(t, dir, "2024-01-15", [3]string{"1.0.0.0", "1.0.0.255", "A3"})
	if code, _, errOut := runCmd(t, "load", "--db", db, w3); code != 0 {
		t.Fatalf("load: %s", errOut)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(getBody(), `"org":"A3"`) {
		if time.Now().After(deadline) {
			t.Fatal("the new snapshot was never served")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
}

func waitForMatch(t *testing.T, out *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s in %q", re, out.String())
	return ""
}

func TestDiff(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	code, out, errOut := runCmd(t, "diff", "--db", db, "1", "2024-01-08", "--format", "jsonl")
	want := `{"change":"changed","begin":"1.0.0.0","end":"1.0.0.255","before":{"org":"A"},"after":{"org":"A2"},"fields":["org"]}
{"change":"removed","begin":"1.0.1.0","end":"1.0.1.255","before":{"org":"B"}}
{"change":"added","begin":"::1","end":"::2","after":{"org":"C"}}
`
	if code != 0 || out != want {
		t.Fatalf("diff: exit %d\n%s%s\nwant\n%s", code, out, errOut, want)
	}
	if code, out, _ := runCmd(t, "diff", "--db", db, "2", "1"); code != 0 || !strings.Contains(out, "added    1.0.1.0 - 1.0.1.255") || !strings.Contains(out, "3 change(s)") {
		t.Fatalf("diff backwards, table: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"1"}, {"1", "7"}, {"1", "2", "--format", "xml"}} {
		if code, _, errOut := runCmd(t, append([]string{"diff", "--db", db}, args...)...); code != 2 || errOut == "" {
			t.Errorf("diff %v: exit %d %s", args, code, errOut)
		}
	}
}
