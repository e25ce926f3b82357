package whois_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whois"
)

// fuzzParse seeds a parser's fuzz test with the fixtures of its format and
// checks what Parse makes of anything: a network that holds the query, or
// a ParseError naming the input and a line of it; never a panic.
func fuzzParse(f *testing.F, regs []ipatlas.Registry, files ...string) {
	for _, file := range files {
		for _, q := range []string{"192.0.2.1", "203.0.113.9", "198.51.100.7", "198.19.1.1", "2001:db8:4000::1", ""} {
			f.Add(readFixture(f, file), q)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		q, _ := netip.ParseAddr(query)
		for _, reg := range regs {
			n, err := whois.Parse(reg, "fuzz", body, q)
			if err != nil {
				var pe *whois.ParseError
				if !errors.As(err, &pe) || pe.Input != "fuzz" || pe.Line < 1 {
					t.Fatalf("%s: error %#v, want a ParseError naming the input and a line", reg, err)
				}
				continue
			}
			if !n.Range.IsValid() || (q.IsValid() && !n.Range.Contains(q)) || n.Registry != reg || len(n.CIDRs) == 0 {
				t.Fatalf("%s: network %+v for query %q", reg, n, query)
			}
		}
	})
}

func FuzzParseRPSL(f *testing.F) {
	fuzzParse(f, []ipatlas.Registry{ipatlas.RIPENCC, ipatlas.APNIC, ipatlas.AFRINIC},
		"ripencc-contacts.txt", "apnic-nested.txt", "afrinic-noabuse.txt")
}

func FuzzParseARIN(f *testing.F) {
	fuzzParse(f, []ipatlas.Registry{ipatlas.ARIN}, "arin-reassigned.txt")
}

func FuzzParseLACNIC(f *testing.F) {
	fuzzParse(f, []ipatlas.Registry{ipatlas.LACNIC}, "lacnic-abbreviated.txt")
}
