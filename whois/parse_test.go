package whois_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whois"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtures are answers shaped like each registry's, with the address each
// answers.
var fixtures = []struct {
	file  string
	reg   ipatlas.Registry
	query string
}{
	{"ripencc-contacts.txt", ipatlas.RIPENCC, "192.0.2.77"},
	{"apnic-nested.txt", ipatlas.APNIC, "203.0.113.9"},
	{"afrinic-noabuse.txt", ipatlas.AFRINIC, "2001:db8:4000::1"},
	{"arin-reassigned.txt", ipatlas.ARIN, "198.51.100.200"},
	{"lacnic-abbreviated.txt", ipatlas.LACNIC, "198.19.1.1"},
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// TestParseFixtures parses each fixture and compares the whole network
// with its golden file (go test -update rewrites them).
func TestParseFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures {
		t.Run(strings.TrimSuffix(f.file, ".txt"), func(t *testing.T) {
			t.Parallel()
			n, err := whois.Parse(f.reg, f.file, readFixture(t, f.file), netip.MustParseAddr(f.query))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(n, "", "  ")
			golden := filepath.Join("testdata", strings.TrimSuffix(f.file, ".txt")+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(append(got, '\n'), want) {
				t.Errorf("parse differs from %s:\n%s", golden, got)
			}
		})
	}
}

// TestParsePicksTheMostSpecific asks about an address of the less
// specific network in answers that list two: that one is chosen.
func TestParsePicksTheMostSpecific(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, query, want string
		reg               ipatlas.Registry
	}{
		{"apnic-nested.txt", "203.0.112.1", "EXAMPLE-AP", ipatlas.APNIC},
		{"apnic-nested.txt", "203.0.113.1", "EXAMPLE-CUSTOMER-AU", ipatlas.APNIC},
		{"arin-reassigned.txt", "198.51.97.1", "EXAMPLE-NET", ipatlas.ARIN},
		{"arin-reassigned.txt", "198.51.100.1", "EXHO-CUST-42", ipatlas.ARIN},
	}
	for _, c := range cases {
		n, err := whois.Parse(c.reg, c.file, readFixture(t, c.file), netip.MustParseAddr(c.query))
		if err != nil || n.Name != c.want {
			t.Errorf("%s about %s: %q, %v; want %q", c.file, c.query, n.Name, err, c.want)
		}
	}
	n, err := whois.Parse(ipatlas.APNIC, "x", readFixture(t, "apnic-nested.txt"), netip.Addr{})
	if err != nil || n.Name != "EXAMPLE-CUSTOMER-AU" {
		t.Errorf("without a query: %q, %v; want the most specific network of the answer", n.Name, err)
	}
}

// TestParseErrorsNameInputAndLine breaks fixtures in every way a parser
// checks: each error is a ParseError naming the input and the line.
func TestParseErrorsNameInputAndLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file, query string
		reg               ipatlas.Registry
		from, to          string // replace from with to in the fixture
		line              int
		msg               string
	}{
		{"Syntax", "ripencc-contacts.txt", "192.0.2.1", ipatlas.RIPENCC, "status:         ASSIGNED PA", "status ASSIGNED PA", 21, "not an attribute"},
		{"BadRange", "ripencc-contacts.txt", "192.0.2.1", ipatlas.RIPENCC, "192.0.2.0 - 192.0.2.127\n", "192.0.2.0 - 192.0.2.300\n", 11, "inetnum"},
		{"BadDate", "ripencc-contacts.txt", "192.0.2.1", ipatlas.RIPENCC, "2011-04-05T09:15:00Z", "yesterday", 25, "created"},
		{"NoNetwork", "ripencc-contacts.txt", "192.0.2.1", ipatlas.RIPENCC, "inetnum:  ", "netblock:  ", 84, "no inetnum or inet6num"},
		{"NotHeld", "ripencc-contacts.txt", "192.0.2.200", ipatlas.RIPENCC, "", "", 84, "holds 192.0.2.200"},
		{"BadChanged", "apnic-nested.txt", "203.0.112.1", ipatlas.APNIC, "20120730", "2012-13-45", 16, "changed"},
		{"BadCIDR", "arin-reassigned.txt", "198.51.100.1", ipatlas.ARIN, "198.51.100.0/24\n", "198.51.100.0/33\n", 53, "CIDR"},
		{"BadOriginAS", "arin-reassigned.txt", "198.51.100.1", ipatlas.ARIN, "OriginAS:       \nCustomer", "OriginAS:       ASX\nCustomer", 58, "OriginAS"},
		{"BadRegDate", "arin-reassigned.txt", "198.51.100.1", ipatlas.ARIN, "RegDate:        2015-05-05\nUpdated", "RegDate:        May 2015\nUpdated", 60, "regdate"},
		{"BadNetRange", "arin-reassigned.txt", "198.51.100.1", ipatlas.ARIN, "198.51.100.0 - 198.51.100.255", "198.51.100.0 - nowhere", 52, "NetRange"},
		{"BadPrefix", "lacnic-abbreviated.txt", "198.19.1.1", ipatlas.LACNIC, "198.18/15", "198.18/45", 16, "inetnum"},
		{"BadCreated", "lacnic-abbreviated.txt", "198.19.1.1", ipatlas.LACNIC, "20090315", "2009031", 29, "created"},
		{"BadPersonDate", "lacnic-abbreviated.txt", "198.19.1.1", ipatlas.LACNIC, "20220220", "20221320", 44, "changed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			body := string(readFixture(t, c.file))
			if c.from != "" {
				if !strings.Contains(body, c.from) {
					t.Fatalf("%q is not in %s", c.from, c.file)
				}
				body = strings.Replace(body, c.from, c.to, 1)
			}
			_, err := whois.Parse(c.reg, "answer-"+c.name, []byte(body), netip.MustParseAddr(c.query))
			var pe *whois.ParseError
			if !errors.As(err, &pe) || pe.Input != "answer-"+c.name || pe.Line != c.line || !strings.Contains(pe.Msg, c.msg) {
				t.Fatalf("error %#v, want a ParseError of answer-%s at line %d saying %q", err, c.name, c.line, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "parse whois answer-"+c.name+":") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
	if _, err := whois.Parse("moon", "x", []byte("inetnum: 192.0.2.0/24\n"), netip.Addr{}); err == nil || !strings.Contains(err.Error(), `"moon"`) {
		t.Errorf("unknown registry: %v", err)
	}
}
