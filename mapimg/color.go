package mapimg

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
)

// Mode is what a map's colours say.
type Mode uint8

// The colourings (see the package doc for the palette).
const (
	ByRegistry Mode = iota
	ByCoverage
	ByCountry
)

var modeNames = []string{"registry", "coverage", "country"}

func (m Mode) String() string { return modeNames[m] }

// ParseMode reads a colouring's name: registry, coverage or country.
func ParseMode(s string) (Mode, error) {
	if i := slices.Index(modeNames, s); i >= 0 {
		return Mode(i), nil
	}
	return 0, fmt.Errorf("colour %q: want registry, coverage or country", s)
}

// The fixed palette. Registries: Okabe and Ito's colours, in Reg order.
var (
	regColors = [numRegs]color.NRGBA{
		RegNone: hex(0x1B1D23), RegAFRINIC: hex(0xE69F00), RegAPNIC: hex(0x009E73), RegARIN: hex(0x0072B2),
		RegLACNIC: hex(0xCC79A7), RegRIPENCC: hex(0xD55E00), RegOther: hex(0xF0E442)}
	background   = hex(0x1B1D23)
	reservedGrey = hex(0x6B6F78)
	noCountry    = hex(0x9AA0A6)
	otherCountry = hex(0xC9B99A)
	faintGrey    = mix(background, hex(0x9AA0A6), 0.22)
	viridis      = []color.NRGBA{hex(0x440154), hex(0x3B528B), hex(0x21918C), hex(0x5EC962), hex(0xFDE725)}
	countryHues  = []color.NRGBA{hex(0x4E79A7), hex(0xF28E2B), hex(0xE15759), hex(0x76B7B2), hex(0x59A14F), hex(0xEDC948),
		hex(0xB07AA1), hex(0xFF9DA7), hex(0x9C755F), hex(0x86BCB6), hex(0xD37295), hex(0x8CD17D)}
)

// Shading: how much of a colour shows over the background, for a cell
// with no network, and for a sliver of one up to a whole cell.
const (
	faint   = 0.22
	sliver  = 0.55
	fullest = 1.0
)

func hex(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// mix is a share t of b over a.
func mix(a, b color.NRGBA, t float64) color.NRGBA {
	ch := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.NRGBA{R: ch(a.R, b.R), G: ch(a.G, b.G), B: ch(a.B, b.B), A: 0xff}
}

// Color is cell d's colour in a colouring.
func (g *Grid) Color(d int, m Mode) color.NRGBA {
	c := g.Cells[d]
	switch {
	case c.State == Reserved:
		return reservedGrey
	case m == ByCoverage:
		return ramp(share(c.Covered, c.Open))
	case c.State == Unregistered && m == ByCountry:
		return faintGrey
	case c.State == Unregistered:
		return mix(background, regColors[c.Reg], faint)
	}
	base := regColors[c.Reg]
	if m == ByCountry {
		base = g.countryColors[c.Country]
	}
	return mix(background, base, sliver+(fullest-sliver)*share(c.Covered, g.CellSize()))
}

// share is n of whole, at most 1 (networks may cover special-purpose
// space, which is not part of whole).
func share(n, whole uint32) float64 {
	if whole == 0 {
		return 0
	}
	return min(1, float64(n)/float64(whole))
}

// ramp is the viridis colour at t in [0, 1].
func ramp(t float64) color.NRGBA {
	seg := t * float64(len(viridis)-1)
	i := min(int(seg), len(viridis)-2)
	return mix(viridis[i], viridis[i+1], seg-float64(i))
}

// RegistryColor is a registry's full colour.
func RegistryColor(r Reg) color.NRGBA { return regColors[r] }

// LegendEntry is one line of a map's legend.
type LegendEntry struct {
	Label string
	Color color.NRGBA
}

// Legend explains a colouring of this grid: for countries, the twelve
// with hues of their own.
func (g *Grid) Legend(m Mode) []LegendEntry {
	var out []LegendEntry
	switch m {
	case ByRegistry:
		for r := RegAFRINIC; r < numRegs; r++ {
			out = append(out, LegendEntry{r.Title(), regColors[r]})
		}
		out = append(out, LegendEntry{"no network (faint: the registry IANA lists)", mix(background, regColors[RegARIN], faint)})
	case ByCoverage:
		for i := range 5 {
			out = append(out, LegendEntry{fmt.Sprintf("%d%% of the registrable space covered", 25*i), ramp(float64(i) / 4)})
		}
	case ByCountry:
		for i, code := range g.topCountries(len(countryHues)) {
			out = append(out, LegendEntry{code, countryHues[i]})
		}
		if len(g.Countries)-1 > len(countryHues) {
			out = append(out, LegendEntry{"other countries", otherCountry})
		}
		out = append(out, LegendEntry{"no country", noCountry}, LegendEntry{"no network", faintGrey})
	}
	return append(out, LegendEntry{"special-purpose or reserved", reservedGrey})
}

// colorCountries gives the twelve countries whose networks are the
// largest pieces of the most addresses of the view a hue each, in that
// order, and the rest one colour: a map tells its main countries apart,
// which hashing two hundred countries into twelve hues would not.
func (g *Grid) colorCountries() {
	g.countryColors = make([]color.NRGBA, len(g.Countries))
	for i := range g.countryColors {
		g.countryColors[i] = otherCountry
	}
	g.countryColors[0] = noCountry
	for i, n := range g.topCountryNums(len(countryHues)) {
		g.countryColors[n] = countryHues[i]
	}
}

// topCountries are the codes of topCountryNums.
func (g *Grid) topCountries(n int) []string {
	var out []string
	for _, i := range g.topCountryNums(n) {
		out = append(out, g.Countries[i])
	}
	return out
}

// topCountryNums are the n countries whose networks are the largest
// pieces of the most addresses, most first (of equals, by code).
func (g *Grid) topCountryNums(n int) []uint16 {
	sum := make([]uint64, len(g.Countries))
	for _, c := range g.Cells {
		sum[c.Country] += uint64(c.Covered)
	}
	var nums []uint16
	for i := 1; i < len(sum); i++ {
		if sum[i] > 0 {
			nums = append(nums, uint16(i))
		}
	}
	slices.SortFunc(nums, func(a, b uint16) int {
		if c := cmp.Compare(sum[b], sum[a]); c != 0 {
			return c
		}
		return cmp.Compare(g.Countries[a], g.Countries[b])
	})
	return nums[:min(n, len(nums))]
}
