package dump_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// networks decodes loaded records back into networks, as a snapshot's
// reader would.
func networks(tb testing.TB, recs []ipatlas.Record) []ipatlas.Network {
	tb.Helper()
	out := make([]ipatlas.Network, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Payload, &out[i]); err != nil {
			tb.Fatalf("record %s: %v", r.Range, err)
		}
		out[i].Range = r.Range
	}
	return out
}

// TestLoadFilesGivesTheDumpView: a world with every nesting the three
// registries have, their dump files from disk, loads as exactly its dump
// view.
func TestLoadFilesGivesTheDumpView(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 4, IPv4: mustPrefixes("62.0.0.0/11", "1.0.0.0/12", "41.0.0.0/12"),
		IPv6: mustPrefixes("2001:600::/23", "2001:200::/23", "2001:4200::/23"), IPv6PerBlock: 16})
	paths, err := w.WriteDumps(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := dump.Load(context.Background(), paths, dump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := w.CheckView(networks(t, res.Records), w.DumpView())
	if !rep.OK() {
		t.Fatal(rep)
	}
	if res.Malformed+res.Duplicates != 0 || len(res.Covered) != 6 {
		t.Errorf("%d malformed, %d duplicates, covered %v: want none, none, and both IP versions of three registries",
			res.Malformed, res.Duplicates, res.Covered)
	}
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := []netip.Prefix{}
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

// gunzip reads a gzipped dump file's text.
func gunzip(tb testing.TB, body []byte) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return text
}

// TestLoadWholeDatabaseFile: one uncompressed file of every class, its
// networks before its holders, is read for both, and its malformed
// objects are reported once.
func TestLoadWholeDatabaseFile(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 5, IPv4: mustPrefixes("62.0.0.0/14"), IPv6: mustPrefixes("2001:600::/23"), IPv6PerBlock: 8})
	var all []byte
	for _, name := range regsim.DumpFiles(ipatlas.RIPENCC) {
		body, err := w.Dump(ipatlas.RIPENCC, name)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, gunzip(t, body)...)
	}
	path := filepath.Join(t.TempDir(), "ripe.db")
	if err := os.WriteFile(path, append(all, "no rpsl here\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := dump.Load(context.Background(), []string{path}, dump.Options{Lenient: true})
	if err != nil || res.Malformed != 1 {
		t.Fatalf("%v; %d malformed, want the one line once", err, res.Malformed)
	}
	if rep := w.CheckView(networks(t, res.Records), w.DumpView(ipatlas.RIPENCC)); !rep.OK() {
		t.Fatal(rep)
	}
	if res.Objects != bytes.Count(all, []byte("\nsource:")) {
		t.Errorf("%d objects counted, want %d", res.Objects, bytes.Count(all, []byte("\nsource:")))
	}
}

// TestLoadOverHTTP: the simulator's data server serves the dumps, dated
// by Last-Modified.
func TestLoadOverHTTP(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 6, IPv4: mustPrefixes("1.0.0.0/14"), IPv6: mustPrefixes("2001:200::/23"), IPv6PerBlock: 8})
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	res, err := dump.Load(context.Background(), srv.DumpURLs(ipatlas.APNIC), dump.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep := w.CheckView(networks(t, res.Records), w.DumpView(ipatlas.APNIC)); !rep.OK() {
		t.Fatal(rep)
	}
	if !res.Date.Equal(w.Config().Epoch) {
		t.Errorf("dated %s, want the world's epoch %s", res.Date, w.Config().Epoch)
	}
	if _, err := dump.Load(context.Background(), []string{srv.DataURL() + "dumps/arin/arin.db.inetnum.gz"}, dump.Options{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a dump ARIN does not publish: %v, want a 404", err)
	}
}

// TestLoadCountsMalformedObjects: malformed objects of several files are
// reported in file and line order; strict fails, lenient skips them.
func TestLoadCountsMalformedObjects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := "inetnum: 10.0.0.0 - 10.0.0.255\nnetname: A\nstatus: ASSIGNED PA\nsource: RIPE\n\n"
	files := map[string]string{
		"ripe.db.inetnum":  good + "inetnum: 10.0.1.0 - 10.0.0.0\nnetname: B\nstatus: X\nsource: RIPE\n\nnot rpsl\n\n",
		"apnic.db.inetnum": "inetnum: 11.0.0.0 - 11.0.0.255\nnetname: C\nsource: APNIC\n\n" + strings.ReplaceAll(good, "10.", "11."),
	}
	var paths []string
	for _, name := range []string{"ripe.db.inetnum", "apnic.db.inetnum"} {
		paths = append(paths, filepath.Join(dir, name))
		if err := os.WriteFile(paths[len(paths)-1], []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := dump.Load(context.Background(), paths, dump.Options{})
	if !errors.Is(err, dump.ErrMalformed) || res == nil || res.Malformed != 3 {
		t.Fatalf("strict: %v, %+v: want 3 malformed objects", err, res)
	}
	wantAt := []string{paths[0] + ":6:", paths[0] + ":11:", paths[1] + ":1:"}
	for i, e := range res.Errors {
		if !strings.HasPrefix(e.Error(), wantAt[i]) {
			t.Errorf("error %d: %v, want it at %s", i, e, wantAt[i])
		}
	}
	res, err = dump.Load(context.Background(), paths, dump.Options{Lenient: true})
	if err != nil || res.Malformed != 3 || len(res.Records) != 2 {
		t.Errorf("lenient: %v, %d malformed, %d records; want 3 skipped and 2 kept", err, res.Malformed, len(res.Records))
	}
}

// TestLoadRefusesACutDownload: a gzip stream cut short is an error of the
// load, not a dump that ends early.
func TestLoadRefusesACutDownload(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 7, IPv4: mustPrefixes("62.0.0.0/16"), IPv6: mustPrefixes()})
	body, err := w.Dump(ipatlas.RIPENCC, "ripe.db.inetnum.gz")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ripe.db.inetnum.gz")
	if err := os.WriteFile(path, body[:len(body)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := dump.Load(context.Background(), []string{path}, dump.Options{Lenient: true}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a cut gzip file: %v, want an error naming it", err)
	}
}

// TestLoadLeavesOutUnmanagedSpace: the placeholders a RIPE NCC dump keeps
// for the whole space and for space other registries manage are counted
// and left out, so they never hold addresses no real network holds.
func TestLoadLeavesOutUnmanagedSpace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ripe.db.inetnum")
	text := "inetnum: 0.0.0.0 - 255.255.255.255\nnetname: IANA-BLK\nstatus: ALLOCATED UNSPECIFIED\nsource: RIPE\n\n" +
		"inetnum: 1.0.0.0 - 1.255.255.255\nnetname: NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK\nstatus: ALLOCATED UNSPECIFIED\nsource: RIPE\n\n" +
		"inetnum: 62.0.0.0 - 62.0.0.255\nnetname: REAL\nstatus: ASSIGNED PA\nsource: RIPE\n\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := dump.Load(context.Background(), []string{path}, dump.Options{})
	if err != nil || res.Unmanaged != 2 || len(res.Records) != 1 || res.Records[0].Range.From.String() != "62.0.0.0" {
		t.Fatalf("Load = %+v, %v: want the two placeholders left out and the real network kept", res, err)
	}
}
