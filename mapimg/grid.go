package mapimg

import (
	"encoding/binary"
	"fmt"
	"image/color"
	"net/netip"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/hilbert"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/parallel"
)

// Curve is the layout of every map: 256×256 cells.
var Curve = hilbert.Curve{Order: 8}

// Cells is the number of cells of a map.
const Cells = 1 << 16

// Whole is the view of the whole IPv4 space, one /16 per cell.
var Whole = netip.MustParsePrefix("0.0.0.0/0")

// ParseView reads a view: an IPv4 prefix of length 0 to 16 (a /8, say,
// drawn at one /24 per cell). Host bits are cleared.
func ParseView(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("view %q: not an IPv4 prefix", s)
	}
	if p.Bits() > 16 {
		return netip.Prefix{}, fmt.Errorf("view %q: at most a /16 (drawn one address per cell)", s)
	}
	return p.Masked(), nil
}

// Reg is a registry as a map colours it.
type Reg uint8

// The registries a map tells apart: none (reserved space), the five RIRs,
// and any other name a network's record gives (a loaded file's own).
const (
	RegNone Reg = iota
	RegAFRINIC
	RegAPNIC
	RegARIN
	RegLACNIC
	RegRIPENCC
	RegOther
	numRegs
)

var regNames = [numRegs]ipatlas.Registry{"", ipatlas.AFRINIC, ipatlas.APNIC, ipatlas.ARIN, ipatlas.LACNIC, ipatlas.RIPENCC, "other"}

// Registry is the registry's name ("ripencc"; "other"; "" for none).
func (r Reg) Registry() ipatlas.Registry { return regNames[r] }

// Title is the registry's name as people write it ("RIPE NCC").
func (r Reg) Title() string {
	if r == RegOther {
		return "other"
	}
	return regNames[r].Title()
}

// RegOf is the Reg of a registry name in any common spelling.
func RegOf(name string) Reg {
	if strings.TrimSpace(name) == "" {
		return RegOther
	}
	r, err := ipatlas.ParseRegistry(name)
	if err != nil {
		return RegOther
	}
	for i, n := range regNames {
		if n == r {
			return Reg(i)
		}
	}
	return RegOther
}

// State is what a cell is, for colouring.
type State uint8

// A cell's states.
const (
	Unregistered State = iota // no network covers any of it
	Registered                // some network covers some of it
	Reserved                  // half of it or more is special-purpose or IANA-reserved
)

// Cell is what a map knows of one block of addresses.
type Cell struct {
	Covered uint32 // addresses some network covers
	Open    uint32 // addresses IANA gives a registry: not special-purpose, not reserved
	Reg     Reg    // the registry whose networks cover the most; if none, the one IANA lists
	Country uint16 // the country of the largest network piece, an index into Grid.Countries
	State   State
}

// Grid is a map's data: a cell per block of a view, in address order,
// which is the order along the curve. It holds no reference into the
// index it was computed from. Safe for concurrent reading.
type Grid struct {
	View      netip.Prefix
	Snapshot  index.Snapshot
	Cells     []Cell
	Countries []string // Countries[0] is "" (none)

	countryColors []color.NRGBA // by country number (see colorCountries)
}

// CellBits is the prefix length of a cell: 16 more than the view's.
func (g *Grid) CellBits() int { return g.View.Bits() + 16 }

// CellSize is the number of addresses in a cell.
func (g *Grid) CellSize() uint32 { return 1 << (32 - g.CellBits()) }

// Block is the prefix of cell d.
func (g *Grid) Block(d int) netip.Prefix {
	return netip.PrefixFrom(addr4(g.base()+uint32(d)*g.CellSize()), g.CellBits())
}

// CellAt is the index of the cell holding a, or -1 outside the view.
func (g *Grid) CellAt(a netip.Addr) int {
	if !g.View.Contains(a) {
		return -1
	}
	b := a.As4()
	return int((binary.BigEndian.Uint32(b[:]) - g.base()) / g.CellSize())
}

func (g *Grid) base() uint32 {
	b := g.View.Addr().As4()
	return binary.BigEndian.Uint32(b[:])
}

func addr4(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// Compute reads the cells of a view (see ParseView) from snapshot k of an
// index (an index into its Snapshots). It reads each segment of the view
// once and most records once, in chunks side by side.
func Compute(ix *index.Index, k int, view netip.Prefix) (*Grid, error) {
	snaps := ix.Snapshots()
	if k < 0 || k >= len(snaps) {
		return nil, fmt.Errorf("map: no snapshot %d (the index has %d)", k, len(snaps))
	}
	if !view.Addr().Is4() || view.Bits() > 16 || view != view.Masked() {
		return nil, fmt.Errorf("map: view %s: want an IPv4 prefix of length 0 to 16", view)
	}
	g := &Grid{View: view, Snapshot: snaps[k], Cells: make([]Cell, Cells), Countries: []string{""}}
	g.addSpace()
	parts := make([]*tally, chunks)
	parallel.For(chunks, func(i int) {
		t := newTally(g, i*Cells/chunks, (i+1)*Cells/chunks)
		first, _ := g.cellRange(t.lo)
		_, last := g.cellRange(t.hi - 1)
		for s := range ix.Spans4(k, first, last) {
			if s.Hit.Found() {
				t.add(s)
			}
		}
		t.finish()
		parts[i] = t
	})
	g.mergeCountries(parts)
	g.colorCountries()
	return g, nil
}

// chunks is how many pieces Compute cuts a view into: more than there
// are processors, as some parts of the space hold far more networks.
const chunks = 64

// cellRange is the first and last address of cell d, as numbers.
func (g *Grid) cellRange(d int) (first, last uint32) {
	first = g.base() + uint32(d)*g.CellSize()
	return first, first + (g.CellSize() - 1)
}

// addSpace counts each cell's registrable addresses and gives it the
// registry IANA lists for its /8 (a cell is never larger than a /16).
func (g *Grid) addSpace() {
	for _, h := range analytics.Space([]netip.Prefix{g.View}) {
		g.spread(h.Range, func(c *Cell, n uint32) { c.Open += n })
	}
	for d := range g.Cells {
		if r := iana.IPv4Slash8(g.Block(d).Addr().As4()[0]).Registry; r != "" {
			g.Cells[d].Reg = RegOf(string(r))
		}
	}
}

// spread calls fn with each cell a range of the view overlaps and the
// number of addresses they share.
func (g *Grid) spread(r ipatlas.Range, fn func(c *Cell, n uint32)) {
	f, l := r.From.As4(), r.To.As4()
	g.spreadNum(binary.BigEndian.Uint32(f[:]), binary.BigEndian.Uint32(l[:]), func(d int, n uint32) { fn(&g.Cells[d], n) })
}

// spreadNum is spread over numbered addresses, first to last, within the
// view; fn gets the cell's index.
func (g *Grid) spreadNum(first, last uint32, fn func(d int, n uint32)) {
	base, size := g.base(), g.CellSize()
	for d := (first - base) / size; d <= (last-base)/size; d++ {
		start := base + d*size
		lo, hi := max(first, start), min(last, start+(size-1))
		fn(int(d), hi-lo+1)
	}
}

// tally adds networks up per cell, for the cells lo to hi (exclusive):
// addresses per registry, and the largest piece's country, numbered in
// its own list of countries until mergeCountries renumbers them.
type tally struct {
	g       *Grid
	lo, hi  int
	perReg  [][numRegs]uint32 // from cell lo on
	largest []uint32
	// records remembers the records read lately: a network's segments
	// come between those of the networks nested in it, so its record
	// comes back soon, and rarely later.
	records   map[index.Hit]recordInfo
	regs      map[string]Reg
	countries map[string]uint16
	codes     []string // codes[0] is "" (none)
}

// recentRecords bounds tally.records.
const recentRecords = 4096

// recordInfo is what a map needs of a record.
type recordInfo struct {
	reg     Reg
	country uint16
}

func newTally(g *Grid, lo, hi int) *tally {
	return &tally{g: g, lo: lo, hi: hi, perReg: make([][numRegs]uint32, hi-lo), largest: make([]uint32, hi-lo),
		records: map[index.Hit]recordInfo{}, regs: map[string]Reg{}, countries: map[string]uint16{"": 0}, codes: []string{""}}
}

func (t *tally) add(s index.Span4) {
	info, ok := t.records[s.Hit]
	if !ok {
		if len(t.records) == recentRecords {
			clear(t.records)
		}
		info = t.read(s.Hit.Record())
		t.records[s.Hit] = info
	}
	t.g.spreadNum(s.First, s.Last, func(d int, n uint32) {
		c, i := &t.g.Cells[d], d-t.lo
		c.Covered += n
		t.perReg[i][info.reg] += n
		if n > t.largest[i] {
			t.largest[i], c.Country = n, info.country
		}
	})
}

// read takes the registry and country from a record (see topFields).
func (t *tally) read(rec []byte) recordInfo {
	reg, country, ok := topFields(rec)
	if !ok {
		return recordInfo{reg: RegOther}
	}
	return recordInfo{reg: t.reg(reg), country: t.country(country)}
}

// reg is RegOf, remembered: a snapshot spells a few registry names.
func (t *tally) reg(name []byte) Reg {
	r, ok := t.regs[string(name)]
	if !ok {
		r = RegOf(string(name))
		t.regs[string(name)] = r
	}
	return r
}

// country numbers a country code, as written, in the tally's list; the
// codes are normalised when merged.
func (t *tally) country(code []byte) uint16 {
	if i, ok := t.countries[string(code)]; ok {
		return i
	}
	i := uint16(min(len(t.codes), 0xffff))
	if i == 0xffff { // no real data has so many: the rest count as none
		return 0
	}
	t.codes = append(t.codes, string(code))
	t.countries[string(code)] = i
	return i
}

// finish gives each registered cell the registry covering most of it, and
// each cell its state.
func (t *tally) finish() {
	size := t.g.CellSize()
	for d := t.lo; d < t.hi; d++ {
		c := &t.g.Cells[d]
		switch {
		case uint64(c.Open)*2 <= uint64(size):
			c.State = Reserved
		case c.Covered > 0:
			c.State = Registered
		}
		if c.Covered > 0 {
			c.Reg = mostAddresses(&t.perReg[d-t.lo])
		}
	}
}

// mergeCountries numbers the tallies' countries in one list, upper case,
// and renumbers their cells.
func (g *Grid) mergeCountries(parts []*tally) {
	seen := map[string]uint16{"": 0}
	for _, t := range parts {
		renum := make([]uint16, len(t.codes))
		for i, code := range t.codes {
			code = strings.ToUpper(strings.TrimSpace(code))
			n, ok := seen[code]
			if !ok && len(g.Countries) <= 0xffff {
				n = uint16(len(g.Countries))
				g.Countries = append(g.Countries, code)
				seen[code] = n
			}
			renum[i] = n
		}
		for d := t.lo; d < t.hi; d++ {
			g.Cells[d].Country = renum[g.Cells[d].Country]
		}
	}
}

// mostAddresses is the registry with the most addresses; of equals, the
// first in Reg order.
func mostAddresses(n *[numRegs]uint32) Reg {
	best := Reg(0)
	for r := range numRegs {
		if n[r] > n[best] {
			best = r
		}
	}
	return best
}
