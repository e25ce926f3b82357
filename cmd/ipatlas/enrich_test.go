package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// asnFields are the origin fields of a record, as lookups and exports
// show them.
type asnFields struct {
	Begin, End  string
	Registry    string `json:"asn_registry"`
	ASN         string `json:"asn"`
	CIDR        string `json:"asn_cidr"`
	CountryCode string `json:"asn_country_code"`
	Date        string `json:"asn_date"`
	Description string `json:"asn_description"`
}

// truthFields are the fields a network's origin should give, as ipwhois
// reports Team Cymru's answer.
func truthFields(w *regsim.World, ref regsim.NetRef) asnFields {
	rt := w.Origin(ref)
	f := asnFields{Registry: string(rt.Registry), ASN: "NA", CIDR: "NA", CountryCode: rt.Country, Description: "NA"}
	if rt.Routed() {
		f.ASN, f.CIDR, f.Description = fmt.Sprint(rt.AS), rt.Prefix.String(), rt.ASName
	}
	if !rt.Allocated.IsZero() {
		f.Date = rt.Allocated.Format(time.DateOnly)
	}
	return f
}

func (f asnFields) origin() asnFields {
	return asnFields{Registry: f.Registry, ASN: f.ASN, CIDR: f.CIDR, CountryCode: f.CountryCode, Date: f.Date, Description: f.Description}
}

// enrichWorld is a small world of every kind of network: ARIN, RIPE NCC
// (non-CIDR, deeply nested) and AFRINIC IPv4, and IPv6.
func enrichWorld(tb testing.TB) *regsim.World {
	tb.Helper()
	w, err := regsim.New(regsim.Config{Seed: 11, IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("62.0.0.0/14"), mustPrefix("41.0.0.0/15")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23"), mustPrefix("2001:4200::/23")}, IPv6PerBlock: 10})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func enrichArgs(srv *regsim.Server, db string, extra ...string) []string {
	return append([]string{"enrich", "asn", "--db", db, "--cymru", srv.CymruAddr(), "--batch", "50", "--interval", "1ms"}, extra...)
}

// lookupFields looks up each step's query address and returns the origin
// fields of the records answered.
func lookupFields(t *testing.T, db string, steps []regsim.Step) []asnFields {
	t.Helper()
	lines := lookupLines(t, db, steps)
	got := make([]asnFields, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &got[i]); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	return got
}

// TestEnrichASNMatchesTheWorld crawls a world, enriches the snapshot from
// the simulator's Cymru service (which cuts the second session halfway),
// and finds every network's origin fields in lookups and the export as
// the world routes it, asked in bulk sessions. The next crawl keeps the
// fields and changes nothing; enriching it again changes nothing either.
func TestEnrichASNMatchesTheWorld(t *testing.T) {
	t.Parallel()
	w := enrichWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{Cymru: regsim.CymruConfig{CutSessions: []int{2}}})
	db := filepath.Join(t.TempDir(), "atlas.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, enrichArgs(srv, db)...)
	if code != 0 || !strings.Contains(out, "snapshot 1 ") || !strings.Contains(out, "1 retries") {
		t.Fatalf("enrich: exit %d\n%s%s", code, out, errOut)
	}
	steps := w.Truth().Steps
	checkOrigins(t, w, steps, lookupFields(t, db, steps))
	checkEnrichedExport(t, w, db, steps)
	st := srv.CymruStats()
	bound := int64((len(steps) + 49) / 50)
	if st.Cut != 1 || st.Sessions > bound+st.Cut || st.MaxPerSession > 50 {
		t.Errorf("Cymru stats %+v: want at most %d sessions of 50 for %d networks, plus 1 retry", st, bound, len(steps))
	}
	t.Logf("%d networks, %d Cymru sessions (%d cut), %s", len(steps), st.Sessions, st.Cut, strings.TrimSpace(out))

	code, out, errOut = runCmd(t, crawlArgs(srv, db, "--new-run")...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("kept the origin AS of %d networks from snapshot 1", len(steps))) {
		t.Fatalf("second crawl: exit %d\n%s%s", code, out, errOut)
	}
	if snaps := listSnapshots(t, db); len(snaps) != 2 || snaps[1].Added+snaps[1].Removed+snaps[1].Changed != 0 {
		t.Errorf("snapshots %+v: want the second crawl unchanged against the enriched first", snaps)
	}
	checkOrigins(t, w, steps, lookupFields(t, db, steps))
	if code, out, errOut := runCmd(t, enrichArgs(srv, db)...); code != 0 || !strings.Contains(out, "1 snapshot(s) already stored, unchanged") {
		t.Errorf("enrich of the unchanged second crawl: exit %d\n%s%s", code, out, errOut)
	}
}

func checkOrigins(t *testing.T, w *regsim.World, steps []regsim.Step, got []asnFields) {
	t.Helper()
	routed := 0
	for i, s := range steps {
		want := truthFields(w, s.Net)
		if got[i].origin() != want {
			t.Fatalf("%s (%s): origin %+v, want %+v", s.Query, w.Range(s.Net), got[i].origin(), want)
		}
		if want.ASN != "NA" {
			routed++
		}
	}
	if routed == 0 || routed == len(steps) {
		t.Errorf("%d of %d networks routed: want some of each", routed, len(steps))
	}
}

// checkEnrichedExport reads the export: one line per network, with its
// origin.
func checkEnrichedExport(t *testing.T, w *regsim.World, db string, steps []regsim.Step) {
	t.Helper()
	code, out, errOut := runCmd(t, "export", "--db", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(steps) {
		t.Fatalf("export: exit %d, %d lines for %d networks\n%s", code, len(lines), len(steps), errOut)
	}
	want := map[string]asnFields{}
	for _, s := range steps {
		want[w.Range(s.Net).From.String()+" "+w.Range(s.Net).To.String()] = truthFields(w, s.Net)
	}
	for _, l := range lines {
		var f asnFields
		if err := json.Unmarshal([]byte(l), &f); err != nil || f.origin() != want[f.Begin+" "+f.End] {
			t.Fatalf("export line %s: %v; want %+v", l, err, want[f.Begin+" "+f.End])
		}
	}
}

// TestServeShowsTheEnrichment: a server running while a snapshot is
// enriched answers with the origin fields, without a restart, although
// the snapshot's counts did not change.
func TestServeShowsTheEnrichment(t *testing.T) {
	t.Parallel()
	w := enrichWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	db := filepath.Join(t.TempDir(), "atlas.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	addr, stop := startServe(t, db)
	step := w.Truth().Steps[3]
	get := func() asnFields {
		resp, err := http.Get("http://" + addr + "/ip/" + step.Query.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var f asnFields
		if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := get(); f.ASN != "" {
		t.Fatalf("before enrichment: %+v", f)
	}
	if code, out, errOut := runCmd(t, enrichArgs(srv, db)...); code != 0 {
		t.Fatalf("enrich: exit %d\n%s%s", code, out, errOut)
	}
	want := truthFields(w, step.Net)
	for deadline := time.Now().Add(20 * time.Second); get().origin() != want; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the enriched snapshot was never served: %+v, want %+v", get(), want)
		}
	}
	stop()
}

// garbleServer answers every session with a line that is no answer.
func garbleServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				sc := bufio.NewScanner(conn)
				for sc.Scan() && sc.Text() != "end" {
				}
				io.WriteString(conn, "Bulk mode; whois.cymru.com [2024-10-15 05:46:42 +0000]\n15169 | who knows\n")
			}()
		}
	}()
	return ln.Addr().String()
}

// TestEnrichASNRefusesBadInput: bad flags and databases are refused with
// a clear error and a non-zero exit, and a failed lookup stores nothing.
func TestEnrichASNRefusesBadInput(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	missing := filepath.Join(t.TempDir(), "missing.db")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"enrich"}, 2, "which enrichment"},
		{[]string{"enrich", "geo"}, 2, `unknown enrichment "geo"`},
		{[]string{"enrich", "asn", "--db", "postgres://u@h/db"}, 2, "reads an embedded database"},
		{[]string{"enrich", "asn", "--db", db, "--batch", "0"}, 2, "--batch 0"},
		{[]string{"enrich", "asn", "--db", db, "--batch", "10001"}, 2, "--batch 10001"},
		{[]string{"enrich", "asn", "--db", db, "--cymru", "whois.cymru.com"}, 2, `--cymru "whois.cymru.com"`},
		{[]string{"enrich", "asn", "--db", db, "--at", "1999-01-01", "--cymru", "127.0.0.1:1"}, 2, `no snapshot "1999-01-01"`},
		{[]string{"enrich", "asn", "--db", missing, "--cymru", "127.0.0.1:1"}, 1, "no database to enrich"},
		{[]string{"enrich", "asn", "--db", db, "--cymru", garbleServer(t), "--interval", "1ms"}, 1, `line 2 "15169 | who knows"`},
	}
	before := listSnapshots(t, db)
	for _, c := range cases {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("a missing database was created")
	}
	if after := listSnapshots(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("snapshots %+v after the failures, want %+v", after, before)
	}
	if code, out, _ := runCmd(t, "lookup", "--db", db, "1.0.0.1"); code != 0 || strings.Contains(out, "asn") {
		t.Errorf("lookup after the failures: %s", out)
	}
	if code, out, _ := runCmd(t, "enrich", "asn", "--help"); code != 0 || !strings.Contains(out, "next crawl") {
		t.Errorf("enrich asn --help: exit %d\n%s", code, out)
	}
}

// TestEnrichASNOfALoadedSnapshot enriches an older snapshot by datetime:
// a loaded file's ranges get their origin, and the snapshot after it is
// rewritten against it.
func TestEnrichASNOfALoadedSnapshot(t *testing.T) {
	t.Parallel()
	w := enrichWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	_, db := loadedDB(t)
	a := netip.MustParseAddr("1.0.0.7")
	code, out, errOut := runCmd(t, enrichArgs(srv, db, "--at", "2024-01-01")...)
	if code != 0 || !strings.Contains(out, "snapshot 1 ") || !strings.Contains(out, "origin AS of 2 networks: 0 routed, 2 not") {
		t.Fatalf("enrich --at: exit %d\n%s%s", code, out, errOut)
	}
	rt := w.RouteOf(a)
	want := fmt.Sprintf(`"org":"A","asn_registry":"%s","asn":"NA","asn_cidr":"NA","asn_country_code":"","asn_date":"","asn_description":"NA"}`, rt.Registry)
	if code, out, _ := runCmd(t, "lookup", "--db", db, "--at", "2024-01-02", a.String()); code != 0 || !strings.Contains(out, want) {
		t.Errorf("lookup at the enriched snapshot: %s\nwant %s", out, want)
	}
	if snaps := listSnapshots(t, db); len(snaps) != 2 || snaps[1].Changed != 1 || snaps[1].Removed != 1 {
		t.Errorf("snapshots %+v: want the second rewritten against the enriched first", snaps)
	}
}

// TestSimPrintsTheCymruAddress: 'ipatlas sim' says where the Cymru
// service listens.
func TestSimPrintsTheCymruAddress(t *testing.T) {
	t.Parallel()
	srv := simtest.Serve(t, enrichWorld(t), regsim.ServerConfig{})
	var out strings.Builder
	printListeners(&out, srv)
	if !strings.Contains(out.String(), "cymru    origin AS  "+srv.CymruAddr()+" ") {
		t.Errorf("sim prints\n%s\nwant the Cymru address %s", out.String(), srv.CymruAddr())
	}
}
