package analytics_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
)

func mustRange(tb testing.TB, s string) ipatlas.Range {
	tb.Helper()
	r, err := ipatlas.ParseRange(s)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func block(tb testing.TB, rg string, reg ipatlas.Registry, cc, holder, typ, status string) analytics.Block {
	tb.Helper()
	return analytics.Block{Range: mustRange(tb, rg), Registry: reg, Country: cc, Holder: holder, Type: typ, Status: status}
}

// handBuilt is a small snapshot with every case the figures must get
// right: nesting, a duplicate range, a range that is not one prefix, a
// range overlapping another without nesting in it, and networks partly or
// wholly outside the registries' space.
func handBuilt(tb testing.TB) []analytics.Block {
	return []analytics.Block{
		block(tb, "13.0.1.0/24", ipatlas.ARIN, "US", "Customer", "REASSIGNMENT", "active"),               // nested in 13.0.0.0/16 (given first)
		block(tb, "13.0.0.0/16", ipatlas.ARIN, "US", "Acme", "DIRECT ALLOCATION", "active"),              // top level
		block(tb, "13.0.0.0/16", ipatlas.ARIN, "US", "Acme Again", "DIRECT ALLOCATION", "active"),        // same range, later: nested
		block(tb, "193.0.0.0 - 193.0.2.255", ipatlas.RIPENCC, "NL", "LIR B", "ALLOCATED PA", ""),         // 768: a /23 and a /24
		block(tb, "193.0.2.0 - 193.0.5.255", ipatlas.RIPENCC, "DE", "LIR C", "ALLOCATED PA", ""),         // overlaps: 768 of its own
		block(tb, "10.0.0.0/8", ipatlas.ARIN, "", "", "IANA-RESERVED", "reserved"),                       // private: outside
		block(tb, "100.0.0.0/9", ipatlas.ARIN, "US", "Acme", "DIRECT ALLOCATION", "active"),              // half in 100.64.0.0/10
		block(tb, "2a00::/32", ipatlas.RIPENCC, "NL", "LIR B", "ALLOCATED-BY-RIR", ""),                   // top level
		block(tb, "2a00:0:1::/48", ipatlas.RIPENCC, "NL", "Customer", "ASSIGNED", ""),                    // nested
		block(tb, "2001:db8::/32", ipatlas.APNIC, "AU", "Documentation", "ALLOCATED PORTABLE", "active"), // special: outside
		{Range: ipatlas.Range{}}, // invalid: skipped
	}
}

func count(n uint64) string { return fmt.Sprint(n) }

// pow2 is 2^n in decimal.
func pow2(n uint) string {
	v := analytics.CountOf(1).Big()
	return v.Lsh(v, n).String()
}

func TestAnalyzeCountsEachAddressOnce(t *testing.T) {
	t.Parallel()
	r := analytics.Analyze(handBuilt(t), analytics.Options{})
	v4 := r.IPv4
	// 13.0.0.0/16, the RIPE NCC ranges' 768 + 768, and 100.0.0.0/9 less 100.64.0.0/10.
	inSpace := uint64(65536 + 768 + 768 + (1<<23 - 1<<22))
	checks := []struct{ name, got, want string }{
		{"space", v4.Space.String(), "3702258432"},
		{"networks", fmt.Sprint(v4.Networks), "7"},
		{"top level", fmt.Sprint(v4.TopLevel), "5"},
		{"non-CIDR", fmt.Sprint(v4.NonCIDR), "2"},
		{"addresses", v4.Addresses.String(), count(inSpace)},
		{"outside", v4.Outside.String(), count(1<<24 + 1<<22)},
		{"gap addresses", v4.Gaps.Addresses.String(), count(3702258432 - inSpace)},
		{"IPv6 networks", fmt.Sprint(r.IPv6.Networks), "3"},
		{"IPv6 top level", fmt.Sprint(r.IPv6.TopLevel), "2"},
		{"IPv6 addresses", r.IPv6.Addresses.String(), pow2(96)},
		{"IPv6 outside", r.IPv6.Outside.String(), pow2(96)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if want := 100 * float64(inSpace) / 3702258432; v4.Percent != want {
		t.Errorf("percent = %v, want %v", v4.Percent, want)
	}
}

func TestAnalyzeSizesCountExactPrefixes(t *testing.T) {
	t.Parallel()
	r := analytics.Analyze(handBuilt(t), analytics.Options{})
	var got []string
	for _, s := range append(r.IPv4.Sizes, r.IPv6.Sizes...) {
		got = append(got, fmt.Sprintf("%s /%d ×%d", s.Registry, s.Bits, s.Prefixes))
	}
	// 193.0.0.0-193.0.2.255 is a /23 and a /24; 193.0.2.0-193.0.5.255 two
	// /23s (the size histogram takes whole networks, overlap or not).
	want := []string{"arin /8 ×1", "arin /9 ×1", "arin /16 ×1", "ripencc /23 ×3", "ripencc /24 ×1",
		"apnic /32 ×1", "ripencc /32 ×1"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("sizes\n got %v\nwant %v", got, want)
	}
}

func tallies(ts []analytics.Tally) string {
	var b []string
	for _, t := range ts {
		b = append(b, fmt.Sprintf("%s:%d/%d/%s", t.Key, t.Networks, t.Blocks, t.Addresses))
	}
	return strings.Join(b, " ")
}

func TestAnalyzeTallies(t *testing.T) {
	t.Parallel()
	r := analytics.Analyze(handBuilt(t), analytics.Options{Top: 3})
	acme := count(65536 + 1<<23 - 1<<22)
	cases := []struct {
		name string
		got  []analytics.Tally
		want string // key:networks/top-level/addresses
	}{
		{"registries", r.IPv4.Registries, "afrinic:0/0/0 apnic:0/0/0 arin:5/3/" + acme + " lacnic:0/0/0 ripencc:2/2/1536"},
		{"countries by addresses", r.IPv4.Countries.ByAddresses, "US:4/2/" + acme + " DE:1/1/768 NL:1/1/768"},
		{"countries by count", r.IPv4.Countries.ByCount, "US:4/2/" + acme + " DE:1/1/768 NL:1/1/768"},
		{"holders by addresses", r.IPv4.Holders.ByAddresses, "Acme:2/2/" + acme + " LIR B:1/1/768 LIR C:1/1/768"},
		{"types", r.IPv4.Types, "DIRECT ALLOCATION:3/2/" + acme + " ALLOCATED PA:2/2/1536 IANA-RESERVED:1/1/0 REASSIGNMENT:1/0/0"},
		{"statuses", r.IPv4.Statuses, "active:4/2/" + acme + " :2/2/1536 reserved:1/1/0"},
		{"IPv6 holders by count", r.IPv6.Holders.ByCount, "LIR B:1/1/" + pow2(96) + " Documentation:1/1/0 Customer:1/0/0"},
	}
	for _, c := range cases {
		if got := tallies(c.got); got != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestAnalyzeGapsWithin(t *testing.T) {
	t.Parallel()
	within := []netip.Prefix{netip.MustParsePrefix("13.0.0.0/8"), netip.MustParsePrefix("100.0.0.0/8"),
		netip.MustParsePrefix("193.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2a00::/12")}
	r := analytics.Analyze(handBuilt(t), analytics.Options{Within: within, Gaps: 2})
	v4 := r.IPv4
	// 13/8 and 193/8 whole, 100/8 less 100.64.0.0/10; 10/8 is no registry's.
	if want := count(3<<24 - 1<<22); v4.Space.String() != want {
		t.Fatalf("space %s, want %s", v4.Space, want)
	}
	gaps := []string{"193.0.6.0 - 193.255.255.255 ripencc 16775680", "13.1.0.0 - 13.255.255.255 arin 16711680"}
	var got []string
	for _, g := range v4.Gaps.Largest {
		got = append(got, fmt.Sprint(g.Range, " ", g.Registry, " ", g.Addresses))
	}
	if v4.Gaps.Count != 3 || strings.Join(got, ", ") != strings.Join(gaps, ", ") {
		t.Errorf("gaps: %d, largest %v; want 3 (the third 100.128.0.0/9), largest %v", v4.Gaps.Count, got, gaps)
	}
	if sum := v4.Gaps.Addresses.Big(); sum.Add(sum, v4.Addresses.Big()).String() != v4.Space.String() {
		t.Errorf("gaps %s + held %s ≠ space %s", v4.Gaps.Addresses, v4.Addresses, v4.Space)
	}
	// 2001:db8::/32 lies outside within: it is not analysed at all.
	if r.IPv6.Networks != 2 || r.IPv6.Gaps.Count != 1 || r.IPv6.Gaps.Largest[0].Range.From.String() != "2a00:1::" {
		t.Errorf("IPv6 within 2a00::/12: %d networks, gaps %+v", r.IPv6.Networks, r.IPv6.Gaps)
	}
}

func TestAnalyzeEmpty(t *testing.T) {
	t.Parallel()
	r := analytics.Analyze(nil, analytics.Options{})
	if r.IPv4.Gaps.Count == 0 || r.IPv4.Gaps.Addresses != r.IPv4.Space || r.IPv4.Percent != 0 || len(r.IPv4.Registries) != 5 {
		t.Errorf("empty input: %+v", r.IPv4)
	}
}

// TestReportJSON pins the field names `ipatlas stats --format json`
// documents.
func TestReportJSON(t *testing.T) {
	t.Parallel()
	r := analytics.Analyze(handBuilt(t), analytics.Options{Top: 1, Gaps: 1})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"space", "networks", "top_level", "non_cidr", "addresses", "percent", "outside",
		"sizes", "registries", "gaps", "countries", "holders", "types", "statuses"} {
		if _, ok := doc["ipv6"][f]; !ok {
			t.Errorf("no %q in %s", f, b)
		}
	}
	for _, want := range []string{`"space":3702258432`, `"prefix_length":23`, `"by_addresses":[{"key":"US"`,
		`"largest":[{"begin":"`, `"addresses":` + pow2(96)} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in %s", want, b)
		}
	}
}
