package cymru_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/cymru"
	"github.com/ipatlas/ipatlas/internal/shareddata"
)

// TestReadsARealBulkAnswer reads a real bulk session's answer (12
// addresses of all five registries, IPv4 and IPv6, AS names with commas).
func TestReadsARealBulkAnswer(t *testing.T) {
	f, err := os.Open(filepath.Join(shareddata.Dir(t, "cymru"), "bulk-verbose-20241015.ipwhois.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := cymru.NewReader(f)
	var got []cymru.Answer
	for {
		a, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if want := time.Date(2024, 10, 15, 5, 46, 42, 0, time.UTC); !rd.Banner.Equal(want) {
		t.Errorf("banner time %v, want %v", rd.Banner, want)
	}
	if len(got) != 12 {
		t.Fatalf("%d answers, want 12", len(got))
	}
	want := map[int]cymru.Answer{
		0: {AS: 15169, Addr: addr("74.125.225.229"), Prefix: prefix("74.125.225.0/24"), Country: "US", Registry: "arin",
			Allocated: day("2007-03-13"), ASName: "GOOGLE, US", Verbose: true},
		3: {AS: 2856, Addr: addr("2a00:2381:ffff::1"), Prefix: prefix("2a00:2380::/25"), Country: "GB", Registry: "ripencc",
			Allocated: day("2007-08-29"), ASName: "BT-UK-AS BTnet UK Regional network, GB", Verbose: true},
		6: {AS: 19373, Addr: addr("200.57.141.161"), Prefix: prefix("200.57.128.0/20"), Country: "MX", Registry: "lacnic",
			Allocated: day("2000-12-04"), ASName: "Triara.com S.A. de C.V., MX", Verbose: true},
		9: {AS: 37578, Addr: addr("2001:43f8:7b0::"), Prefix: prefix("2001:43f8:7b0::/48"), Country: "KE", Registry: "afrinic",
			Allocated: day("2013-03-22"), ASName: "Tespok, KE", Verbose: true},
	}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("answer %d: %+v, want %+v", i, got[i], w)
		}
	}
	regs := map[string]bool{}
	for _, a := range got {
		regs[a.Registry] = true
	}
	if len(regs) != 5 {
		t.Errorf("registries %v: want all five", regs)
	}
}

// TestReadsTheRealWhoisLine reads the whois line of ipwhois's tests; the
// DNS TXT forms beside it (5 columns, quoted) are another protocol's and
// are refused as such.
func TestReadsTheRealWhoisLine(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(shareddata.Dir(t, "cymru"), "single-lines.ipwhois-tests.json"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []struct{ Kind, Line string }
	if err := json.Unmarshal(data, &lines); err != nil {
		t.Fatal(err)
	}
	whois := 0
	for _, l := range lines {
		a, err := cymru.ParseLine(l.Line)
		if !strings.Contains(l.Kind, "whois") {
			if !errors.Is(err, cymru.ErrSyntax) {
				t.Errorf("%s %q: %v, want it refused", l.Kind, l.Line, err)
			}
			continue
		}
		whois++
		want := cymru.Fields{Registry: "arin", ASN: "15169", CIDR: "74.125.225.0/24", CountryCode: "US", Date: "2007-03-13",
			Description: "GOOGLE - Google Inc., US"}
		if err != nil || a.Fields() != want {
			t.Errorf("%q: %+v, %v; want %+v", l.Line, a.Fields(), err, want)
		}
	}
	if whois != 1 {
		t.Errorf("%d whois lines, want 1", whois)
	}
}

func TestParseLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, line string
		want       cymru.Answer
		err        string
	}{
		{"Plain", "15169   | 8.8.8.8          | GOOGLE, US", cymru.Answer{AS: 15169, Addr: addr("8.8.8.8"), ASName: "GOOGLE, US"}, ""},
		{"Unpadded", "15169|8.8.8.8|8.8.8.0/24|us|arin|1992-12-01|GOOGLE, US\r\n", cymru.Answer{AS: 15169, Addr: addr("8.8.8.8"),
			Prefix: prefix("8.8.8.0/24"), Country: "US", Registry: "arin", Allocated: day("1992-12-01"), ASName: "GOOGLE, US", Verbose: true}, ""},
		{"Unrouted", "NA      | 89.38.234.0      | NA                  | RO | ripencc  | 2005-11-29 | NA", cymru.Answer{
			Addr: addr("89.38.234.0"), Country: "RO", Registry: "ripencc", Allocated: day("2005-11-29"), Verbose: true}, ""},
		{"Unallocated", "NA      | 10.0.0.1         | NA                  |    | other    |            | NA", cymru.Answer{
			Addr: addr("10.0.0.1"), Registry: "other", Verbose: true}, ""},
		{"SeveralOrigins", "15169 36040 | 8.8.8.8 | GOOGLE, US", cymru.Answer{AS: 15169, Addr: addr("8.8.8.8"), ASName: "GOOGLE, US"}, ""},
		{"NameWithPipe", "1 | 1.1.1.1 | 1.1.1.0/24 | AU | apnic | 2011-08-11 | A | B, AU", cymru.Answer{AS: 1, Addr: addr("1.1.1.1"),
			Prefix: prefix("1.1.1.0/24"), Country: "AU", Registry: "apnic", Allocated: day("2011-08-11"), ASName: "A | B, AU", Verbose: true}, ""},
		{"FiveColumns", "15169 | 74.125.225.0/24 | US | arin | 2007-03-13", cymru.Answer{}, "5 columns"},
		{"BadAS", "AS15169 | 8.8.8.8 | GOOGLE, US", cymru.Answer{}, `AS "AS15169"`},
		{"ASZero", "0 | 8.8.8.8 | GOOGLE, US", cymru.Answer{}, `AS "0"`},
		{"BadIP", "15169 | 8.8.8 | GOOGLE, US", cymru.Answer{}, `IP "8.8.8"`},
		{"PrefixElsewhere", "15169|8.8.8.8|9.9.9.0/24|US|arin|1992-12-01|G", cymru.Answer{}, "does not hold 8.8.8.8"},
		{"PrefixWithoutAS", "NA|8.8.8.8|8.8.8.0/24|US|arin|1992-12-01|G", cymru.Answer{}, "without an AS"},
		{"ASWithoutPrefix", "15169|8.8.8.8|NA|US|arin|1992-12-01|G", cymru.Answer{}, "NA for a routed address"},
		{"BadCountry", "15169|8.8.8.8|8.8.8.0/24|USA|arin|1992-12-01|G", cymru.Answer{}, `CC "USA"`},
		{"BadRegistry", "15169|8.8.8.8|8.8.8.0/24|US|ARIN 2|1992-12-01|G", cymru.Answer{}, `registry "ARIN 2"`},
		{"BadDate", "15169|8.8.8.8|8.8.8.0/24|US|arin|01/12/1992|G", cymru.Answer{}, `allocated "01/12/1992"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cymru.ParseLine(c.line)
			if c.err != "" {
				if !errors.Is(err, cymru.ErrSyntax) || !strings.Contains(err.Error(), c.err) {
					t.Errorf("ParseLine(%q): %v, want an error with %q", c.line, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("ParseLine(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
			}
		})
	}
}

// TestReaderNamesTheBadLine: a malformed line, the service's own error
// line and a last line cut off are errors that say which line.
func TestReaderNamesTheBadLine(t *testing.T) {
	t.Parallel()
	const banner = "Bulk mode; whois.cymru.com [2024-10-15 05:46:42 +0000]\n"
	const good = "15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 1992-12-01 | GOOGLE, US\n"
	cases := []struct {
		name, in      string
		line, answers int
		is            error
	}{
		{"Malformed", banner + good + "15169 | nonsense\n" + good, 3, 1, cymru.ErrSyntax},
		{"ServerError", banner + "AS | IP | BGP Prefix | CC | Registry | Allocated | AS Name\n\nError: no ASN or IP match on line 4.\n", 4, 0, cymru.ErrServer},
		{"CutOff", banner + good + good[:30], 3, 1, cymru.ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cymru.ReadAll(strings.NewReader(c.in))
			var le *cymru.LineError
			if !errors.As(err, &le) || le.Line != c.line || !errors.Is(err, c.is) ||
				!strings.Contains(err.Error(), fmt.Sprintf("line %d", c.line)) {
				t.Fatalf("ReadAll: %v, want a %v on line %d", err, c.is, c.line)
			}
			if len(got) != c.answers {
				t.Errorf("%d answers before the error, want %d", len(got), c.answers)
			}
		})
	}
}

func TestFieldsOfAnUnroutedAnswer(t *testing.T) {
	t.Parallel()
	a, err := cymru.ParseLine("NA      | 89.38.234.0      | NA                  | RO | ripencc  | 2005-11-29 | NA")
	want := cymru.Fields{Registry: "ripencc", ASN: "NA", CIDR: "NA", CountryCode: "RO", Date: "2005-11-29", Description: "NA"}
	if err != nil || a.Fields() != want || a.Routed() {
		t.Errorf("fields %+v, %v; want %+v, unrouted", a.Fields(), err, want)
	}
}

func addr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func prefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
