package whipfile_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whipfile"
)

func TestReadKeepsPayloadAndValidates(t *testing.T) {
	t.Parallel()
	f, err := whipfile.Open("testdata/snap-2024-01-01.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if f.Datetime != "2024-01-01" || !f.At.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("datetime %q at %v", f.Datetime, f.At)
	}
	want := []struct{ rng, payload string }{
		{"1.0.0.0 - 1.0.0.255", `{"registry":"apnic","country":"AU","asn":13335,"org":"Example \"Quoted\" Pty Ltd","cidr":"1.0.0.0/24"}`},
		{"1.0.2.0 - 1.0.5.255", `{"registry":"apnic","country":"CN","asn":4134,"org":"Example Telecom","cidr":"1.0.2.0/23,1.0.4.0/23"}`},
		{"2001:db8:: - 2001:db8::ffff", `{"registry":"ripencc","tags":["a","b"],"nested":{"k":1}}`},
	}
	if len(f.Records) != len(want) {
		t.Fatalf("%d records, want %d", len(f.Records), len(want))
	}
	for i, w := range want {
		if got := f.Records[i]; got.Range.String() != w.rng || string(got.Payload) != w.payload {
			t.Errorf("record %d = %s %s, want %s %s", i, got.Range, got.Payload, w.rng, w.payload)
		}
	}
}

func TestGzipIsReadTransparently(t *testing.T) {
	t.Parallel()
	plain, err := os.ReadFile("testdata/snap-2024-01-01.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain)
	zw.Close()
	path := filepath.Join(t.TempDir(), "snap.jsonl.gz")
	if err := os.WriteFile(path, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := whipfile.Open(path)
	if err != nil || len(f.Records) != 3 {
		t.Fatalf("Open(gz) = %v records, %v", f, err)
	}
	if _, err := whipfile.Open("testdata/snap-2024-01-01.jsonl.gz"); err == nil {
		t.Error("a missing file opened")
	}
}

// TestBadInputNamesFileLineAndField: every rule Whip states, broken once.
func TestBadInputNamesFileLineAndField(t *testing.T) {
	t.Parallel()
	const ok = `{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01"}` + "\n"
	cases := []struct{ name, input, want string }{
		{"not json", ok + "{begin\n", "in.jsonl:2: not valid JSON"},
		{"not an object", ok + "[1]\n", "in.jsonl:2: want a JSON object"},
		{"trailing data", ok + `{"begin":"1.0.1.0","end":"1.0.1.1","datetime":"2024-01-01"} x` + "\n", "in.jsonl:2: not valid JSON"},
		{"missing begin", `{"end":"1.0.0.255","datetime":"2024-01-01"}`, "in.jsonl:1: begin: missing"},
		{"missing datetime", `{"begin":"1.0.0.0","end":"1.0.0.255"}`, "in.jsonl:1: datetime: missing"},
		{"repeated end", `{"begin":"1.0.0.0","end":"1.0.0.255","end":"1.0.0.9","datetime":"2024-01-01"}`, "in.jsonl:1: end: repeated"},
		{"begin not a string", `{"begin":1,"end":"1.0.0.255","datetime":"2024-01-01"}`, "in.jsonl:1: begin: want a string"},
		{"bad begin", `{"begin":"1.0.0.300","end":"1.0.0.255","datetime":"2024-01-01"}`, `in.jsonl:1: begin: "1.0.0.300" is not an IP address`},
		{"bad end", `{"begin":"1.0.0.0","end":"fe80::1%eth0","datetime":"2024-01-01"}`, `in.jsonl:1: end: "fe80::1%eth0" is not an IP address`},
		{"begin after end", `{"begin":"1.0.0.9","end":"1.0.0.1","datetime":"2024-01-01"}`, "in.jsonl:1: end: 1.0.0.9 - 1.0.0.1 is not a range"},
		{"mixed versions", `{"begin":"1.0.0.0","end":"::1","datetime":"2024-01-01"}`, "in.jsonl:1: end: 1.0.0.0 - ::1 is not a range"},
		{"overlap", ok + `{"begin":"1.0.0.255","end":"1.0.1.0","datetime":"2024-01-01"}`,
			"in.jsonl:2: end: 1.0.0.255 - 1.0.1.0 overlaps 1.0.0.0 - 1.0.0.255 (line 1) without lying inside it"},
		{"overlap of an outer range", ok + `{"begin":"1.0.0.16","end":"1.0.0.31","datetime":"2024-01-01"}` + "\n" +
			`{"begin":"1.0.0.128","end":"1.0.1.0","datetime":"2024-01-01"}`,
			"in.jsonl:3: end: 1.0.0.128 - 1.0.1.0 overlaps 1.0.0.0 - 1.0.0.255 (line 1) without lying inside it"},
		{"unsorted", ok + `{"begin":"0.0.0.0","end":"0.0.0.1","datetime":"2024-01-01"}`, "in.jsonl:2: begin: 0.0.0.0 is before the previous range's begin 1.0.0.0"},
		{"IPv6 before IPv4", `{"begin":"::1","end":"::1","datetime":"2024-01-01"}` + "\n" + ok, "in.jsonl:2: begin: 1.0.0.0 is before the previous range's begin ::1"},
		{"repeated range", ok + ok, "in.jsonl:2: 1.0.0.0 - 1.0.0.255 repeats the previous range"},
		{"nested first", `{"begin":"1.0.0.0","end":"1.0.0.15","datetime":"2024-01-01"}` + "\n" + ok,
			"in.jsonl:2: end: 1.0.0.0 - 1.0.0.255 holds the previous range 1.0.0.0 - 1.0.0.15, so it must come before it"},
		{"two datetimes", ok + `{"begin":"1.0.1.0","end":"1.0.1.1","datetime":"2024-01-08"}`, `in.jsonl:2: datetime: "2024-01-08" differs from the file's "2024-01-01"`},
		{"bad datetime", `{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"yesterday"}`, `in.jsonl:1: datetime: "yesterday" is not an ISO 8601`},
		{"empty", "\n\n", "in.jsonl:2: no records"},
		{"line too long", ok + strings.Repeat(" ", 1<<20+1), "in.jsonl:2: line longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := whipfile.Read("in.jsonl", strings.NewReader(c.input))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error %v, want one starting %q", err, c.want)
			}
			var fe *whipfile.Error
			if c.name != "line too long" && !errors.As(err, &fe) {
				t.Errorf("error %T is not a *whipfile.Error", err)
			}
		})
	}
}

func TestParseDatetimeForms(t *testing.T) {
	t.Parallel()
	good := map[string]time.Time{
		"2024-01-31":                time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC),
		"2024-01-31T12:30:00Z":      time.Date(2024, 1, 31, 12, 30, 0, 0, time.UTC),
		"2024-01-31T12:30:00+02:00": time.Date(2024, 1, 31, 10, 30, 0, 0, time.UTC),
		"2024-01-31T12:30:00.5":     time.Date(2024, 1, 31, 12, 30, 0, 5e8, time.UTC),
		"2024-01-31T12:30":          time.Date(2024, 1, 31, 12, 30, 0, 0, time.UTC),
		"2024-01-31 12:30:00":       time.Date(2024, 1, 31, 12, 30, 0, 0, time.UTC),
	}
	for s, want := range good {
		if got, err := whipfile.ParseDatetime(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseDatetime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "2024-13-01", "2024-01-31T25:00", "31/01/2024", "all", "2024-01-31T12:30:00 garbage"} {
		if _, err := whipfile.ParseDatetime(s); err == nil {
			t.Errorf("ParseDatetime(%q) accepted", s)
		}
	}
}

// FuzzRead: Read never panics, and what it accepts keeps the rules:
// ranges sorted (ipatlas.CompareRecords), each once, any two nested or
// apart, each payload a JSON object.
func FuzzRead(f *testing.F) {
	seed, _ := os.ReadFile("testdata/snap-2024-01-01.jsonl")
	f.Add(seed)
	f.Add([]byte(`{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01","x":[1,{"y":null}]}`))
	f.Add([]byte(nestedFile))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := whipfile.Read("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, r := range file.Records {
			if !json.Valid(r.Payload) || r.Payload[0] != '{' {
				t.Fatalf("record %d payload %q is not a JSON object", i, r.Payload)
			}
		}
		if err := wellNested(file.Records); err != nil {
			t.Fatal(err)
		}
	})
}

// wellNested is the rule Read enforces, checked the slow, obvious way:
// every pair in order, and nested or apart.
func wellNested(records []ipatlas.Record) error {
	for i, a := range records {
		if a.Range.To.Less(a.Range.From) {
			return fmt.Errorf("record %d %s is not a range", i, a.Range)
		}
		for j := i + 1; j < len(records); j++ {
			b := records[j]
			if ipatlas.CompareRecords(a, b) >= 0 {
				return fmt.Errorf("records %d %s and %d %s out of order", i, a.Range, j, b.Range)
			}
			if a.Range.Overlaps(b.Range) && !a.Range.ContainsRange(b.Range) {
				return fmt.Errorf("records %d %s and %d %s partly overlap", i, a.Range, j, b.Range)
			}
		}
	}
	return nil
}

// nestedFile has nested ranges as a crawl records them: a network before
// the ones inside it, one of them at its first address, one nested two
// deep, IPv4 before IPv6.
const nestedFile = `{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01","n":"outer"}
{"begin":"1.0.0.0","end":"1.0.0.63","datetime":"2024-01-01","n":"first quarter"}
{"begin":"1.0.0.8","end":"1.0.0.15","datetime":"2024-01-01","n":"two deep"}
{"begin":"1.0.0.64","end":"1.0.0.64","datetime":"2024-01-01","n":"one address"}
{"begin":"1.0.0.255","end":"1.0.0.255","datetime":"2024-01-01","n":"last address"}
{"begin":"1.0.1.0","end":"1.0.1.9","datetime":"2024-01-01","n":"after"}
{"begin":"2001:db8::","end":"2001:db8::ffff","datetime":"2024-01-01","n":"v6 outer"}
{"begin":"2001:db8::100","end":"2001:db8::1ff","datetime":"2024-01-01","n":"v6 inner"}
`

// TestNestedRangesAreRead: a range inside an earlier one is read, in order,
// with its payload.
func TestNestedRangesAreRead(t *testing.T) {
	t.Parallel()
	f, err := whipfile.Read("nested.jsonl", strings.NewReader(nestedFile))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Records {
		got = append(got, r.Range.String()+" "+string(r.Payload))
	}
	want := []string{
		`1.0.0.0 - 1.0.0.255 {"n":"outer"}`, `1.0.0.0 - 1.0.0.63 {"n":"first quarter"}`, `1.0.0.8 - 1.0.0.15 {"n":"two deep"}`,
		`1.0.0.64 - 1.0.0.64 {"n":"one address"}`, `1.0.0.255 - 1.0.0.255 {"n":"last address"}`, `1.0.1.0 - 1.0.1.9 {"n":"after"}`,
		`2001:db8:: - 2001:db8::ffff {"n":"v6 outer"}`, `2001:db8::100 - 2001:db8::1ff {"n":"v6 inner"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNestingRuleMatchesReference: on seeded random files of a few small
// ranges, in order or not, Read accepts exactly what wellNested accepts.
func TestNestingRuleMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	accepted := 0
	for range 5000 {
		records := make([]ipatlas.Record, 1+rng.IntN(6))
		var b strings.Builder
		for i := range records {
			from := netip.AddrFrom4([4]byte{1, 0, 0, byte(rng.IntN(32))})
			to := netip.AddrFrom4([4]byte{1, 0, 0, from.As4()[3] + byte(rng.IntN(12))})
			records[i] = ipatlas.Record{Range: ipatlas.Range{From: from, To: to}, Payload: []byte("{}")}
		}
		if rng.IntN(4) > 0 {
			slices.SortFunc(records, ipatlas.CompareRecords)
		}
		for _, r := range records {
			fmt.Fprintf(&b, `{"begin":"%s","end":"%s","datetime":"2024-01-01"}`+"\n", r.Range.From, r.Range.To)
		}
		_, err := whipfile.Read("random.jsonl", strings.NewReader(b.String()))
		want := wellNested(records)
		if (err == nil) != (want == nil) {
			t.Fatalf("Read says %v, the reference %v, of\n%s", err, want, b.String())
		}
		if err == nil {
			accepted++
		}
	}
	if accepted < 250 {
		t.Errorf("only %d random files were well nested: the test says little", accepted)
	}
}

// TestAppendLineReadsBack: lines written by AppendLine read back to the
// same records and datetime, an empty payload included.
func TestAppendLineReadsBack(t *testing.T) {
	t.Parallel()
	f, err := whipfile.Open("testdata/snap-2024-01-01.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	f.Records[0].Payload = []byte(`{}`)
	var out []byte
	for _, r := range f.Records {
		out = append(whipfile.AppendLine(out, r.Range.From, r.Range.To, "2025-06-30T12:00:00.5Z", r.Payload), '\n')
	}
	back, err := whipfile.Read("written", bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Datetime != "2025-06-30T12:00:00.5Z" || len(back.Records) != len(f.Records) {
		t.Fatalf("read back %q with %d records, want %d", back.Datetime, len(back.Records), len(f.Records))
	}
	for i := range f.Records {
		if !back.Records[i].Same(f.Records[i]) {
			t.Errorf("record %d: %s %s, wrote %s %s", i, back.Records[i].Range, back.Records[i].Payload, f.Records[i].Range, f.Records[i].Payload)
		}
	}
}
