package crawl_test

import (
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/delegated"
)

func mustParse(t *testing.T, text string) *delegated.File {
	t.Helper()
	f, err := delegated.Parse(strings.NewReader(text), "test")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const ripeFile = `2|ripencc|1767222000|5|19700101|20251231|+0100
ripencc|*|ipv4|*|4|summary
ripencc|*|asn|*|0|summary
ripencc|*|ipv6|*|1|summary
ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated|a
ripencc|DE|ipv4|193.0.4.0|1024|20010315|assigned|b
ripencc||ipv4|193.0.8.0|256||available|
ripencc|US|ipv4|13.64.0.0|256|20050620|allocated|c
ripencc|NL|ipv6|2001:600::|32|19990819|allocated|a
`

func unitsOf(p *crawl.Plan, kind ipatlas.UnitKind) []string {
	var out []string
	for _, u := range p.Units {
		if u.Kind == kind {
			out = append(out, string(u.Registry)+" "+u.Range.String())
		}
	}
	return out
}

func TestPlanUnitsAndProbes(t *testing.T) {
	t.Parallel()
	f := mustParse(t, ripeFile)
	p, err := crawl.MakePlan(crawl.PlanInput{Delegated: []*delegated.File{f},
		Within: prefixes("193.0.0.0/20", "13.64.0.0/23", "2001:600::/31")})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(unitsOf(p, ipatlas.UnitDelegated), "; ")
	want := "ripencc 13.64.0.0 - 13.64.0.255; ripencc 193.0.0.0 - 193.0.2.255; ripencc 193.0.4.0 - 193.0.7.255; ripencc 2001:600:: - 2001:600:ffff:ffff:ffff:ffff:ffff:ffff"
	if got != want {
		t.Errorf("delegated units:\n got %s\nwant %s", got, want)
	}
	// The unlisted space is probed, tagged with IANA's registry; the space
	// RIPE declares available is not.
	probes := strings.Join(unitsOf(p, ipatlas.UnitProbe), "; ")
	wantProbes := "arin 13.64.1.0 - 13.64.1.255; ripencc 193.0.3.0 - 193.0.3.255; ripencc 193.0.9.0 - 193.0.15.255; ripencc 2001:601:: - 2001:601:ffff:ffff:ffff:ffff:ffff:ffff"
	if probes != wantProbes {
		t.Errorf("probe units:\n got %s\nwant %s", probes, wantProbes)
	}
	if p.Declared != 256 {
		t.Errorf("declared %v addresses, want 256", p.Declared)
	}
}

func TestPlanSkipsSpecialSpaceAndFiltersRegistries(t *testing.T) {
	t.Parallel()
	f := mustParse(t, ripeFile)
	p, err := crawl.MakePlan(crawl.PlanInput{Delegated: []*delegated.File{f}, Within: prefixes("192.168.0.0/16", "10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Units) != 0 {
		t.Errorf("units in private space: %v", unitsOf(p, ipatlas.UnitProbe))
	}
	p, err = crawl.MakePlan(crawl.PlanInput{Delegated: []*delegated.File{f}, Within: prefixes("13.64.0.0/23", "193.0.0.0/22"),
		Registries: []ipatlas.Registry{ipatlas.ARIN}})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range p.Units {
		if u.Registry != ipatlas.ARIN {
			t.Errorf("unit of %s planned with --registries arin: %s", u.Registry, u.Range)
		}
	}
}

func TestPlanDropsOverlapsWithAWarning(t *testing.T) {
	t.Parallel()
	a := mustParse(t, ripeFile)
	b := mustParse(t, `2.3|arin|1567951216119|1|19700101|20190908|-0400
arin|*|ipv4|*|1|summary
arin|US|ipv4|193.0.0.0|256|20100101|allocated|x
`)
	p, err := crawl.MakePlan(crawl.PlanInput{Delegated: []*delegated.File{a, b}, Within: prefixes("193.0.0.0/22")})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Dropped) != 1 || !strings.Contains(p.Dropped[0], "193.0.0.0") {
		t.Errorf("dropped %v, want the overlapping ARIN record", p.Dropped)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	cases := map[string]float64{"5/s": 5, "10/m": 10.0 / 60, "7": 7, "3600/h": 1, "unlimited": 0, "0": 0}
	for in, want := range cases {
		if got, err := crawl.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"fast", "5/d", "-1/s", "", "NaN"} {
		if _, err := crawl.ParseRate(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseRate(%q) = %v, want an error naming it", bad, err)
		}
	}
}

func TestPlanOverlappingWithinPlansEachAddressOnce(t *testing.T) {
	t.Parallel()
	f := mustParse(t, ripeFile)
	p, err := crawl.MakePlan(crawl.PlanInput{Delegated: []*delegated.File{f},
		Within: prefixes("193.0.0.0/20", "193.0.0.0/22", "193.0.0.0/20")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(p.Units); i++ {
		if p.Units[i-1].Range.Overlaps(p.Units[i].Range) {
			t.Errorf("units %s and %s overlap", p.Units[i-1].Range, p.Units[i].Range)
		}
	}
}
