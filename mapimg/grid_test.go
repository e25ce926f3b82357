package mapimg_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/mapimg"
)

var registries = []string{"arin", "RIPE NCC", "apnic", "lacnic", "afrinic", "examplenic", ""}

func num(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func payload(rng *rand.Rand) []byte {
	reg := registries[rng.IntN(len(registries))]
	if reg == "" {
		return fmt.Appendf(nil, `{"name":"NET-%d"}`, rng.IntN(1000))
	}
	return fmt.Appendf(nil, `{"registry":%q,"country":"%c%c","name":"NET-%d"}`, reg, 'a'+rng.IntN(3), 'A'+rng.IntN(3), rng.IntN(1000))
}

// disjointRecords are n ranges between lo and hi that do not overlap,
// with gaps between some of them.
func disjointRecords(rng *rand.Rand, n int, lo, hi uint32) []ipatlas.Record {
	cuts := make([]uint32, 0, 2*n)
	for range 2 * n {
		cuts = append(cuts, lo+uint32(rng.Uint64N(uint64(hi-lo)+1)))
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var out []ipatlas.Record
	for i := 0; i+1 < len(cuts); i += 2 {
		out = append(out, ipatlas.Record{Range: ipatlas.Range{From: addr(cuts[i]), To: addr(cuts[i+1])}, Payload: payload(rng)})
	}
	return out
}

func indexOf(t testing.TB, states ...[]ipatlas.Record) *index.Index {
	t.Helper()
	var pending []history.Pending
	for k, st := range states {
		at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*k)
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: at.Format("2006-01-02")}, Records: st})
	}
	return historytest.Index(t, historytest.Timeline(t, pending))
}

// fields decodes a record's registry and country as the map reads them.
func fields(t testing.TB, rec []byte) (mapimg.Reg, string) {
	var f struct{ Registry, Country string }
	if err := json.Unmarshal(rec, &f); err != nil {
		t.Fatal(err)
	}
	return mapimg.RegOf(f.Registry), strings.ToUpper(f.Country)
}

// openRef counts a cell's registrable addresses the slow way: none in a
// /8 IANA gives no registry, else all but the special-purpose ones.
func openRef(block netip.Prefix) uint32 {
	if iana.IPv4Slash8(block.Addr().As4()[0]).Registry == "" {
		return 0
	}
	first, last := num(block.Addr()), num(block.Addr())+uint32(1<<(32-block.Bits())-1)
	n := last - first + 1
	for _, s := range iana.Specials() {
		if !s.Prefix.Addr().Is4() {
			continue
		}
		sf, sl := num(s.Prefix.Addr()), num(s.Prefix.Addr())+uint32(uint64(1)<<(32-s.Prefix.Bits())-1)
		if lo, hi := max(sf, first), min(sl, last); lo <= hi {
			n -= hi - lo + 1
		}
	}
	return n
}

// TestComputeAddressByAddress: in a /16 view each cell is one address,
// so each must be what a lookup of that address finds, nested networks
// and all, in every snapshot.
func TestComputeAddressByAddress(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := num(netip.MustParseAddr("62.1.0.0")), num(netip.MustParseAddr("62.1.255.255"))
	outer := disjointRecords(rng, 40, lo, hi)
	inner := disjointRecords(rng, 200, lo, hi)
	first := append(slices.Clone(outer), inner[:100]...)
	second := append(slices.Clone(outer[5:]), inner[50:]...)
	for _, st := range [][]ipatlas.Record{first, second} {
		slices.SortFunc(st, ipatlas.CompareRecords)
	}
	ix := indexOf(t, first, second)
	view := netip.MustParsePrefix("62.1.0.0/16")
	for k, snap := range ix.Snapshots() {
		g, err := mapimg.Compute(ix, k, view)
		if err != nil {
			t.Fatal(err)
		}
		for d, c := range g.Cells {
			a := addr(lo + uint32(d))
			h := ix.At(a, snap.At)
			want := mapimg.Cell{Open: 1, Reg: mapimg.RegRIPENCC}
			if h.Found() {
				reg, country := fields(t, h.Record())
				want = mapimg.Cell{Covered: 1, Open: 1, Reg: reg, Country: c.Country, State: mapimg.Registered}
				if g.Countries[c.Country] != country {
					t.Fatalf("snapshot %d, %s: country %q, want %q", k, a, g.Countries[c.Country], country)
				}
			}
			if c != want || g.Block(d) != netip.PrefixFrom(a, 32) || g.CellAt(a) != d {
				t.Fatalf("snapshot %d, cell %d (%s): %+v, want %+v for %s", k, d, g.Block(d), c, want, a)
			}
		}
	}
}

// TestComputeWholeSpace: one /16 per cell over the whole space, against
// sums worked out range by range.
func TestComputeWholeSpace(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	recs := disjointRecords(rng, 3000, 0, 1<<32-1)
	g, err := mapimg.Compute(indexOf(t, recs), 0, mapimg.Whole)
	if err != nil {
		t.Fatal(err)
	}
	covered := make([]uint32, mapimg.Cells)
	perReg := make([]map[mapimg.Reg]uint32, mapimg.Cells)
	for _, r := range recs {
		reg, _ := fields(t, r.Payload)
		for v := uint64(num(r.Range.From)); v <= uint64(num(r.Range.To)); v = (v | 0xffff) + 1 {
			n := uint32(min(v|0xffff, uint64(num(r.Range.To))) - v + 1)
			d := v >> 16
			covered[d] += n
			if perReg[d] == nil {
				perReg[d] = map[mapimg.Reg]uint32{}
			}
			perReg[d][reg] += n
		}
	}
	for d, c := range g.Cells {
		block := g.Block(d)
		if c.Covered != covered[d] || c.Open != openRef(block) {
			t.Fatalf("%s: covered %d of which registrable %d, want %d and %d", block, c.Covered, c.Open, covered[d], openRef(block))
		}
		if c.Covered > 0 && perReg[d][c.Reg] != slices.Max(mapsValues(perReg[d])) {
			t.Fatalf("%s: registry %s covers %d, but another covers %v", block, c.Reg.Title(), perReg[d][c.Reg], perReg[d])
		}
		checkState(t, block, c, g.CellSize())
	}
}

func mapsValues(m map[mapimg.Reg]uint32) []uint32 {
	var out []uint32
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func checkState(t *testing.T, block netip.Prefix, c mapimg.Cell, size uint32) {
	t.Helper()
	want := mapimg.Unregistered
	switch {
	case uint64(c.Open)*2 <= uint64(size):
		want = mapimg.Reserved
	case c.Covered > 0:
		want = mapimg.Registered
	}
	if c.State != want {
		t.Fatalf("%s: state %d, want %d (%+v)", block, c.State, want, c)
	}
	iana8 := iana.IPv4Slash8(block.Addr().As4()[0]).Registry
	if c.Covered == 0 && c.Reg.Registry() != iana8 {
		t.Fatalf("%s: no network, registry %q, want IANA's %q", block, c.Reg.Registry(), iana8)
	}
}

// TestReservedAndUnregistered: private, multicast and documentation space
// reads as reserved, a registry's empty space as its own unregistered
// space.
func TestReservedAndUnregistered(t *testing.T) {
	t.Parallel()
	g, err := mapimg.Compute(indexOf(t, []ipatlas.Record{historytest.Record("13.0.0.0", "13.0.255.255", `{"registry":"arin","country":"US"}`)}), 0, mapimg.Whole)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr  string
		state mapimg.State
		reg   mapimg.Reg
	}{
		{"13.0.0.0", mapimg.Registered, mapimg.RegARIN}, {"13.1.0.0", mapimg.Unregistered, mapimg.RegARIN},
		{"41.0.0.0", mapimg.Unregistered, mapimg.RegAFRINIC}, {"10.9.0.0", mapimg.Reserved, mapimg.RegNone},
		{"192.168.0.0", mapimg.Reserved, mapimg.RegARIN}, {"230.0.0.0", mapimg.Reserved, mapimg.RegNone},
		{"192.0.0.0", mapimg.Unregistered, mapimg.RegARIN}, // two special /24s of 256 do not make it reserved
	} {
		c := g.Cells[g.CellAt(netip.MustParseAddr(tc.addr))]
		if c.State != tc.state || c.Reg != tc.reg {
			t.Errorf("%s: state %d, registry %q; want %d, %q", tc.addr, c.State, c.Reg.Title(), tc.state, tc.reg.Title())
		}
	}
}

func TestComputeRefusesBadArguments(t *testing.T) {
	t.Parallel()
	ix := indexOf(t, nil)
	for _, tc := range []struct {
		k    int
		view string
	}{{1, "0.0.0.0/0"}, {-1, "0.0.0.0/0"}, {0, "10.0.0.0/17"}, {0, "10.0.0.1/8"}, {0, "::/0"}} {
		if _, err := mapimg.Compute(ix, tc.k, netip.MustParsePrefix(tc.view)); err == nil {
			t.Errorf("snapshot %d, view %s: no error", tc.k, tc.view)
		}
	}
	if v, err := mapimg.ParseView("13.1.2.3/8"); err != nil || v.String() != "13.0.0.0/8" {
		t.Errorf("ParseView(13.1.2.3/8) = %v, %v", v, err)
	}
	for _, s := range []string{"13.0.0.0/24", "2001:db8::/32", "13"} {
		if _, err := mapimg.ParseView(s); err == nil {
			t.Errorf("ParseView(%q): no error", s)
		}
	}
}

// BenchmarkComputeWhole maps the whole space of a large snapshot:
// 1,000,000 disjoint ranges, each with its own record.
func BenchmarkComputeWhole(b *testing.B) {
	recs := disjointRecords(rand.New(rand.NewPCG(5, 6)), 1_000_000, 0, 1<<32-1)
	ix := indexOf(b, recs)
	for b.Loop() {
		if _, err := mapimg.Compute(ix, 0, mapimg.Whole); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "networks/s")
}
