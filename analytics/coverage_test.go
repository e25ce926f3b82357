package analytics_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
)

func held(tb testing.TB, reg ipatlas.Registry, rg string) analytics.Held {
	return analytics.Held{Registry: reg, Range: mustRange(tb, rg)}
}

func coverageRow(r analytics.RegistryCoverage) string {
	return fmt.Sprintf("%s %s/%s %.2f%% holes %d (%s)", r.Registry, r.Covered, r.Registered, r.Percent, r.Holes, r.HoleAddresses)
}

// TestCoverage: units that meet or repeat are one registered range; a
// unit overlapping another registry's keeps only its own part; holes are
// what no network (nested or not) holds.
func TestCoverage(t *testing.T) {
	t.Parallel()
	registered := []analytics.Held{
		held(t, ipatlas.RIPENCC, "193.0.0.0/22"),
		held(t, ipatlas.ARIN, "13.0.128.0 - 13.0.255.255"),
		held(t, ipatlas.ARIN, "13.0.0.0 - 13.0.127.255"), // meets the one above
		held(t, ipatlas.ARIN, "13.0.16.0/24"),            // a retried span, inside
		held(t, ipatlas.AFRINIC, "193.0.3.0 - 193.0.4.255"),
		held(t, ipatlas.LACNIC, "2800::/32"),
	}
	networks := []ipatlas.Range{mustRange(t, "13.0.0.0/24"), mustRange(t, "13.0.0.0/17"), mustRange(t, "13.0.200.0/24"),
		mustRange(t, "193.0.0.0/23"), mustRange(t, "193.0.3.0/24"), mustRange(t, "2a00::/32")}
	r := analytics.Coverage(registered, networks, 2)
	var rows []string
	for _, reg := range r.IPv4.Registries {
		rows = append(rows, coverageRow(reg))
	}
	want := []string{
		"afrinic 0/256 0.00% holes 1 (256)",
		"arin 33024/65536 50.39% holes 2 (32512)",
		"ripencc 768/1024 75.00% holes 1 (256)",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("IPv4 registries\n got %s\nwant %s", strings.Join(rows, "\n     "), strings.Join(want, "\n     "))
	}
	if got := coverageRow(r.IPv4.RegistryCoverage); got != " 33792/66816 50.57% holes 4 (33024)" {
		t.Errorf("IPv4 total: %s", got)
	}
	var holes []string
	for _, h := range r.IPv4.Largest {
		holes = append(holes, fmt.Sprint(h.Range, " ", h.Registry, " ", h.Addresses))
	}
	if got, want := strings.Join(holes, ", "), "13.0.128.0 - 13.0.199.255 arin 18432, 13.0.201.0 - 13.0.255.255 arin 14080"; got != want {
		t.Errorf("largest holes: %s, want %s", got, want)
	}
	if got := coverageRow(r.IPv6.Registries[0]); len(r.IPv6.Registries) != 1 || got != "lacnic 0/"+pow2(96)+" 0.00% holes 1 ("+pow2(96)+")" {
		t.Errorf("IPv6: %v", r.IPv6.Registries)
	}
}

func TestCoverageOfNothingRegistered(t *testing.T) {
	t.Parallel()
	r := analytics.Coverage(nil, []ipatlas.Range{mustRange(t, "1.0.0.0/8")}, 10)
	if r.IPv4.Percent != 100 || r.IPv4.Holes != 0 || len(r.IPv4.Registries) != 0 || len(r.IPv4.Largest) != 0 {
		t.Errorf("nothing registered: %+v", r.IPv4)
	}
}
