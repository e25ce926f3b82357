package delegated_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/delegated"
)

func TestWriteRoundTripFixtures(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "delegated-*"))
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := delegated.ParseFileWithOptions(path, delegated.ParseOptions{AllowTruncated: true})
			if err != nil {
				t.Fatal(err)
			}
			g, out := roundTrip(t, f)
			if d := sameFile(f, g); d != "" {
				t.Fatalf("Write→Parse differs in %s\n%s", d, out)
			}
			if _, out2 := roundTrip(t, g); !bytes.Equal(out, out2) {
				t.Errorf("second Write differs:\n%s\n---\n%s", out, out2)
			}
		})
	}
}

// Write of a standard file reproduces it, comments and blank lines aside.
func TestWriteReproducesStandard(t *testing.T) {
	path := filepath.Join("testdata", "delegated-example")
	data, _ := os.ReadFile(path)
	var want []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l != "\n" && l != "" && l[0] != '#' {
			want = append(want, l)
		}
	}
	f, err := delegated.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := delegated.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != strings.Join(want, "") {
		t.Errorf("Write =\n%s\nwant\n%s", got, strings.Join(want, ""))
	}
}

func TestWriteHandBuilt(t *testing.T) {
	f := &delegated.File{
		Name:      "built",
		Header:    delegated.Header{Version: "2", Registry: "ripencc", Serial: "20231114", Records: 1, StartDate: "19930901", EndDate: "20231114", UTCOffset: "+0100"},
		Summaries: map[string]int{"ipv6": 0, "ipv4": 1, "asn": 0},
		Records:   []delegated.Record{{Registry: "ripencc", CC: "NL", Type: "ipv4", Start: "193.0.0.0", Value: 768, Date: "19930901", Status: "allocated"}},
	}
	var buf bytes.Buffer
	if err := delegated.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	want := "2|ripencc|20231114|1|19930901|20231114|+0100\n" +
		"ripencc|*|asn|*|0|summary\nripencc|*|ipv4|*|1|summary\nripencc|*|ipv6|*|0|summary\n" +
		"ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated\n"
	if buf.String() != want {
		t.Errorf("Write =\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteErrors(t *testing.T) {
	rec := func(mod func(*delegated.Record)) *delegated.File {
		r := delegated.Record{Registry: "arin", CC: "US", Type: "asn", Start: "1", Value: 1, Date: "20200101", Status: "assigned"}
		mod(&r)
		return &delegated.File{Header: delegated.Header{Version: "2", Registry: "arin", Serial: "1"}, Records: []delegated.Record{r}}
	}
	tests := []struct {
		name string
		f    *delegated.File
		want string
	}{
		{"version", &delegated.File{Header: delegated.Header{Version: "9", Registry: "arin", Serial: "1"}}, "field version"},
		{"header registry", &delegated.File{Header: delegated.Header{Version: "2", Registry: "#arin", Serial: "1"}}, "field registry"},
		{"summary type", &delegated.File{Header: delegated.Header{Version: "2", Registry: "arin", Serial: "1"}, Summaries: map[string]int{"ipv5": 1}}, "unknown type"},
		{"summary count", &delegated.File{Header: delegated.Header{Version: "2", Registry: "arin", Serial: "1"}, Summaries: map[string]int{"asn": -1}}, "negative count"},
		{"pipe", rec(func(r *delegated.Record) { r.CC = "U|S" }), "contains |"},
		{"newline", rec(func(r *delegated.Record) { r.CC = "U\nS" }), "newline"},
		{"trailing CR", rec(func(r *delegated.Record) { r.Status = "assigned\r" }), "unknown status"},
		{"comment", rec(func(r *delegated.Record) { r.Registry = "#arin" }), "field registry"},
		{"bad value", rec(func(r *delegated.Record) { r.Type, r.Start, r.Value = "ipv6", "2001:db8::", 200 }), "field value"},
		{"opaque-id", rec(func(r *delegated.Record) { r.OpaqueID = "x" }), "not Extended"},
	}
	for _, tt := range tests {
		err := delegated.Write(&bytes.Buffer{}, tt.f)
		if err == nil || !strings.HasPrefix(err.Error(), "delegated: write") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Write error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	ext := rec(func(r *delegated.Record) { r.Extensions = []string{"a\r"} })
	ext.Extended = true
	if err := delegated.Write(&bytes.Buffer{}, ext); err == nil || !strings.Contains(err.Error(), "carriage return") {
		t.Errorf("trailing CR in last field: %v", err)
	}
}

type failWriter struct{}

var errDisk = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestWriteWriterError(t *testing.T) {
	f, err := delegated.ParseFile(filepath.Join("testdata", "delegated-example"))
	if err != nil {
		t.Fatal(err)
	}
	if err := delegated.Write(failWriter{}, f); !errors.Is(err, errDisk) {
		t.Errorf("Write to a failing writer: %v", err)
	}
}
