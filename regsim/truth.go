package regsim

import (
	"encoding/json"
	"io"
	"math/big"
	"net/netip"

	"github.com/ipatlas/ipatlas"
)

// Step is one query of a perfect walk and the network it records.
type Step struct {
	Query netip.Addr // the address asked about
	Net   NetRef     // the most specific network holding it
}

// Walk calls f for each step of a perfect walk over the world: for every
// top-level block, query its first address, record the most specific network
// holding it, continue at that network's end + 1, stop past the block.
// It stops early when f returns false.
func (w *World) Walk(f func(Step) bool) {
	for _, is4 := range []bool{true, false} {
		t := w.table(is4)
		for top := range t {
			if t[top].parent >= 0 {
				continue
			}
			if !w.walkBlock(is4, t[top], f) {
				return
			}
		}
	}
}

func (w *World) walkBlock(is4 bool, top node, f func(Step) bool) bool {
	for cur := top.first; !top.last.Less(cur); {
		q := cur.Addr(is4)
		ref := w.Lookup(q)
		if !f(Step{Query: q, Net: ref}) {
			return false
		}
		end := w.node(ref).last
		if end == top.last {
			return true
		}
		cur = end.Add64(1)
	}
	return true
}

// Truth is what a perfect walk of the world records.
type Truth struct {
	Steps      []Step
	ByRegistry map[ipatlas.Registry]*RegistryTruth
}

// RegistryTruth is one registry's share of a perfect walk.
type RegistryTruth struct {
	Networks      int      `json:"networks"`       // networks recorded (= queries)
	TopLevel      int      `json:"top_level"`      // top-level blocks walked
	IPv4Addresses uint64   `json:"ipv4_addresses"` // IPv4 addresses covered
	IPv6Addresses *big.Int `json:"ipv6_addresses"` // IPv6 addresses covered
}

// Truth computes the ground truth: the exact list of networks a perfect walk
// records, with per-registry counts and the addresses covered.
func (w *World) Truth() *Truth {
	t := &Truth{ByRegistry: map[ipatlas.Registry]*RegistryTruth{}}
	for _, r := range registries {
		t.ByRegistry[r] = &RegistryTruth{IPv6Addresses: new(big.Int)}
	}
	for _, is4 := range []bool{true, false} {
		for _, n := range w.table(is4) {
			if n.parent < 0 {
				t.ByRegistry[registries[n.reg]].addTop(n, is4)
			}
		}
	}
	w.Walk(func(s Step) bool {
		t.Steps = append(t.Steps, s)
		t.ByRegistry[w.Registry(s.Net)].Networks++
		return true
	})
	return t
}

func (rt *RegistryTruth) addTop(n node, is4 bool) {
	rt.TopLevel++
	size := n.last.Sub(n.first).Add64(1)
	if is4 {
		rt.IPv4Addresses += size.Lo
		return
	}
	hi := new(big.Int).Lsh(new(big.Int).SetUint64(size.Hi), 64)
	rt.IPv6Addresses.Add(rt.IPv6Addresses, hi.Add(hi, new(big.Int).SetUint64(size.Lo)))
}

// TruthLine is one line of `ipatlas sim --truth`: a step of the perfect walk
// and the network it records.
type TruthLine struct {
	Query   netip.Addr      `json:"query"`
	Network ipatlas.Network `json:"network"`
}

// WriteTruth writes the perfect walk as JSON lines, one step a line.
func (w *World) WriteTruth(out io.Writer) error {
	enc := json.NewEncoder(out)
	var err error
	w.Walk(func(s Step) bool {
		err = enc.Encode(TruthLine{Query: s.Query, Network: w.Network(s.Net)})
		return err == nil
	})
	return err
}
