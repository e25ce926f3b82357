package delegated_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/delegated"
)

const goodHead = "# comment\n2|arin|20231114|1|19840101|20231113|-0500\n\narin|*|asn|*|1|summary\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
		field, msg  string
	}{
		{"header field count", "# x\n2|arin|1\n", 2, "header", "want 7"},
		{"version", "3|arin|1|0|19840101|20231113|-0500\n", 1, "version", "unsupported version"},
		{"header registry", "2||1|0|19840101|20231113|-0500\n", 1, "registry", "registry name"},
		{"serial", "2|arin|x1|0|19840101|20231113|-0500\n", 1, "serial", "not a number"},
		{"header records", "2|arin|1|abc|19840101|20231113|-0500\n", 1, "records", "not a number"},
		{"header records negative", "2|arin|1|-5|19840101|20231113|-0500\n", 1, "records", "not a number"},
		{"startdate", "2|arin|1|0|1984|20231113|-0500\n", 1, "startdate", "yyyymmdd"},
		{"enddate", "2|arin|1|0|19840101|2023-11-13|-0500\n", 1, "enddate", "yyyymmdd"},
		{"UTC offset", "2|arin|1|0|19840101|20231113|+1x00\n", 1, "UTCoffset", "hhmm"},
		{"summary count", goodHead + "arin|*|ipv4|*|abc|summary\n", 5, "count", "not a number"},
		{"summary type", goodHead + "arin|*|ipv5|*|1|summary\n", 5, "type", "unknown type"},
		{"summary star", goodHead + "arin|US|ipv4|*|1|summary\n", 5, "cc", `want "*"`},
		{"summary twice", goodHead + "arin|*|asn|*|1|summary\n", 5, "type", "second asn summary"},
		{"record field count", goodHead + "arin|US|asn|1|1\n", 5, "record", "want at least 7"},
		{"registry", goodHead + "|US|asn|1|1|20200101|allocated\n", 5, "registry", "registry name"},
		{"type", goodHead + "arin|US|ipv5|1.2.3.4|1|20200101|allocated\n", 5, "type", "unknown type"},
		{"ipv4 address", goodHead + "arin|US|ipv4|1.2.3|256|20200101|allocated\n", 5, "start", "not an IPv4 address"},
		{"ipv4 given ipv6", goodHead + "arin|US|ipv4|2001:db8::|256|20200101|allocated\n", 5, "start", "not an IPv4 address"},
		{"ipv4 value", goodHead + "arin|US|ipv4|1.2.3.0|abc|20200101|allocated\n", 5, "value", "not a number"},
		{"ipv4 negative", goodHead + "arin|US|ipv4|1.2.3.0|-1|20200101|allocated\n", 5, "value", "not a number"},
		{"ipv4 zero", goodHead + "arin|US|ipv4|1.2.3.0|0|20200101|allocated\n", 5, "value", "zero addresses"},
		{"ipv4 overflow", goodHead + "arin|US|ipv4|255.255.255.0|257|20200101|allocated\n", 5, "value", "past 255.255.255.255"},
		{"ipv4 huge", goodHead + "arin|US|ipv4|0.0.0.0|18446744073709551615|20200101|allocated\n", 5, "value", "past 255.255.255.255"},
		{"ipv6 address", goodHead + "arin|US|ipv6|2001:zz::|32|20200101|allocated\n", 5, "start", "not an IPv6 address"},
		{"ipv6 given ipv4", goodHead + "arin|US|ipv6|1.2.3.4|32|20200101|allocated\n", 5, "start", "not an IPv6 address"},
		{"ipv6 zone", goodHead + "arin|US|ipv6|fe80::%eth0|64|20200101|allocated\n", 5, "start", "not an IPv6 address"},
		{"ipv6 length", goodHead + "arin|US|ipv6|2001:db8::|129|20200101|allocated\n", 5, "value", "over 128"},
		{"ipv6 misaligned", goodHead + "arin|US|ipv6|2001:db8::1|32|20200101|allocated\n", 5, "start", "not aligned to /32"},
		{"asn start", goodHead + "arin|US|asn|AS1|1|20200101|allocated\n", 5, "start", "not an AS number"},
		{"asn 33-bit", goodHead + "arin|US|asn|4294967296|1|20200101|allocated\n", 5, "start", "not an AS number"},
		{"asn overflow", goodHead + "arin|US|asn|4294967295|2|20200101|allocated\n", 5, "value", "past AS4294967295"},
		{"asn zero", goodHead + "arin|US|asn|1|0|20200101|allocated\n", 5, "value", "zero AS numbers"},
		{"date", goodHead + "arin|US|asn|1|1|2020-01-01|allocated\n", 5, "date", "yyyymmdd"},
		{"status", goodHead + "arin|US|asn|1|1|20200101|stolen\n", 5, "status", "unknown status"},
		{"long line", goodHead + strings.Repeat("x", 1<<20+1) + "\n", 5, "record", "longer than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := delegated.Parse(strings.NewReader(tt.input), "delegated-arin-extended-latest")
			var pe *delegated.ParseError
			if f != nil || !errors.As(err, &pe) {
				t.Fatalf("got %v, %v; want a *ParseError", f, err)
			}
			if pe.File != "delegated-arin-extended-latest" || pe.Line != tt.line || pe.Field != tt.field || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %+v; want line %d field %s msg ~%q", pe, tt.line, tt.field, tt.msg)
			}
			prefix := fmt.Sprintf("delegated-arin-extended-latest:%d: field %s: ", tt.line, tt.field)
			if !strings.Contains(err.Error(), prefix) {
				t.Errorf("error %q does not contain %q", err, prefix)
			}
			if notD := errors.Is(err, delegated.ErrNotDelegated); notD != (tt.field == "header") {
				t.Errorf("errors.Is(err, ErrNotDelegated) = %v", notD)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := delegated.Parse(strings.NewReader(goodHead+"arin|US|asn|1|abc|20200101|assigned\n"), "delegated-arin-extended-latest")
	want := `delegated-arin-extended-latest:5: field value: "abc": not a number`
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestParseNoHeader(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n\n", "\r\n"} {
		_, err := delegated.Parse(strings.NewReader(in), "empty")
		var pe *delegated.ParseError
		if !errors.Is(err, delegated.ErrNotDelegated) || !errors.As(err, &pe) || pe.Line != 0 {
			t.Errorf("Parse(%q) = %v, want ErrNotDelegated without a line", in, err)
		}
	}
}

func TestParseHTML(t *testing.T) {
	body := "<html><head>\n<title>302 Found</title>\n</head></html>\n"
	_, err := delegated.Parse(strings.NewReader(body), "delegated-apnic-extended-latest")
	want := `not a delegated-stats file: delegated-apnic-extended-latest:1: field header: "<html><head>": want 7`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}

func TestParseFixtures(t *testing.T) {
	for _, name := range []string{"delegated-example", "delegated-example-extended", "delegated-example-crlf", "delegated-iana-example"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			f, err := delegated.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c := countLines(t, path)
			checkCounts(t, f, c)
			checkRanges(t, f)
			if f.Name != name || f.Header.Records != len(f.Records) {
				t.Errorf("Name %q, header count %d, %d records", f.Name, f.Header.Records, len(f.Records))
			}
		})
	}
}

func TestParseExtendedFixture(t *testing.T) {
	f, err := delegated.ParseFile(filepath.Join("testdata", "delegated-example-extended"))
	if err != nil {
		t.Fatal(err)
	}
	want := delegated.Header{Version: "2.3", Registry: "ripencc", Serial: "1700000000", Records: 12,
		StartDate: "19700101", EndDate: "20231114", UTCOffset: "+0100"}
	if f.Header != want || !slices.Equal(f.SummaryOrder, []string{"ipv4", "ipv6", "asn"}) || !f.Extended {
		t.Errorf("header %+v, order %v, extended %v", f.Header, f.SummaryOrder, f.Extended)
	}
	for _, code := range []string{delegated.QuirkStartDate, delegated.QuirkSerialSeconds, delegated.QuirkMissingOpaqueID} {
		if !f.HasQuirk(code) {
			t.Errorf("quirk %s missing from %q", code, f.Quirks)
		}
	}
	r := f.Records[2]
	if r.CC != "" || r.Date != "" || r.Status != "available" || r.OpaqueID != "" || r.Extensions != nil {
		t.Errorf("available row = %+v", r)
	}
}

func TestParseCRLF(t *testing.T) {
	f, err := delegated.ParseFile(filepath.Join("testdata", "delegated-example-crlf"))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Records[len(f.Records)-1]
	if last.Status != "allocated" || f.Header.UTCOffset != "00000" || !f.HasQuirk(delegated.QuirkUTCOffset) {
		t.Errorf("last record %+v, header %+v", last, f.Header)
	}
}

func TestParseIANA(t *testing.T) {
	f, err := delegated.ParseFile(filepath.Join("testdata", "delegated-iana-example"))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Records[0]
	if r.Registry != "iana" || r.Status != "reserved" || r.OpaqueID != "ietf" || !slices.Equal(r.Extensions, []string{"iana"}) {
		t.Errorf("record %+v", r)
	}
}

func TestParseFileGzip(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "delegated-example"))
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "delegated-apnic-latest.gz")
	os.WriteFile(path, z.Bytes(), 0o644)
	f, err := delegated.ParseFile(path)
	if err != nil || len(f.Records) != 8 || f.Name != "delegated-apnic-latest.gz" {
		t.Fatalf("ParseFile(.gz) = %v, %v", f, err)
	}
	// A cut .gz download ends in io.ErrUnexpectedEOF: that is truncation too.
	os.WriteFile(path, z.Bytes()[:z.Len()-12], 0o644)
	f, err = delegated.ParseFile(path)
	var te *delegated.TruncatedError
	if !errors.As(err, &te) || !errors.Is(err, io.ErrUnexpectedEOF) || f == nil {
		t.Errorf("cut .gz: %v, %v; want *TruncatedError wrapping io.ErrUnexpectedEOF", f, err)
	}
	if _, err := delegated.ParseFile(filepath.Join(dir, "missing")); err == nil || !strings.HasPrefix(err.Error(), "delegated: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseTruncated(t *testing.T) {
	path := filepath.Join("testdata", "delegated-example-extended.truncated")
	c := countLines(t, path)
	f, err := delegated.ParseFile(path)
	var te *delegated.TruncatedError
	if !errors.As(err, &te) || f == nil || len(f.Records) != c.records {
		t.Fatalf("got %v, %v; want %d records and a *TruncatedError", f, err, c.records)
	}
	if te.Line != 17 || te.Input != c.unended || te.Want != 12 || te.Err != nil {
		t.Errorf("TruncatedError %+v", te)
	}
	if want := "delegated-example-extended.truncated:17: truncated: last line has no newline"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
	g, err := delegated.ParseFileWithOptions(path, delegated.ParseOptions{AllowTruncated: true})
	if err != nil || len(g.Records) != c.records || !g.HasQuirk(delegated.QuirkTruncated) {
		t.Fatalf("AllowTruncated: %v, %v", g, err)
	}
}

func TestParseTruncatedMidField(t *testing.T) {
	in := goodHead + "arin|US|asn|1|1|20200101|assigned\narin|US|ipv4|1.2."
	_, err := delegated.Parse(strings.NewReader(in), "cut")
	var te *delegated.TruncatedError
	var pe *delegated.ParseError
	if !errors.As(err, &te) || !errors.As(err, &pe) || pe.Field != "record" || te.Line != 6 || te.Records != 1 {
		t.Fatalf("err = %v; want *TruncatedError wrapping the field error", err)
	}
	f, err := delegated.ParseWithOptions(strings.NewReader(in), "cut", delegated.ParseOptions{AllowTruncated: true})
	if err != nil || len(f.Records) != 1 {
		t.Fatalf("AllowTruncated: %v, %v", f, err)
	}
}

// A last line without newline is not a cut when the counts are complete.
func TestParseNoFinalNewline(t *testing.T) {
	in := strings.Replace(goodHead, "|1|summary", "|2|summary", 1) + "arin|US|asn|1|1|20200101|assigned\narin|US|asn|2|1|20200101|assigned"
	in = strings.Replace(in, "|1|19840101|", "|2|19840101|", 1)
	f, err := delegated.Parse(strings.NewReader(in), "whole")
	if err != nil || len(f.Records) != 2 || len(f.Quirks) != 0 {
		t.Fatalf("got %v, %v", f, err)
	}
}

func TestRecordPrefixes(t *testing.T) {
	tests := []struct {
		typ, start string
		value      uint64
		want       []string
	}{
		{"ipv4", "193.0.0.0", 768, []string{"193.0.0.0/23", "193.0.2.0/24"}},
		{"ipv4", "193.0.4.0", 1280, []string{"193.0.4.0/22", "193.0.8.0/24"}},
		{"ipv4", "10.0.0.128", 384, []string{"10.0.0.128/25", "10.0.1.0/24"}},
		{"ipv4", "255.255.255.255", 1, []string{"255.255.255.255/32"}},
		{"ipv4", "0.0.0.0", 1 << 32, []string{"0.0.0.0/0"}},
		{"ipv6", "2001:0600::", 23, []string{"2001:600::/23"}},
	}
	for _, tt := range tests {
		r := delegated.Record{Registry: "x", Type: tt.typ, Start: tt.start, Value: tt.value, Status: "allocated"}
		ps, err := r.Prefixes()
		var got []string
		for _, p := range ps {
			got = append(got, p.String())
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s %s+%d: %v, %v; want %v", tt.typ, tt.start, tt.value, got, err, tt.want)
		}
	}
	rg, _ := delegated.Record{Type: "ipv4", Start: "193.0.0.0", Value: 768}.Range()
	if rg.From != netip.MustParseAddr("193.0.0.0") || rg.To != netip.MustParseAddr("193.0.2.255") {
		t.Errorf("Range = %v", rg)
	}
	for _, r := range []delegated.Record{
		{Type: "ipv4", Start: "255.255.255.0", Value: 257},
		{Type: "ipv4", Start: "1.2.3.4", Value: 0},
		{Type: "ipv6", Start: "2001:db8::1", Value: 32},
		{Type: "ipv6", Start: "2001:db8::", Value: 129},
		{Type: "ipv6", Start: "x", Value: 32},
	} {
		if _, err := r.Range(); err == nil {
			t.Errorf("Range(%+v) did not fail", r)
		}
	}
}

func TestRecordASNs(t *testing.T) {
	first, last, err := delegated.Record{Type: "asn", Start: "64496", Value: 16}.ASNs()
	if err != nil || first != 64496 || last != 64511 {
		t.Errorf("ASNs = %d, %d, %v", first, last, err)
	}
	if _, _, err := (delegated.Record{Type: "ipv4", Start: "1.0.0.0", Value: 1}).ASNs(); err == nil {
		t.Error("ASNs of an ipv4 record did not fail")
	}
	if _, _, err := (delegated.Record{Type: "asn", Start: "4294967295", Value: 2}).ASNs(); err == nil {
		t.Error("ASNs past 2^32-1 did not fail")
	}
}

func TestRecordTime(t *testing.T) {
	for date, want := range map[string]time.Time{
		"20020801": time.Date(2002, 8, 1, 0, 0, 0, 0, time.UTC),
		"":         {},
		"00000000": {},
		"20190231": {},
	} {
		got, ok := delegated.Record{Date: date}.Time()
		if !got.Equal(want) || ok != !want.IsZero() {
			t.Errorf("Time(%q) = %v, %v; want %v", date, got, ok, want)
		}
	}
}
