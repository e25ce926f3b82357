package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// openRDAPModule is the independent RDAP client the tests query `serve`
// with: OpenRDAP's command line, fetched through the Go module proxy.
const openRDAPModule = "github.com/openrdap/rdap/cmd/rdap@v0.10.2"

// installOpenRDAP builds OpenRDAP's rdap command into a temporary
// directory and returns its path. Without a Go toolchain or the module
// proxy the test is skipped, saying why, except under CI=true, where it
// fails.
func installOpenRDAP(t *testing.T) string {
	t.Helper()
	gobin := t.TempDir()
	cmd := exec.Command("go", "install", openRDAPModule)
	cmd.Dir = gobin // outside this module: the client's own go.mod decides its dependencies
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := "cannot install the OpenRDAP client (go install " + openRDAPModule + "): " + err.Error() + "\n" + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return filepath.Join(gobin, "rdap")
}

// rdapClient runs the OpenRDAP client against server with args, and
// returns its exit code, output and errors.
func rdapClient(t *testing.T, bin, server string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-s", server, "--timeout=20"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no bootstrap cache of the user's
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("rdap %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// TestServeRDAPToARealClient crawls a small simulated world, serves it,
// and asks OpenRDAP's client, which decodes every answer it prints, about
// networks by address (nested, top-level, IPv6) and by prefix, about an
// entity, and about an address no one holds: each network is the one the
// simulator's truth has there, with its handle, range, name, parent and
// entities.
func TestServeRDAPToARealClient(t *testing.T) {
	t.Parallel()
	bin := installOpenRDAP(t)
	w, err := regsim.New(regsim.Config{Seed: 12, IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("62.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 10})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, false)
	db := filepath.Join(t.TempDir(), "rdap.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	addr, stop := startServe(t, db)
	defer stop()
	base := "http://" + addr + "/rdap"
	steps := rdapSteps(w)
	for _, s := range steps {
		want := w.Network(s.Net)
		checkClientNetwork(t, bin, base, s.Query.String(), want)
		if p := want.Range.Prefixes(); len(p) == 1 {
			checkClientNetwork(t, bin, base, p[0].String(), want)
		}
	}
	t.Logf("%d networks asked by address and, when CIDR-aligned, by prefix", len(steps))
	checkClientEntity(t, bin, base, w, w.Network(steps[0].Net).Entities[0].Handle)
	code, out, errOut := rdapClient(t, bin, base, "240.0.0.1", "--json")
	if code == 0 || !strings.Contains(errOut, "404") {
		t.Errorf("an address no one holds: exit %d\n%s%s\nwant the client's 404", code, out, errOut)
	}
}

// rdapSteps picks steps of the world's walk to ask about: the first
// nested IPv4 network, the first top-level one, the first IPv6 one, and a
// spread of others.
func rdapSteps(w *regsim.World) []regsim.Step {
	truth := w.Truth().Steps
	var out []regsim.Step
	pick := func(ok func(ipatlas.Network) bool) {
		for _, s := range truth {
			if ok(w.Network(s.Net)) && len(w.Network(s.Net).Entities) > 0 {
				out = append(out, s)
				return
			}
		}
	}
	pick(func(n ipatlas.Network) bool { return n.Range.Is4() && n.ParentHandle != "" })
	pick(func(n ipatlas.Network) bool { return n.Range.Is4() && n.ParentHandle == "" })
	pick(func(n ipatlas.Network) bool { return !n.Range.Is4() })
	for i := 7; i < len(truth); i += len(truth) / 8 {
		out = append(out, truth[i])
	}
	return out
}

// clientNetwork is what the test reads of the client's JSON output.
type clientNetwork struct {
	ObjectClassName, Handle, StartAddress, EndAddress, Name, ParentHandle, Port43 string
	Entities                                                                      []struct{ Handle string }
	Links                                                                         []struct{ Rel, Href string }
	Notices                                                                       []struct{ Description []string }
}

func checkClientNetwork(t *testing.T, bin, base, query string, want ipatlas.Network) {
	t.Helper()
	code, out, errOut := rdapClient(t, bin, base, query, "--json")
	var got clientNetwork
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("rdap %s: exit %d\n%s%s", query, code, out, errOut)
	}
	var ents, wantEnts []string
	for _, e := range got.Entities {
		ents = append(ents, e.Handle)
	}
	for _, e := range want.Entities {
		wantEnts = append(wantEnts, e.Handle)
	}
	if got.ObjectClassName != "ip network" || got.Handle != want.Handle || got.StartAddress != want.Range.From.String() ||
		got.EndAddress != want.Range.To.String() || got.Name != want.Name || got.ParentHandle != want.ParentHandle ||
		!slices.Equal(ents, wantEnts) {
		t.Errorf("rdap %s: %s\nwant %s %s (%s), parent %q, entities %v", query, out, want.Handle, want.Range, want.Name, want.ParentHandle, wantEnts)
	}
	if notice := strings.Join(got.Notices[0].Description, " "); !strings.Contains(notice, "Registry: "+want.Registry.Title()) || !strings.Contains(notice, "Snapshot: ") {
		t.Errorf("rdap %s: notice %q: want the registry and the snapshot", query, notice)
	}
	code, text, errOut := rdapClient(t, bin, base, query) // the client's own rendering of what it decoded
	if testing.Verbose() && want.ParentHandle != "" && !strings.Contains(query, "/") {
		t.Logf("rdap -s %s %s:\n%s", base, query, text)
	}
	if code != 0 || !strings.Contains(text, want.Handle) || !strings.Contains(text, want.Name) {
		t.Errorf("rdap %s (text): exit %d\n%s%s", query, code, text, errOut)
	}
}

// checkClientEntity asks for an entity: its handle, and networks of the
// latest snapshot that hold it, each one the truth says does.
func checkClientEntity(t *testing.T, bin, base string, w *regsim.World, handle string) {
	t.Helper()
	code, out, errOut := rdapClient(t, bin, base, "-t", "entity", handle, "--json")
	var got struct {
		ObjectClassName, Handle string
		Networks                []struct{ Handle string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.ObjectClassName != "entity" || got.Handle != handle || len(got.Networks) == 0 {
		t.Fatalf("rdap -t entity %s: exit %d\n%s%s", handle, code, out, errOut)
	}
	holds := map[string]bool{}
	for _, s := range w.Truth().Steps {
		n := w.Network(s.Net)
		for _, e := range n.Entities {
			if e.Handle == handle {
				holds[n.Handle] = true
			}
		}
	}
	for _, n := range got.Networks {
		if !holds[n.Handle] {
			t.Errorf("entity %s lists network %s, which does not hold it", handle, n.Handle)
		}
	}
	if code, text, _ := rdapClient(t, bin, base, "-t", "entity", handle); code != 0 || !strings.Contains(text, handle) {
		t.Errorf("rdap -t entity %s (text): exit %d\n%s", handle, code, text)
	}
}
