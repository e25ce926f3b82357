package analytics_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
)

// refBlock is a random block inside one of two /16s, as offsets into a
// 2×65536-address bitmap.
type refBlock struct {
	first, last int
	reg         ipatlas.Registry
}

var refBases = [2]netip.Addr{netip.MustParseAddr("13.0.0.0"), netip.MustParseAddr("193.0.0.0")}

func (b refBlock) toBlock() analytics.Block {
	base := refBases[b.first>>16]
	return analytics.Block{Range: ipatlas.Range{From: addrPlus(base, b.first&0xffff), To: addrPlus(base, b.last&0xffff)}, Registry: b.reg}
}

func addrPlus(a netip.Addr, n int) netip.Addr {
	v := a.As4()
	u := uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]) + uint32(n)
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func randomBlocks(r *rand.Rand, n int) []refBlock {
	regs := ipatlas.Registries()
	out := make([]refBlock, n)
	for i := range out {
		half := r.IntN(2) << 16
		first := half + r.IntN(65536)
		size := 1 + r.IntN(1<<uint(r.IntN(14)))
		out[i] = refBlock{first: first, last: min(first+size-1, half+65535), reg: regs[r.IntN(len(regs))]}
		if r.IntN(8) == 0 && i > 0 { // an exact duplicate now and then
			out[i] = out[r.IntN(i)]
		}
	}
	return out
}

// refOwner is the index of the top-level block that owns address a, the
// slow way: of the blocks holding a that no other block holds, the one
// that starts first (widest, then earliest given, on a tie); -1 when none.
func refOwner(bs []refBlock, top []bool, a int) int {
	best := -1
	for i, b := range bs {
		if !top[i] || a < b.first || a > b.last {
			continue
		}
		if best < 0 || b.first < bs[best].first || (b.first == bs[best].first && b.last > bs[best].last) {
			best = i
		}
	}
	return best
}

// refTop marks the blocks no other block contains (of equal ones, the
// first given).
func refTop(bs []refBlock) []bool {
	top := make([]bool, len(bs))
	for j, b := range bs {
		top[j] = true
		for i, o := range bs {
			if i != j && o.first <= b.first && o.last >= b.last && (o.first != b.first || o.last != b.last || i < j) {
				top[j] = false
				break
			}
		}
	}
	return top
}

// TestAnalyzeMatchesReference compares Analyze with an address-by-address
// count on random, overlapping, nested and duplicated blocks.
func TestAnalyzeMatchesReference(t *testing.T) {
	t.Parallel()
	within := []netip.Prefix{netip.MustParsePrefix("13.0.0.0/16"), netip.MustParsePrefix("193.0.0.0/16")}
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		bs := randomBlocks(r, 1+r.IntN(60))
		blocks := make([]analytics.Block, len(bs))
		for i, b := range bs {
			blocks[i] = b.toBlock()
		}
		got := analytics.Analyze(blocks, analytics.Options{Within: within, Gaps: 1000})
		if want := reference(bs); fmt.Sprint(summary(got.IPv4)) != fmt.Sprint(want) {
			t.Fatalf("seed %d: %d blocks\n got %+v\nwant %+v", seed, len(bs), summary(got.IPv4), want)
		}
	}
}

// refSummary is what the reference checks.
type refSummary struct {
	TopLevel, Held, Gaps, GapAddresses int
	ByRegistry                         map[ipatlas.Registry]int
}

func summary(f analytics.Family) refSummary {
	s := refSummary{TopLevel: f.TopLevel, Gaps: f.Gaps.Count, ByRegistry: map[ipatlas.Registry]int{}}
	held, _ := f.Addresses.Uint64()
	gaps, _ := f.Gaps.Addresses.Uint64()
	s.Held, s.GapAddresses = int(held), int(gaps)
	for _, t := range f.Registries {
		if n, _ := t.Addresses.Uint64(); n > 0 {
			s.ByRegistry[ipatlas.Registry(t.Key)] = int(n)
		}
	}
	return s
}

func reference(bs []refBlock) refSummary {
	top := refTop(bs)
	s := refSummary{ByRegistry: map[ipatlas.Registry]int{}}
	for _, t := range top {
		if t {
			s.TopLevel++
		}
	}
	inGap := false
	for a := range 2 << 16 {
		if a&0xffff == 0 {
			inGap = false // each /16 is its own span of the space
		}
		o := refOwner(bs, top, a)
		if o >= 0 {
			s.Held++
			s.ByRegistry[bs[o].reg]++
			inGap = false
			continue
		}
		s.GapAddresses++
		if !inGap {
			s.Gaps++
			inGap = true
		}
	}
	return s
}
