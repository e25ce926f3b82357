package cymru_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/cymru"
)

// format writes an answer back as a verbose (or plain) line.
func format(a cymru.Answer) string {
	as, pfx, name := "NA", "NA", "NA"
	if a.Routed() {
		as = fmt.Sprint(a.AS)
		if a.Prefix.IsValid() {
			pfx = a.Prefix.String()
		}
	}
	if a.ASName != "" {
		name = a.ASName
	}
	if !a.Verbose {
		return fmt.Sprintf("%-7s | %-16s | %s", as, a.Addr, name)
	}
	date := ""
	if !a.Allocated.IsZero() {
		date = a.Allocated.Format(time.DateOnly)
	}
	return fmt.Sprintf("%-7s | %-16s | %-19s | %-2s | %-8s | %-10s | %s", as, a.Addr, pfx, a.Country, a.Registry, date, name)
}

// FuzzParseLine: any line either reads, and then writing the answer back
// and reading it again gives the same answer, or is an ErrSyntax.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"15169   | 74.125.225.229   | 74.125.225.0/24     | US | arin     | 2007-03-13 | GOOGLE, US",
		"2856    | 2a00:2381:ffff::1                        | 2a00:2380::/25      | GB | ripencc  | 2007-08-29 | BT-UK-AS BTnet UK Regional network, GB",
		"NA      | 89.38.234.0      | NA                  | RO | ripencc  | 2005-11-29 | NA",
		"NA      | 10.0.0.1         | NA                  |    | other    |            | NA",
		"15169   | 8.8.8.8          | GOOGLE, US",
		"15169 36040 | 8.8.8.8 | GOOGLE, US",
		"1|1.1.1.1|1.1.1.0/24|au|apnic|2011-08-11|A | B",
		"15169 | 74.125.225.0/24 | US | arin | 2007-03-13",
		"| | | | | |", "", "NA|::ffff:1.2.3.4|NA||other||",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		a, err := cymru.ParseLine(line)
		if err != nil {
			if !errors.Is(err, cymru.ErrSyntax) {
				t.Fatalf("ParseLine(%q): %v, not an ErrSyntax", line, err)
			}
			return
		}
		if strings.ContainsAny(a.ASName, "\r\n") || strings.TrimSpace(a.ASName) != a.ASName {
			return // not a line the service writes, and not one format can write back
		}
		again, err := cymru.ParseLine(format(a))
		if err != nil || again != a {
			t.Fatalf("ParseLine(%q) = %+v; written back %q reads %+v, %v", line, a, format(a), again, err)
		}
	})
}

// FuzzReadAll: any answer reads without a panic, and every error names a
// line or is the reader's own.
func FuzzReadAll(f *testing.F) {
	f.Add("Bulk mode; whois.cymru.com [2024-10-15 05:46:42 +0000]\n15169 | 8.8.8.8 | GOOGLE, US\n")
	f.Add("AS | IP | AS Name\nError: no ASN or IP match on line 1.\n")
	f.Add("15169 | 8.8.8.8 | GOO")
	f.Fuzz(func(t *testing.T, in string) {
		_, err := cymru.ReadAll(strings.NewReader(in))
		var le *cymru.LineError
		if err != nil && (!errors.As(err, &le) || le.Line < 1) {
			t.Fatalf("ReadAll(%q): %v, want a *LineError with its line", in, err)
		}
	})
}
