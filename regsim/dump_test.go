package regsim_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

func gunzipBody(tb testing.TB, body []byte) string {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return string(text)
}

func dumpWorld(tb testing.TB) *regsim.World {
	return regsim.MustNew(regsim.Config{Seed: 2, IPv4: mustPrefixes(tb, "62.0.0.0/15", "1.0.0.0/15", "41.0.0.0/15"),
		IPv6: mustPrefixes(tb, "2001:600::/23", "2001:200::/23", "2001:4200::/23"), IPv6PerBlock: 4})
}

// TestDumpsAreServedDatedByTheEpoch: the data server serves each split
// dump gzipped, Last-Modified the world's epoch, opening with the
// registry's header; ARIN and LACNIC publish none.
func TestDumpsAreServedDatedByTheEpoch(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	for _, r := range []ipatlas.Registry{ipatlas.ARIN, ipatlas.LACNIC} {
		if urls := srv.DumpURLs(r); urls != nil {
			t.Errorf("%s dump URLs %v, want none", r, urls)
		}
	}
	urls := srv.DumpURLs(ipatlas.RIPENCC)
	if len(urls) != 4 || !strings.HasSuffix(urls[0], "/dumps/ripencc/ripe.db.inetnum.gz") {
		t.Fatalf("RIPE NCC dump URLs %v", urls)
	}
	for _, u := range urls {
		resp, body := get(t, http.DefaultClient, u)
		lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/gzip" || err != nil || !lm.Equal(w.Config().Epoch) {
			t.Errorf("GET %s: %s %q, Last-Modified %v %v", u, resp.Status, resp.Header.Get("Content-Type"), lm, err)
		}
		if text := gunzipBody(t, body); !strings.HasPrefix(text, "#\n# The contents of this file are subject to \n# RIPE Database Terms and Conditions") {
			t.Errorf("%s opens with %q", u, text[:min(80, len(text))])
		}
	}
	if resp, _ := get(t, http.DefaultClient, srv.DataURL()+"dumps/arin/arin.db.inetnum.gz"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an ARIN dump: %s, want 404", resp.Status)
	}
}

// TestDumpsDummifyPersonalData: RIPE NCC's contacts are DUMY-RIPE and
// every object carries the modified-object remarks; no dump publishes a
// real e-mail, phone or address, only abuse mailboxes.
func TestDumpsDummifyPersonalData(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	for _, reg := range regsim.DumpRegistries() {
		for _, name := range regsim.DumpFiles(reg) {
			body, err := w.Dump(reg, name)
			if err != nil {
				t.Fatal(err)
			}
			checkDummified(t, reg, name, gunzipBody(t, body))
		}
	}
}

func checkDummified(t *testing.T, reg ipatlas.Registry, name, text string) {
	t.Helper()
	objects := strings.Count(text, "\nsource:")
	if objects == 0 {
		t.Errorf("%s: no objects", name)
	}
	for _, line := range strings.Split(text, "\n") {
		attr, value, _ := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch {
		case attr == "e-mail" && !strings.HasPrefix(value, "unread@"),
			attr == "phone" && value != "+31205354444",
			attr == "address" && !strings.HasPrefix(value, "Dummy address for "),
			reg == ipatlas.RIPENCC && (attr == "admin-c" || attr == "tech-c") && value != "DUMY-RIPE":
			t.Fatalf("%s: %q is not dummified", name, line)
		}
	}
	if reg == ipatlas.RIPENCC && strings.Count(text, "* THIS OBJECT IS MODIFIED") != objects {
		t.Errorf("%s: %d objects, %d modified-object notices", name, objects, strings.Count(text, "* THIS OBJECT IS MODIFIED"))
	}
	if reg == ipatlas.RIPENCC && strings.HasSuffix(name, ".role.gz") && strings.Count(text, "abuse-mailbox:") != objects {
		t.Errorf("%s: RIPE NCC publishes only roles with an abuse-mailbox", name)
	}
}

// TestWriteDumpsDatesTheFiles: every registry's files, modified at the
// epoch, the RIPE NCC inetnum file holding exactly its IPv4 networks.
func TestWriteDumpsDatesTheFiles(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	paths, err := w.WriteDumps(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 13 {
		t.Fatalf("%d files, want 4 + 5 + 4", len(paths))
	}
	v4 := 0
	for ref := range w.Dumped(ipatlas.RIPENCC) {
		if w.Range(ref).Is4() {
			v4++
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.ModTime().Equal(w.Config().Epoch) {
			t.Errorf("%s: %v, modified %v", p, err, st.ModTime())
		}
		if filepath.Base(p) == "ripe.db.inetnum.gz" {
			body, _ := os.ReadFile(p)
			if n := strings.Count(gunzipBody(t, body), "\ninetnum:"); n != v4 {
				t.Errorf("ripe.db.inetnum.gz: %d inetnums, want %d", n, v4)
			}
		}
	}
	if _, err := w.Dump(ipatlas.ARIN, "arin.db.inetnum.gz"); err == nil {
		t.Error("ARIN dumped a file")
	}
}

// TestCheckViewFindsWhatDiffers: the dump view checks against itself, and
// names a network whose field differs.
func TestCheckViewFindsWhatDiffers(t *testing.T) {
	t.Parallel()
	w := dumpWorld(t)
	var got []ipatlas.Network
	for ref := range w.Dumped() {
		got = append(got, w.DumpNetwork(ref))
	}
	if rep := w.CheckView(got, w.DumpView()); !rep.OK() || rep.Expected != len(got) {
		t.Fatal(rep)
	}
	got[0].Name = "CHANGED"
	rep := w.CheckView(got[1:], w.DumpView())
	if len(rep.Missing) != 1 {
		t.Errorf("one network left out: %s", rep)
	}
	if rep := w.CheckView(got, w.DumpView()); len(rep.Mismatched) != 1 || !strings.Contains(rep.Mismatched[0], "Name") {
		t.Errorf("one name changed: %s", rep)
	}
}
