package whipfile_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{"overlap", ok + `{"begin":"1.0.0.255","end":"1.0.1.0","datetime":"2024-01-01"}`, "in.jsonl:2: begin: 1.0.0.255 is not after the previous range's end 1.0.0.255"},
		{"unsorted", ok + `{"begin":"0.0.0.0","end":"0.0.0.1","datetime":"2024-01-01"}`, "in.jsonl:2: begin: 0.0.0.0 is not after"},
		{"IPv6 before IPv4", `{"begin":"::1","end":"::1","datetime":"2024-01-01"}` + "\n" + ok, "in.jsonl:2: begin: 1.0.0.0 is not after the previous range's end ::1"},
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

// FuzzRead: Read never panics, and what it accepts keeps Whip's rules:
// ranges sorted and disjoint, each payload a JSON object.
func FuzzRead(f *testing.F) {
	seed, _ := os.ReadFile("testdata/snap-2024-01-01.jsonl")
	f.Add(seed)
	f.Add([]byte(`{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024-01-01","x":[1,{"y":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := whipfile.Read("fuzz", bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, r := range file.Records {
			if !json.Valid(r.Payload) || r.Payload[0] != '{' {
				t.Fatalf("record %d payload %q is not a JSON object", i, r.Payload)
			}
			if r.Range.To.Less(r.Range.From) || (i > 0 && !file.Records[i-1].Range.To.Less(r.Range.From)) {
				t.Fatalf("record %d %s out of order", i, r.Range)
			}
		}
	})
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
