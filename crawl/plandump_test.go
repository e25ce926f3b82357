package crawl_test

import (
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/delegated"
)

// TestPlanLeavesDumpedSpaceOut: a dump of RIPE NCC's IPv4 networks leaves
// none of its IPv4 blocks or unlisted IPv4 space to query; its IPv6 space
// and ARIN's blocks are planned as before.
func TestPlanLeavesDumpedSpaceOut(t *testing.T) {
	t.Parallel()
	in := crawl.PlanInput{Delegated: []*delegated.File{mustParse(t, ripeFile)},
		Within: prefixes("193.0.0.0/20", "13.64.0.0/22", "2001:600::/31")}
	all, err := crawl.MakePlan(in)
	if err != nil {
		t.Fatal(err)
	}
	in.Dumped = []ipatlas.Dump{{Registry: ipatlas.RIPENCC, IPVersion: 4}}
	p, err := crawl.MakePlan(in)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, u := range p.Units {
		if u.Registry == ipatlas.RIPENCC && u.Range.Is4() {
			t.Errorf("unit %s %s of dumped space planned", u.Registry, u.Range)
		}
		left = append(left, string(u.Registry)+" "+u.Range.String())
	}
	want := 0
	for _, u := range all.Units {
		if u.Registry != ipatlas.RIPENCC || !u.Range.Is4() {
			want++
		}
	}
	if len(p.Units) != want || !strings.Contains(strings.Join(left, "; "), "ripencc 2001:600::") {
		t.Errorf("planned %v: want the %d units outside RIPE NCC's IPv4 space", left, want)
	}
}
