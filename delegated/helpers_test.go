package delegated_test

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/shareddata"
)

// sharedDir is the real registry files, kept outside the module.
func sharedDir(t testing.TB) string { return shareddata.Dir(t, "delegated") }

// layoutQuirks describe the original bytes, not the data, so Write does not
// reproduce them.
var layoutQuirks = []string{delegated.QuirkMissingOpaqueID, delegated.QuirkTruncated}

// dataQuirks drops the layout quirks.
func dataQuirks(qs []string) []string {
	var out []string
next:
	for _, q := range qs {
		for _, code := range layoutQuirks {
			if strings.HasPrefix(q, code+":") {
				continue next
			}
		}
		out = append(out, q)
	}
	return out
}

// sameFile reports how a and b differ ("" when equal apart from layout quirks).
func sameFile(a, b *delegated.File) string {
	switch {
	case a.Name != b.Name:
		return "Name"
	case a.Header != b.Header:
		return "Header"
	case !reflect.DeepEqual(a.Summaries, b.Summaries):
		return "Summaries"
	case !reflect.DeepEqual(a.SummaryOrder, b.SummaryOrder):
		return "SummaryOrder"
	case a.Extended != b.Extended:
		return "Extended"
	case !reflect.DeepEqual(dataQuirks(a.Quirks), dataQuirks(b.Quirks)):
		return "Quirks"
	case len(a.Records) != len(b.Records):
		return "len(Records)"
	}
	for i := range a.Records {
		if !reflect.DeepEqual(a.Records[i], b.Records[i]) {
			return fmt.Sprintf("Records[%d]: %+v vs %+v", i, a.Records[i], b.Records[i])
		}
	}
	return ""
}

// roundTrip writes f and parses the output under the same name.
func roundTrip(t testing.TB, f *delegated.File) (*delegated.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := delegated.Write(&buf, f); err != nil {
		t.Fatalf("Write: %v", err)
	}
	g, err := delegated.Parse(bytes.NewReader(buf.Bytes()), f.Name)
	if err != nil {
		t.Fatalf("re-parse of Write output: %v\n%s", err, buf.Bytes())
	}
	return g, buf.Bytes()
}

// lineCounts counts a file's records the simple way, independently of the
// parser: newline-terminated lines that are not comments, blank, the first
// (version) line or summaries. unended is a last line without newline.
type lineCounts struct {
	records  int
	byType   map[string]int
	extended bool
	unended  string
}

func countLines(t testing.TB, path string) lineCounts {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := lineCounts{byType: map[string]int{}}
	lines := strings.Split(string(data), "\n")
	c.unended = lines[len(lines)-1]
	header := false
	for _, l := range lines[:len(lines)-1] {
		l = strings.TrimRight(l, "\r")
		if l == "" || l[0] == '#' {
			continue
		}
		if !header {
			header = true
			continue
		}
		fs := strings.Split(l, "|")
		if fs[len(fs)-1] == "summary" {
			continue
		}
		c.records++
		c.byType[fs[2]]++
		c.extended = c.extended || len(fs) >= 8
	}
	return c
}
