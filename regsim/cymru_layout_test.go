package regsim

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/internal/shareddata"
)

// TestCymruLineLayoutMatchesReal renders every answer of a real bulk
// session (whois.cymru.com, 2024-10-15: IPv4 and IPv6 of all five
// registries) from its values and expects the real line byte for byte:
// the simulator pads its columns as the service does.
func TestCymruLineLayoutMatchesReal(t *testing.T) {
	f, err := os.Open(filepath.Join(shareddata.Dir(t, "cymru"), "bulk-verbose-20241015.ipwhois.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Bulk mode;") {
			continue
		}
		v := strings.SplitN(line, "|", 7)
		if len(v) != 7 {
			t.Fatalf("real line %q: want 7 columns", line)
		}
		for i := range v {
			v[i] = strings.TrimSpace(v[i])
		}
		got := string(appendCymruLine(nil, true, v[0], v[1], v[2], v[3], v[4], v[5], v[6]))
		if got != line+"\n" {
			t.Errorf("rendered\n%q\nreal\n%q", got, line+"\n")
		}
		n++
	}
	if err := sc.Err(); err != nil || n != 12 {
		t.Fatalf("read %d answer lines (%v), want 12", n, err)
	}
}

// TestCymruHeaderIsTheRealOne: the header `whois -h whois.cymru.com -v`
// prints (as quoted in zonemaster-engine issue 272).
func TestCymruHeaderIsTheRealOne(t *testing.T) {
	const want = "AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name\n"
	if got := string(appendCymruLine(nil, true, "AS", "IP", "BGP Prefix", "CC", "Registry", "Allocated", "AS Name")); got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}
