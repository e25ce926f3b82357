package whipfile

import (
	"net/netip"
	"testing"
)

// FuzzParseIPv4MatchesNetip: the fast IPv4 path accepts exactly the
// dotted quads netip.ParseAddr accepts, with the same address.
func FuzzParseIPv4MatchesNetip(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5",
		"1..2.3", "1.2.3.", ".1.2.3", "", "::1", "1.2.3.4%eth0", "00.0.0.0", "1.2.3.-4", "१.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := netip.ParseAddr(s)
		wantOK := err == nil && want.Is4()
		got, ok := parseIPv4([]byte(s))
		if ok && (!wantOK || got != want) {
			t.Fatalf("parseIPv4(%q) = %v; netip says %v, %v", s, got, want, err)
		}
		if wantOK && !ok && want.Zone() == "" {
			t.Fatalf("parseIPv4(%q) refused what netip reads as %v", s, want)
		}
	})
}
