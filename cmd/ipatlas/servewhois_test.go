package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/whois"
)

// debianWhois is the path of Debian's whois client, or a skip (a failure
// under CI=true, where .ci/run installs it) without one.
func debianWhois(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("whois")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no whois client on PATH: CI must provide Debian's whois (.ci/run installs it)")
		}
		t.Skip("no whois client on PATH: install Debian's whois package to run the WHOIS server's client test")
	}
	return path
}

// startServeWhois runs `serve` with a WHOIS listener on free loopback
// ports, reloading every 20 ms, and returns the WHOIS address and a stop
// that ends it (as Ctrl-C does) and fails the test unless it exited
// cleanly.
func startServeWhois(t *testing.T, db string, extra ...string) (whoisAddr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--reload", "20ms", "--whois", "127.0.0.1:0"}, extra...)
	go func() { done <- run(ctx, &env{stdout: &out, stderr: &errb}, args) }()
	whoisAddr = waitForMatch(t, &errb, regexp.MustCompile(`msg="serving whois" addr=(\S+)`))
	return whoisAddr, func() {
		t.Helper()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d: %s", code, errb.String())
		}
	}
}

// askDebianWhois runs `whois -h HOST -p PORT QUERY…` and returns what it
// printed; the client must exit 0 whatever the answer.
func askDebianWhois(t *testing.T, client, addr string, query ...string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, client, append([]string{"-h", host, "-p", port}, query...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("whois %s: %v\n%s", strings.Join(query, " "), err, out)
	}
	return string(out)
}

// whoisServeWorld is small, with every registry, nesting and IPv6.
func whoisServeWorld(t *testing.T) *regsim.World {
	t.Helper()
	return regsim.MustNew(regsim.Config{Seed: 33, IPv6PerBlock: 6,
		IPv4: []netipPrefix{mustPrefix("13.64.0.0/15"), mustPrefix("62.0.0.0/15"), mustPrefix("1.0.0.0/15"),
			mustPrefix("200.0.0.0/15"), mustPrefix("41.0.0.0/15")},
		IPv6: []netipPrefix{mustPrefix("2001:400::/23"), mustPrefix("2001:600::/23")}})
}

// TestServeWhoisAnswersDebianWhois crawls a world, serves it with
// --whois, and asks Debian's whois client about addresses of the
// world's perfect walk, a network's prefix and a range around it: each
// answer names the network the truth has there, and our own WHOIS parser
// reads it back into that network. Space nobody holds and a bad query are
// answered in words, the client exiting 0; a snapshot loaded while it
// runs reaches the WHOIS server; Ctrl-C stops both servers cleanly.
func TestServeWhoisAnswersDebianWhois(t *testing.T) {
	t.Parallel()
	client := debianWhois(t)
	w := whoisServeWorld(t)
	srv := slowSim(t, w, 0, false)
	dir := t.TempDir()
	db := filepath.Join(dir, "crawl.db")
	if code, _, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s", code, errOut)
	}
	addr, stop := startServeWhois(t, db, "--whois-max-conns", "8")
	steps := sampleSteps(w, w.Truth().Steps)
	for _, s := range steps {
		checkWhoisAnswer(t, w, s.Net, s.Query.String(), askDebianWhois(t, client, addr, s.Query.String()))
	}
	nested := firstNested(w, steps)
	var prefix netipPrefix
	for _, p := range w.Range(nested.Net).Prefixes() {
		if p.Contains(nested.Query) {
			prefix = p
		}
	}
	checkWhoisAnswer(t, w, nested.Net, prefix.String(), askDebianWhois(t, client, addr, prefix.String()))
	parent := w.Parent(nested.Net)
	checkWhoisAnswer(t, w, parent, "range", askDebianWhois(t, client, addr, strings.Fields(justAround(w, nested.Net).String())...))
	out := askDebianWhois(t, client, addr, "-L", nested.Query.String())
	if p, n := strings.Index(out, whoisKeyLine(w.Range(parent))), strings.Index(out, whoisKeyLine(w.Range(nested.Net))); p < 0 || n < p {
		t.Errorf("-L %s: want %s, then %s inside it\n%s", nested.Query, w.Range(parent), w.Range(nested.Net), out)
	}
	if out := askDebianWhois(t, client, addr, "192.0.2.1"); !strings.Contains(out, "\n% No entries found for '192.0.2.1'.") {
		t.Errorf("192.0.2.1: want no entries\n%s", out)
	}
	if out := askDebianWhois(t, client, addr, "example.com"); !strings.Contains(out, "\n% ERROR: \"example.com\" is not an IP address") {
		t.Errorf("example.com: want an error line\n%s", out)
	}
	if out := askDebianWhois(t, client, addr, "help"); !strings.Contains(out, "QUERY @DATETIME") {
		t.Errorf("help: want the query syntax\n%s", out)
	}
	checkWhoisSeesLoads(t, client, addr, db, dir, w, steps[0])
	stop()
}

// sampleSteps picks steps of the walk: each registry's first over IPv4
// and over IPv6, and the first in a nested network.
func sampleSteps(w *regsim.World, all []regsim.Step) []regsim.Step {
	var out []regsim.Step
	seen := map[string]bool{}
	for _, s := range all {
		key := string(w.Registry(s.Net)) + map[bool]string{true: "4", false: "6"}[s.Query.Is4()]
		if w.Parent(s.Net).Valid() && !seen["nested"] {
			seen["nested"] = true
			out = append(out, s)
		} else if !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	return out
}

func firstNested(w *regsim.World, steps []regsim.Step) regsim.Step {
	for _, s := range steps {
		if w.Parent(s.Net).Valid() {
			return s
		}
	}
	panic("the world has no nested network")
}

// justAround is the network's range and one address more, inside its
// parent: the parent is the innermost network that holds it whole.
func justAround(w *regsim.World, ref regsim.NetRef) ipatlas.Range {
	rg, p := w.Range(ref), w.Range(w.Parent(ref))
	if rg.To.Less(p.To) {
		return ipatlas.Range{From: rg.From, To: rg.To.Next()}
	}
	return ipatlas.Range{From: rg.From.Prev(), To: rg.To}
}

// whoisKeyLine is the line that opens a network's object: the RIPE
// database's key, a range for IPv4, a prefix for IPv6.
func whoisKeyLine(rg ipatlas.Range) string {
	if rg.Is4() {
		return "inetnum:        " + rg.String() + "\n"
	}
	return "inet6num:       " + rg.Prefixes()[0].String() + "\n"
}

// checkWhoisAnswer checks an answer is about the network ref: its range,
// handle, name, country, type, registry and holder, as the client printed
// them and as our RPSL parser reads them.
func checkWhoisAnswer(t *testing.T, w *regsim.World, ref regsim.NetRef, query, out string) {
	t.Helper()
	want := w.Network(ref)
	source := map[ipatlas.Registry]string{ipatlas.RIPENCC: "RIPE"}[want.Registry]
	if source == "" {
		source = strings.ToUpper(string(want.Registry))
	}
	key := strings.Fields(whoisKeyLine(want.Range))[1:]
	lines := []string{whoisKeyLine(want.Range), "netname:        " + want.Name, "status:         " + want.Type,
		"source:         " + source, "% Data from " + want.Registry.Title() + ", unchanged since snapshot "}
	if want.Country != "" {
		lines = append(lines, "country:        "+want.Country)
	}
	if want.Handle != strings.Join(key, " ") {
		lines = append(lines, "nethandle:      "+want.Handle)
	}
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("%s: no %q in the answer\n%s", query, l, out)
		}
	}
	got, err := whois.Parse(ipatlas.RIPENCC, query, []byte(out), want.Range.From)
	if err != nil {
		t.Fatalf("%s: our parser: %v\n%s", query, err, out)
	}
	if got.Range != want.Range || got.Name != want.Name || got.Country != want.Country || got.Type != want.Type ||
		got.Handle != strings.Join(key, " ") {
		t.Errorf("%s: parsed %s %q %q %q %q, want %s %q %q %q", query, got.Range, got.Handle, got.Name, got.Country, got.Type,
			want.Range, want.Name, want.Country, want.Type)
	}
	if g, h := holderOf(got.Entities), holderOf(want.Entities); g.Handle != h.Handle || g.Contact.Name != h.Contact.Name {
		t.Errorf("%s: holder %q %q, want %q %q", query, g.Handle, g.Contact.Name, h.Handle, h.Contact.Name)
	}
	if g, h := abuseMailOf(got.Entities), abuseMailOf(want.Entities); g != h {
		t.Errorf("%s: abuse mailbox %q, want %q", query, g, h)
	}
}

// abuseMailOf is the first address of the abuse contact: the network's
// own, or its holder's (ARIN's).
func abuseMailOf(es []ipatlas.Entity) string {
	for _, e := range append(es, holderOf(es).Entities...) {
		if e.HasRole(ipatlas.RoleAbuse) && len(e.Contact.Email) > 0 {
			return e.Contact.Email[0]
		}
	}
	return ""
}

func holderOf(es []ipatlas.Entity) ipatlas.Entity {
	for _, e := range es {
		if e.HasRole(ipatlas.RoleRegistrant) {
			return e
		}
	}
	return ipatlas.Entity{}
}

// checkWhoisSeesLoads loads an older snapshot into the database the
// server reads: once the server has reloaded, WHOIS answers from both,
// the latest by default and the older one at a datetime.
func checkWhoisSeesLoads(t *testing.T, client, addr, db, dir string, w *regsim.World, s regsim.Step) {
	t.Helper()
	rg := w.Range(s.Net)
	older := writeSnapshot(t, dir, "2020-01-01", [3]string{rg.From.String(), rg.To.String(), "old holder"})
	if code, out, errOut := runCmd(t, "load", "--db", db, older); code != 0 {
		t.Fatalf("load: exit %d\n%s%s", code, out, errOut)
	}
	q := s.Query.String()
	deadline := time.Now().Add(20 * time.Second)
	for out := askDebianWhois(t, client, addr, q); !strings.Contains(out, ", the latest of 2."); out = askDebianWhois(t, client, addr, q) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the server never reloaded the loaded snapshot\n%s", q, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := askDebianWhois(t, client, addr, q, "@2020-06-01")
	if !strings.Contains(out, "org-name:       old holder") || !strings.Contains(out, "% Snapshot 2020-01-01, the one in force at 2020-06-01T00:00:00Z (1 of 2).") {
		t.Errorf("%s @2020-06-01: want the loaded range\n%s", q, out)
	}
}

// TestServeWhoisFlags: a bad --whois-max-conns is a usage error, and an
// address that cannot be listened on stops serve with the reason.
func TestServeWhoisFlags(t *testing.T) {
	t.Parallel()
	_, db := loadedDB(t)
	if code, _, errOut := runCmd(t, "serve", "--db", db, "--whois-max-conns", "0"); code != 2 || !strings.Contains(errOut, "--whois-max-conns 0") {
		t.Errorf("--whois-max-conns 0: exit %d: %s", code, errOut)
	}
	code, _, errOut := runCmd(t, "serve", "--db", db, "--listen", "127.0.0.1:0", "--whois", "256.0.0.1:43")
	if code != 1 || !strings.Contains(errOut, "256.0.0.1") {
		t.Errorf("--whois 256.0.0.1:43: exit %d: %s", code, errOut)
	}
}
