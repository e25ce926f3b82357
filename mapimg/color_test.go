package mapimg_test

import (
	"image/color"
	"net/netip"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/mapimg"
)

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// paletteGrid has a full ARIN /16, a half-covered RIPE NCC one, and
// countries.
func paletteGrid(t *testing.T) *mapimg.Grid {
	t.Helper()
	ix := indexOf(t, []ipatlas.Record{
		historytest.Record("13.0.0.0", "13.0.255.255", `{"registry":"arin","country":"US"}`),
		historytest.Record("62.0.0.0", "62.0.127.255", `{"registry":"ripencc"}`),
	})
	g, err := mapimg.Compute(ix, 0, mapimg.Whole)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestPalette pins the documented colours: the README and the package doc
// promise them.
func TestPalette(t *testing.T) {
	t.Parallel()
	g := paletteGrid(t)
	cell := func(a string) int { return g.CellAt(netip.MustParseAddr(a)) }
	for _, tc := range []struct {
		addr string
		mode mapimg.Mode
		want color.NRGBA
	}{
		{"13.0.0.0", mapimg.ByRegistry, rgb(0x0072B2)}, // all covered: the full colour
		{"62.0.0.0", mapimg.ByRegistry, rgb(0xAB4F08)}, // half: 77.5% over #1B1D23
		{"13.1.0.0", mapimg.ByRegistry, rgb(0x153042)}, // none: 22% of ARIN's
		{"10.0.0.0", mapimg.ByRegistry, rgb(0x6B6F78)}, // reserved
		{"10.0.0.0", mapimg.ByCountry, rgb(0x6B6F78)},  // reserved, whatever the colouring
		{"13.1.0.0", mapimg.ByCoverage, rgb(0x440154)}, // none of it
		{"13.0.0.0", mapimg.ByCoverage, rgb(0xFDE725)}, // all of it
		{"62.0.0.0", mapimg.ByCoverage, rgb(0x21918C)}, // half
		{"62.0.0.0", mapimg.ByCountry, rgb(0x7D8389)},  // no country: #9AA0A6 at 77.5%
		{"13.0.0.0", mapimg.ByCountry, rgb(0x4E79A7)},  // the view's first country: the first hue
	} {
		if got := g.Color(cell(tc.addr), tc.mode); got != tc.want {
			t.Errorf("%s by %s: %v, want %v", tc.addr, tc.mode, got, tc.want)
		}
	}
	if mapimg.RegistryColor(mapimg.RegRIPENCC) != rgb(0xD55E00) {
		t.Error("RIPE NCC's colour moved")
	}
}

func TestLegend(t *testing.T) {
	t.Parallel()
	g := paletteGrid(t)
	if l := g.Legend(mapimg.ByRegistry); len(l) != 8 || l[2].Label != "ARIN" || l[2].Color != rgb(0x0072B2) || l[7].Color != rgb(0x6B6F78) {
		t.Errorf("registry legend %+v", l)
	}
	if l := g.Legend(mapimg.ByCountry); len(l) != 4 || l[0].Label != "US" || l[0].Color != rgb(0x4E79A7) {
		t.Errorf("country legend %+v: want US first, the only country, then no country, no network, reserved", l)
	}
	if l := g.Legend(mapimg.ByCoverage); len(l) != 6 || l[0].Color != rgb(0x440154) || l[4].Color != rgb(0xFDE725) {
		t.Errorf("coverage legend %+v", l)
	}
	for _, s := range []string{"registry", "coverage", "country"} {
		if m, err := mapimg.ParseMode(s); err != nil || m.String() != s {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := mapimg.ParseMode("holder"); err == nil {
		t.Error("ParseMode(holder): no error")
	}
}

// TestImageFollowsTheCurve: every cell's pixels are its colour, at the
// curve's place for it, at any scale.
func TestImageFollowsTheCurve(t *testing.T) {
	t.Parallel()
	g := paletteGrid(t)
	for _, scale := range []int{1, 3} {
		img, err := g.Image(mapimg.ByRegistry, scale)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != 256*scale || img.Bounds().Dy() != 256*scale {
			t.Fatalf("scale %d: %v", scale, img.Bounds())
		}
		for d := range g.Cells {
			x, y := mapimg.Curve.XY(uint64(d))
			for _, p := range [][2]int{{int(x) * scale, int(y) * scale}, {int(x+1)*scale - 1, int(y+1)*scale - 1}} {
				if got := img.NRGBAAt(p[0], p[1]); got != g.Color(d, mapimg.ByRegistry) {
					t.Fatalf("scale %d, cell %d (%s) at %v: %v, want %v", scale, d, g.Block(d), p, got, g.Color(d, mapimg.ByRegistry))
				}
			}
		}
	}
	if _, err := g.Image(mapimg.ByRegistry, 0); err == nil {
		t.Error("scale 0: no error")
	}
}

func TestPickSnapshot(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	snaps := []index.Snapshot{{ID: 4, At: day(1), Datetime: "2025-01-01"}, {ID: 9, At: day(8), Datetime: "2025-01-08"}}
	for at, want := range map[string]int{"": 1, "4": 0, "9": 1, "2025-01-01": 0, "2025-01-07T12:00:00Z": 0, "2030-01-01": 1} {
		if got, err := mapimg.PickSnapshot(snaps, at); err != nil || got != want {
			t.Errorf("PickSnapshot(%q) = %d, %v; want %d", at, got, err, want)
		}
	}
	for _, at := range []string{"7", "2024-12-31", "yesterday"} {
		if _, err := mapimg.PickSnapshot(snaps, at); err == nil {
			t.Errorf("PickSnapshot(%q): no error", at)
		}
	}
	if _, err := mapimg.PickSnapshot(nil, ""); err == nil {
		t.Error("no snapshots: no error")
	}
}

// TestCountriesTakeHuesByRank: the twelve countries covering the most of
// a view take the twelve hues, all different, largest first; the rest
// share one colour.
func TestCountriesTakeHuesByRank(t *testing.T) {
	t.Parallel()
	var recs []ipatlas.Record
	for i := range 14 {
		from := netip.AddrFrom4([4]byte{62, byte(i), 0, 0})
		to := netip.AddrFrom4([4]byte{62, byte(i), byte(255 - 10*min(i, 12)), 255}) // each smaller than the one before; the last two alike
		recs = append(recs, ipatlas.Record{Range: ipatlas.Range{From: from, To: to},
			Payload: []byte(`{"registry":"ripencc","country":"` + string(rune('A'+i)) + `X"}`)})
	}
	g, err := mapimg.Compute(indexOf(t, recs), 0, mapimg.Whole)
	if err != nil {
		t.Fatal(err)
	}
	legend := g.Legend(mapimg.ByCountry)
	seen := map[color.NRGBA]bool{}
	for i := range 12 {
		if want := string(rune('A'+i)) + "X"; legend[i].Label != want || seen[legend[i].Color] {
			t.Fatalf("legend entry %d: %+v, want %s in a hue of its own (%+v)", i, legend[i], want, legend)
		}
		seen[legend[i].Color] = true
		full := g.Color(62<<8|i, mapimg.ByCountry)
		if full == g.Color(62<<8|(i+1)%12, mapimg.ByCountry) {
			t.Errorf("62.%d.0.0/16 and the next share a colour", i)
		}
	}
	if legend[12].Label != "other countries" || g.Color(62<<8|12, mapimg.ByCountry) != g.Color(62<<8|13, mapimg.ByCountry) {
		t.Errorf("the 13th and 14th countries: %v and %v, legend %+v", g.Color(62<<8|12, mapimg.ByCountry), g.Color(62<<8|13, mapimg.ByCountry), legend[12])
	}
}
