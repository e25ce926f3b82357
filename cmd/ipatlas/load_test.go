package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSnapshot writes a Whip file of the given lines (begin, end, org) at
// datetime into dir.
func writeSnapshot(t *testing.T, dir, datetime string, ranges ...[3]string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range ranges {
		fmt.Fprintf(&b, `{"begin":%q,"end":%q,"datetime":%q,"org":%q}`+"\n", r[0], r[1], datetime, r[2])
	}
	path := filepath.Join(dir, "snap-"+datetime+".jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type snapshotLine struct {
	Datetime                         string
	Records, Added, Removed, Changed int
}

func listSnapshots(t *testing.T, db string) []snapshotLine {
	t.Helper()
	code, out, errOut := runCmd(t, "snapshots", "--db", db, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("snapshots: exit %d: %s", code, errOut)
	}
	var got []snapshotLine
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s snapshotLine
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("snapshots line %q: %v", line, err)
		}
		got = append(got, s)
	}
	return got
}

// TestLoadBuildsHistoryInAnyOrder: three weekly files loaded newest first,
// then the middle one later, give the history of loading them in order;
// loading a file again changes nothing.
func TestLoadBuildsHistoryInAnyOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "atlas.db")
	w1 := writeSnapshot(t, dir, "2024-01-01", [3]string{"1.0.0.0", "1.0.0.255", "A"}, [3]string{"1.0.1.0", "1.0.1.255", "B"})
	w2 := writeSnapshot(t, dir, "2024-01-08", [3]string{"1.0.0.0", "1.0.0.255", "A2"}, [3]string{"1.0.1.0", "1.0.1.255", "B"}, [3]string{"::1", "::2", "C"})
	w3 := writeSnapshot(t, dir, "2024-01-15", [3]string{"1.0.1.0", "1.0.1.255", "B"}, [3]string{"::1", "::2", "C"})
	for _, files := range [][]string{{w3, w1}, {w2}, {w1, w2, w3}} {
		if code, _, errOut := runCmd(t, append([]string{"load", "--db", db}, files...)...); code != 0 {
			t.Fatalf("load %v: exit %d: %s", files, code, errOut)
		}
	}
	want := []snapshotLine{
		{"2024-01-01", 2, 2, 0, 0},
		{"2024-01-08", 3, 1, 0, 1},
		{"2024-01-15", 2, 0, 1, 0},
	}
	if got := listSnapshots(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("snapshots = %v, want %v", got, want)
	}
}

// TestLoadOfABadFileStoresNothing: one bad line in the second file stops
// the load with file, line and field, and the first file is not stored
// either; what was stored before is untouched.
func TestLoadOfABadFileStoresNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "atlas.db")
	good := writeSnapshot(t, dir, "2024-01-01", [3]string{"1.0.0.0", "1.0.0.255", "A"})
	if code, _, errOut := runCmd(t, "load", "--db", db, good); code != 0 {
		t.Fatalf("load: exit %d: %s", code, errOut)
	}
	next := writeSnapshot(t, dir, "2024-01-08", [3]string{"1.0.0.0", "1.0.0.255", "B"})
	bad := writeSnapshot(t, dir, "2024-01-15", [3]string{"1.0.0.0", "1.0.0.255", "A"}, [3]string{"1.0.0.128", "1.0.1.0", "X"})
	code, _, errOut := runCmd(t, "load", "--db", db, next, bad)
	if code != 1 || !strings.Contains(errOut, bad+":2: end: 1.0.0.128 - 1.0.1.0 overlaps 1.0.0.0 - 1.0.0.255 (line 1) without lying inside it") {
		t.Fatalf("load of a bad file: exit %d, %q", code, errOut)
	}
	if got := listSnapshots(t, db); len(got) != 1 || got[0].Datetime != "2024-01-01" {
		t.Errorf("after a failed load: %v, want the one snapshot loaded before", got)
	}
	other := writeSnapshot(t, t.TempDir(), "2024-01-01", [3]string{"1.0.0.0", "1.0.0.255", "Z"})
	if code, _, errOut := runCmd(t, "load", "--db", db, other); code != 1 || !strings.Contains(errOut, "a different snapshot exists at that datetime") {
		t.Errorf("different data at a stored datetime: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "load", "--db", db); code != 2 || !strings.Contains(errOut, "no files to load") {
		t.Errorf("load without files: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "load", "--db", db, filepath.Join(dir, "missing.jsonl")); code != 1 || !strings.Contains(errOut, "missing.jsonl") {
		t.Errorf("load of a missing file: exit %d, %q", code, errOut)
	}
}
