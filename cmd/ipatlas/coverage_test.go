package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// coverageDocJSON is what `coverage --format json` writes, as a user
// would read it.
type coverageDocJSON struct {
	Snapshot       struct{ ID, Records int }
	RegisteredFrom any `json:"registered_from"`
	IPv4, IPv6     struct {
		coverageRowJSON
		Registries   []coverageRowJSON
		LargestHoles []struct {
			Begin, End, Registry string
			Addresses            json.Number
		} `json:"largest_holes"`
	}
}

type coverageRowJSON struct {
	Registry            string
	Registered, Covered json.Number
	HoleAddresses       json.Number `json:"hole_addresses"`
	Percent             float64
	Holes               int
}

func runCoverageJSON(t *testing.T, args ...string) coverageDocJSON {
	t.Helper()
	code, out, errOut := runCmd(t, append([]string{"coverage", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("coverage %v: exit %d: %s", args, code, errOut)
	}
	var doc coverageDocJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("coverage %v: %v\n%s", args, err, out)
	}
	return doc
}

// TestCoverageOfACrawl: a complete crawl covers every registered address
// of every registry, the registered space being the world's top-level
// blocks, which the crawl planned from the simulator's delegated files.
func TestCoverageOfACrawl(t *testing.T) {
	t.Parallel()
	w := statsWorld(t)
	_, db := crawledStatsDB(t, w)
	doc := runCoverageJSON(t, "--db", db)
	truth := w.Truth()
	var rows []string
	for _, r := range doc.IPv4.Registries {
		rows = append(rows, fmt.Sprint(r.Registry, " ", r.Registered, " ", r.Covered, " ", r.Holes))
	}
	var want []string
	for _, r := range ipatlas.Registries() {
		if n := truth.ByRegistry[r].IPv4Addresses; n > 0 {
			want = append(want, fmt.Sprint(r, " ", n, " ", n, " 0"))
		}
	}
	if strings.Join(rows, "; ") != strings.Join(want, "; ") {
		t.Errorf("IPv4 coverage\n got %v\nwant %v", rows, want)
	}
	for _, r := range doc.IPv6.Registries {
		if n := truth.ByRegistry[ipatlas.Registry(r.Registry)].IPv6Addresses; r.Registered.String() != n.String() || r.Covered.String() != n.String() {
			t.Errorf("IPv6 %s: %s of %s covered, want all of %s", r.Registry, r.Covered, r.Registered, n)
		}
	}
	if doc.IPv4.Percent != 100 || doc.IPv6.Percent != 100 || doc.RegisteredFrom != "crawl run 1" || len(doc.IPv6.Registries) == 0 {
		t.Errorf("coverage %+v: want 100%% of IPv4 and IPv6 from crawl run 1", doc)
	}
}

// TestCoverageFindsHoles exports a crawl, leaves some top-level networks
// out, loads the rest, and finds exactly those as holes against the
// delegated files' plan.
func TestCoverageFindsHoles(t *testing.T) {
	t.Parallel()
	w := statsWorld(t)
	srv, db := crawledStatsDB(t, w)
	dir := t.TempDir()
	export := filepath.Join(dir, "export.jsonl")
	if code, _, errOut := runCmd(t, "export", "--db", db, "--out", export); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	dropped := droppable(w)
	loaded := filepath.Join(dir, "loaded.jsonl")
	dropLines(t, w, export, loaded, dropped)
	db2 := filepath.Join(dir, "loaded.db")
	if code, _, errOut := runCmd(t, "load", "--db", db2, loaded); code != 0 {
		t.Fatalf("load: %s", errOut)
	}
	if code, _, errOut := runCmd(t, "coverage", "--db", db2); code != 2 || !strings.Contains(errOut, "is not a crawl's: give --delegated") {
		t.Errorf("coverage of a loaded snapshot without --delegated: exit %d, %s", code, errOut)
	}
	args := []string{"--db", db2, "--limit", "1000"}
	for _, r := range ipatlas.Registries() {
		args = append(args, "--delegated", srv.DelegatedURL(r))
	}
	doc := runCoverageJSON(t, args...)
	var got []string
	for _, h := range doc.IPv4.LargestHoles {
		got = append(got, fmt.Sprint(h.Begin, "-", h.End, " ", h.Registry, " ", h.Addresses))
	}
	var want []string
	for _, d := range dropped {
		want = append(want, fmt.Sprint(d.rg.From, "-", d.rg.To, " ", d.reg, " ", d.rg.Size()))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("holes\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	missing := new(big.Int)
	for _, d := range dropped {
		missing.Add(missing, d.rg.Size())
	}
	if doc.IPv4.Holes != len(dropped) || doc.IPv4.HoleAddresses.String() != missing.String() || doc.IPv6.Holes != 0 {
		t.Errorf("IPv4: %d holes of %s addresses, IPv6 %d; want %d of %s, and none", doc.IPv4.Holes, doc.IPv4.HoleAddresses,
			doc.IPv6.Holes, len(dropped), missing)
	}
}

type droppedNet struct {
	rg  ipatlas.Range
	reg ipatlas.Registry
}

// droppable picks IPv4 top-level networks the crawl recorded alone (none
// nested inside was recorded), every third one, never two that meet: each
// is a hole of its own once left out. They come largest first, as holes
// are listed.
func droppable(w *regsim.World) []droppedNet {
	inside := map[regsim.NetRef]int{} // recorded networks per top-level block
	for _, s := range w.Truth().Steps {
		top := s.Net
		for p := w.Parent(top); p.Valid(); p = w.Parent(p) {
			top = p
		}
		inside[top]++
	}
	var out []droppedNet
	n := 0
	for _, s := range w.Truth().Steps {
		rg := w.Range(s.Net)
		if !rg.Is4() || !w.TopLevel(s.Net) || inside[s.Net] != 1 {
			continue
		}
		if n++; n%3 == 0 && (len(out) == 0 || out[len(out)-1].rg.To.Next() != rg.From) {
			out = append(out, droppedNet{rg, w.Registry(s.Net)})
		}
	}
	slices.SortStableFunc(out, func(a, b droppedNet) int {
		if c := b.rg.Size().Cmp(a.rg.Size()); c != 0 {
			return c
		}
		return a.rg.From.Compare(b.rg.From)
	})
	return out
}

// topLevelRecorded is the ranges of the networks a crawl of w records
// that no other recorded network holds.
func topLevelRecorded(w *regsim.World) map[string]bool {
	recorded := map[regsim.NetRef]bool{}
	for _, s := range w.Truth().Steps {
		recorded[s.Net] = true
	}
	out := map[string]bool{}
	for _, s := range w.Truth().Steps {
		top := true
		for p := w.Parent(s.Net); p.Valid(); p = w.Parent(p) {
			top = top && !recorded[p]
		}
		if top {
			out[w.Range(s.Net).From.String()+" "+w.Range(s.Net).To.String()] = true
		}
	}
	return out
}

// dropLines copies the top-level ranges of an export (the level coverage
// measures) without the dropped ones.
func dropLines(t *testing.T, w *regsim.World, from, to string, dropped []droppedNet) {
	t.Helper()
	keep := topLevelRecorded(w)
	for _, d := range dropped {
		delete(keep, d.rg.From.String()+" "+d.rg.To.String())
	}
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out strings.Builder
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	kept := 0
	for sc.Scan() {
		var line struct{ Begin, End string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if keep[line.Begin+" "+line.End] {
			out.WriteString(sc.Text() + "\n")
			kept++
		}
	}
	if len(dropped) == 0 || kept == 0 {
		t.Fatalf("%d dropped, %d kept: the world is too small for this test", len(dropped), kept)
	}
	if err := os.WriteFile(to, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAnalyticsRejectBadInput: bad flags, snapshots and files are named,
// exit 2 for usage and 1 for the rest.
func TestAnalyticsRejectBadInput(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "delegated-bad")
	os.WriteFile(bad, []byte("2|ripencc|20240101|1|19830705|20240101|+0100\nripencc|*|ipv4|*|1|summary\nripencc|NL|ipv4|193.0.0.0|lots|19930901|allocated\n"), 0o644)
	html := filepath.Join(dir, "delegated-apnic-latest")
	os.WriteFile(html, []byte("<html><body>302 Found</body></html>\n"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"stats", "--db", db, "--format", "xml"}, 2, `--format "xml"`},
		{[]string{"coverage", "--db", db, "--format", "yaml"}, 2, `--format "yaml"`},
		{[]string{"stats", "--db", db, "--at", "99"}, 2, `--at "99"`},
		{[]string{"stats", "--db", db, "--at", "2023-12-31"}, 2, "no snapshot at or before it (the first is 2024-01-01)"},
		{[]string{"stats", "--db", db, "--top", "0"}, 2, "--top 0"},
		{[]string{"stats", "--db", "postgres://u@127.0.0.1/x"}, 2, "stats reads an embedded database"},
		{[]string{"coverage", "--db", "postgres://u@127.0.0.1/x"}, 2, "coverage reads an embedded database"},
		{[]string{"stats", "--db", filepath.Join(dir, "none.db")}, 1, "none.db"},
		{[]string{"stats", "--delegated", bad}, 1, "delegated-bad:3: field value"},
		{[]string{"stats", "--delegated", html}, 1, "delegated-apnic-latest"},
		{[]string{"stats", "--delegated", filepath.Join(dir, "missing")}, 1, "missing"},
		{[]string{"stats", "--db", db, "--delegated", bad}, 2, "--db and --at do not apply"},
		{[]string{"stats", "--db", db, "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"coverage", "--db", db, "--within", "1.0.0.0/8"}, 2, "--within plans from --delegated"},
		{[]string{"coverage", "--db", db, "--delegated", bad}, 1, "delegated-bad:3"},
		{[]string{"coverage", "--db", db, "--limit", "-1"}, 2, "--limit -1"},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// TestStatsAt: --at picks a snapshot by id, by datetime, or the latest
// at or before a datetime.
func TestStatsAt(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t) // 2024-01-01: two IPv4 /24s; 2024-01-08: one, and ::1-::2
	for at, want := range map[string]int{"": 2, "1": 1, "2024-01-08": 2, "2024-01-05T12:00:00Z": 1, "2030-01-01": 2} {
		doc := runStatsJSON(t, "--db", db, "--at", at)
		if doc.Source.Snapshot == nil || doc.Source.Snapshot.ID != want {
			t.Errorf("--at %q: %+v, want snapshot %d", at, doc.Source, want)
		}
	}
	doc := runStatsJSON(t, "--db", db, "--at", "1")
	if doc.IPv4.Networks != 2 || doc.IPv4.Addresses.String() != "512" || doc.IPv6.Networks != 0 {
		t.Errorf("snapshot 1: %d networks of %s addresses, %d IPv6; want 2 /24s", doc.IPv4.Networks, doc.IPv4.Addresses, doc.IPv6.Networks)
	}
}
