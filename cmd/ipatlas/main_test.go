package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// syncBuffer is a buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// runCmd runs the command line in-process and returns its exit code and
// output.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = run(context.Background(), &env{stdout: &out, stderr: &errb, stdin: strings.NewReader("")}, args)
	return code, out.String(), errb.String()
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCmd(t, "version"); code != 0 || !strings.HasPrefix(out, "ipatlas "+ipatlas.Version) {
		t.Errorf("version: %d %q", code, out)
	}
	code, out, _ := runCmd(t, "help")
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %s: %s", c.name, out)
		}
	}
	if code != 0 {
		t.Errorf("help exited %d", code)
	}
	if code, out, _ := runCmd(t, "sim", "--help"); code != 0 || !strings.Contains(out, "--limits") {
		t.Errorf("sim --help: %d %s", code, out)
	}
	if code, _, errOut := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", code, errOut)
	}
}

func TestSimRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sim", "--blocks", "13.0.0.0/8,banana"}, 2, `"banana" is not a prefix`},
		{[]string{"sim", "--blocks", "10.0.0.0/8"}, 1, "IANA gives this /8 to no registry"},
		{[]string{"sim", "--limit", "arin=fast"}, 2, `rate "fast"`},
		{[]string{"sim", "--limit", "mars=1/s"}, 2, `unknown registry "mars"`},
		{[]string{"sim", "--limits", "strict"}, 2, `--limits "strict"`},
		{[]string{"sim", "--faults", "all=reset=2"}, 2, `reset "2"`},
		{[]string{"sim", "--host", "0.0.0.0"}, 1, "loopback"},
		{[]string{"sim", "--delegated", "no/such/dir"}, 1, "no/such/dir"},
		{[]string{"sim", "--port-base", "70000"}, 2, "--port-base 70000"},
		{[]string{"sim", "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"sim", "--seed", "x"}, 2, "-seed"},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

func TestSimWritesTheTruth(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "truth.jsonl")
	code, _, errOut := runCmd(t, "sim", "--blocks", "13.64.0.0/14,2001:600::/23", "--ipv6-per-block", "20", "--seed", "3", "--truth", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv6PerBlock: 20,
		IPv4: []netipPrefix{mustPrefix("13.64.0.0/14")}, IPv6: []netipPrefix{mustPrefix("2001:600::/23")}})
	truth := w.Truth()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for ; sc.Scan(); n++ {
		var line regsim.TruthLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		step := truth.Steps[n]
		if line.Query != step.Query || line.Network.Range != w.Range(step.Net) || line.Network.Handle != w.Handle(step.Net) {
			t.Fatalf("line %d: %+v, want query %s network %s", n+1, line, step.Query, w.Range(step.Net))
		}
	}
	if n != len(truth.Steps) || n == 0 {
		t.Errorf("truth file has %d lines, want %d", n, len(truth.Steps))
	}
	if !strings.Contains(errOut, "queries for a perfect walk") {
		t.Errorf("no summary on stderr: %s", errOut)
	}
}

func TestSimServesUntilInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, &env{stdout: &out, stderr: &errb}, []string{"sim", "--blocks", "13.64.0.0/16"})
	}()
	url := waitForLine(t, &out, "arin     RDAP")
	resp, err := http.Get(url + "help")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %shelp: %v %v", url, resp, err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

// waitForLine waits for a line starting with prefix and returns its last
// field.
func waitForLine(t *testing.T, out *syncBuffer, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				f := strings.Fields(l)
				return f[len(f)-1]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no line %q in %q", prefix, out.String())
	return ""
}

func TestSimLoadsDelegatedFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "truth.jsonl")
	code, _, errOut := runCmd(t, "sim", "--delegated", "testdata/delegated", "--truth", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{`"193.0.8.0"`, `"200.57.32.0"`, `"2001:600::"`} {
		if !strings.Contains(string(data), `"query":`+want) {
			t.Errorf("truth does not walk the delegated block at %s", want)
		}
	}
}

func TestDemoMatchesTheTruthThenStatusAndExport(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := runCmd(t, "demo", "--blocks", "13.64.0.0/16,62.0.0.0/16,200.57.0.0/16,1.2.0.0/16,41.10.0.0/16,2001:600::/23",
		"--ipv6-per-block", "20", "--progress", "none", "--db", db)
	if code != 0 || !strings.Contains(out, "networks match the ground truth") || !strings.Contains(out, "per network") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "status", "--db", db)
	if code != 0 || !strings.Contains(out, "complete") || !strings.Contains(out, "ripencc") || !strings.Contains(out, "limiter wait") {
		t.Errorf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "crawl", "--db", db, "--progress", "none"); code != 0 {
		t.Errorf("crawl on a complete database: exit %d %s", code, out)
	}
	code, out, errOut = runCmd(t, "export", "--db", db, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export: exit %d %s", code, errOut)
	}
	checkExport(t, out)
}

// checkExport checks Whip's layout: begin, end, datetime on every line,
// sorted, IPv4 before IPv6.
func checkExport(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var prev netip.Addr
	seen6 := false
	for i, l := range lines {
		var rec struct{ Begin, End, Datetime, Registry, Handle string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Datetime == "" || rec.Registry == "" || rec.Handle == "" {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		a := netip.MustParseAddr(rec.Begin)
		if a.Is4() && seen6 {
			t.Fatalf("line %d: IPv4 after IPv6", i+1)
		}
		seen6 = seen6 || !a.Is4()
		if prev.IsValid() && prev.Is4() == a.Is4() && a.Less(prev) {
			t.Fatalf("line %d: %s after %s: not sorted", i+1, a, prev)
		}
		prev = a
	}
	if len(lines) < 100 || !seen6 {
		t.Errorf("export has %d lines (IPv6: %v)", len(lines), seen6)
	}
}

func TestCrawlAndExportRejectBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"crawl", "--db", filepath.Join(dir, "a.db"), "--within", "13.0.0.0/33"}, 2, `"13.0.0.0/33" is not a prefix`},
		{[]string{"crawl", "--db", filepath.Join(dir, "a.db"), "--registries", "arin,moon"}, 2, `unknown registry "moon"`},
		{[]string{"crawl", "--db", filepath.Join(dir, "a.db"), "--rate", "arin=fast"}, 2, `rate "fast"`},
		{[]string{"crawl", "--db", filepath.Join(dir, "a.db"), "--concurrency", "0"}, 2, "--concurrency 0"},
		{[]string{"crawl", "--db", filepath.Join(dir, "a.db"), "--log-format", "xml"}, 2, `--log-format "xml"`},
		{[]string{"crawl", "--db", filepath.Join(dir, "b.db"), "--delegated", "testdata/delegated/missing", "--progress", "none"}, 1, "testdata/delegated/missing"},
		{[]string{"export", "--db", filepath.Join(dir, "none.db")}, 1, "none.db"},
		{[]string{"export", "--db", filepath.Join(dir, "none.db"), "--format", "xml"}, 2, `--format "xml"`},
		{[]string{"status", "--db", filepath.Join(dir, "none.db")}, 1, "none.db"},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
