package delegated_test

import (
	"errors"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/delegated"
)

// wantQuirks are the quirks each real file must be flagged with (by file
// name prefix); the counts come from the file itself.
var wantQuirks = []struct {
	prefix string
	codes  []string
}{
	{"delegated-afrinic-", []string{delegated.QuirkStartDate, delegated.QuirkUTCOffset}},
	{"nro-testdata-afrinic-", []string{delegated.QuirkHeaderCount, delegated.QuirkStartDate, delegated.QuirkUTCOffset}},
	{"delegated-lacnic-2026", []string{delegated.QuirkHeaderCount, delegated.QuirkSummaryCount}},
	{"delegated-lacnic-extended-", []string{delegated.QuirkMissingOpaqueID}},
	{"nro-testdata-lacnic-", []string{delegated.QuirkMissingOpaqueID}},
	{"nro-testdata-arin-", []string{delegated.QuirkSerialMillis, delegated.QuirkStartDate, delegated.QuirkUndated}},
	{"delegated-ripencc-2014", []string{delegated.QuirkSerialSeconds}},
	{"nro-testdata-ripencc-", []string{delegated.QuirkSerialSeconds}},
	{"nro-testdata-apnic-", []string{delegated.QuirkStartDate}},
	{"delegated-apnic-", []string{delegated.QuirkNoCC}},
	{"nro-testdata-iana-", []string{delegated.QuirkHeaderCount, delegated.QuirkSummaryCount}},
}

// neverQuirks must not be flagged on whole files.
var neverQuirks = []string{delegated.QuirkTruncated}

func TestRealFiles(t *testing.T) {
	dir := sharedDir(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "delegated-*"))
	excerpts, _ := filepath.Glob(filepath.Join(dir, "excerpts", "*"))
	paths = append(paths, excerpts...)
	for _, path := range paths {
		name := filepath.Base(path)
		if strings.HasSuffix(name, ".TRUNCATED") {
			continue // TestRealTruncated
		}
		t.Run(name, func(t *testing.T) {
			f, err := delegated.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := countLines(t, path)
			if c.unended != "" {
				t.Fatalf("whole file ends without newline: %q", c.unended)
			}
			checkCounts(t, f, c)
			checkQuirks(t, f)
			checkRanges(t, f)
			if g, _ := roundTrip(t, f); sameFile(f, g) != "" {
				t.Errorf("Write→Parse differs in %s", sameFile(f, g))
			}
		})
	}
}

func checkCounts(t *testing.T, f *delegated.File, c lineCounts) {
	t.Helper()
	if len(f.Records) != c.records {
		t.Errorf("records = %d, file has %d", len(f.Records), c.records)
	}
	got := map[string]int{}
	for _, r := range f.Records {
		got[r.Type]++
	}
	for typ, n := range c.byType {
		if got[typ] != n {
			t.Errorf("%s records = %d, file has %d", typ, got[typ], n)
		}
	}
	if f.Extended != c.extended {
		t.Errorf("Extended = %v, want %v", f.Extended, c.extended)
	}
}

func checkQuirks(t *testing.T, f *delegated.File) {
	t.Helper()
	var want []string
	for _, w := range wantQuirks {
		if strings.HasPrefix(f.Name, w.prefix) {
			want = w.codes
			break
		}
	}
	for _, code := range want {
		if !f.HasQuirk(code) {
			t.Errorf("quirk %s not flagged; quirks: %q", code, f.Quirks)
		}
	}
	for _, q := range f.Quirks {
		code, _, _ := strings.Cut(q, ":")
		if !slices.Contains(want, code) || slices.Contains(neverQuirks, code) {
			t.Errorf("unexpected quirk %q", q)
		}
	}
}

// checkRanges: every address record has a range whose prefixes add up to
// exactly value addresses (ipv4) or one prefix (ipv6); asn records have none.
func checkRanges(t *testing.T, f *delegated.File) {
	t.Helper()
	for i, r := range f.Records {
		ps, err := r.Prefixes()
		switch {
		case r.Type == "asn":
			if !errors.Is(err, delegated.ErrNotAddress) {
				t.Fatalf("record %d: asn Prefixes error = %v", i, err)
			}
			continue
		case err != nil:
			t.Fatalf("record %d %+v: %v", i, r, err)
		case r.Type == "ipv6" && len(ps) != 1:
			t.Fatalf("record %d: ipv6 gives %d prefixes", i, len(ps))
		}
		if r.Type == "ipv4" {
			sum := new(big.Int)
			for _, p := range ps {
				sum.Add(sum, new(big.Int).Lsh(big.NewInt(1), uint(32-p.Bits())))
			}
			if sum.Uint64() != r.Value {
				t.Fatalf("record %d: prefixes %v cover %v addresses, want %d", i, ps, sum, r.Value)
			}
		}
	}
}

func TestRealTruncated(t *testing.T) {
	path := filepath.Join(sharedDir(t), "delegated-ripencc-extended-20260720.TRUNCATED")
	c := countLines(t, path)
	if c.unended == "" {
		t.Fatal("sample is not cut")
	}
	f, err := delegated.ParseFile(path)
	var te *delegated.TruncatedError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TruncatedError", err)
	}
	if te.File != filepath.Base(path) || te.Input != c.unended || te.Records != c.records || te.Want != 260022 {
		t.Errorf("TruncatedError = %+v", te)
	}
	if !strings.Contains(err.Error(), filepath.Base(path)+":") || f == nil || len(f.Records) != c.records {
		t.Errorf("error %q; want file name and the %d good records", err, c.records)
	}
	g, err := delegated.ParseFileWithOptions(path, delegated.ParseOptions{AllowTruncated: true})
	if err != nil {
		t.Fatalf("AllowTruncated: %v", err)
	}
	if len(g.Records) != c.records || !g.HasQuirk(delegated.QuirkTruncated) || !g.HasQuirk(delegated.QuirkSerialSeconds) {
		t.Errorf("AllowTruncated: %d records (want %d), quirks %q", len(g.Records), c.records, g.Quirks)
	}
	last := g.Records[len(g.Records)-1]
	if last.Start != "185.41.128.0" {
		t.Errorf("last kept record %+v, want the one before the cut line", last)
	}
}

func TestRealHTMLBody(t *testing.T) {
	path := filepath.Join(sharedDir(t), "errors", "apnic-http-302-redirect-20240203.html")
	f, err := delegated.ParseFile(path)
	var pe *delegated.ParseError
	if f != nil || !errors.Is(err, delegated.ErrNotDelegated) || !errors.As(err, &pe) {
		t.Fatalf("got %v, %v; want ErrNotDelegated and a *ParseError", f, err)
	}
	want := "not a delegated-stats file: apnic-http-302-redirect-20240203.html:1: field header: "
	if pe.Line != 1 || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}
