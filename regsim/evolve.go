package regsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Evolve returns the world as it is at a later date: a share of its
// top-level blocks (rounded, at least one) re-registered since (a new holder, maybe a new country, a
// registration date after the world's epoch, new sub-allocations and
// assignments inside), every other network unchanged. Each changed block's
// delegated-stats record changes with it (date and holder id), as a real
// registry's does when it re-registers a block. It returns the new world
// and the changed blocks' ranges, so that tests of refreshes know exactly
// what a refresh must find. The same seed changes the same blocks.
func (w *World) Evolve(share float64, seed uint64, at time.Time) (*World, []ipatlas.Range, error) {
	if share < 0 || share > 1 {
		return nil, nil, fmt.Errorf("regsim: evolve share %v: want 0 to 1", share)
	}
	if !at.After(w.cfg.Epoch) {
		return nil, nil, fmt.Errorf("regsim: evolve to %s: want a date after the world's epoch %s", at.Format(time.DateOnly), w.cfg.Epoch.Format(time.DateOnly))
	}
	next := &World{cfg: w.cfg, warnings: w.warnings}
	next.cfg.Epoch = at
	rng := rand.New(rand.NewPCG(seed, w.cfg.Seed))
	pick := w.pickTops(share, rng)
	var changed []ipatlas.Range
	for _, is4 := range []bool{true, false} {
		nodes, ch := next.evolveTable(w.table(is4), is4, pick[is4], rng, w.epochDay())
		if is4 {
			next.v4 = nodes
		} else {
			next.v6 = nodes
		}
		changed = append(changed, ch...)
	}
	return next, changed, nil
}

// pickTops chooses round(share × blocks) top-level blocks (at least one
// when share > 0), by their index in their family's table.
func (w *World) pickTops(share float64, rng *rand.Rand) map[bool]map[int]bool {
	type top struct {
		is4 bool
		i   int
	}
	var tops []top
	for _, is4 := range []bool{true, false} {
		for i, n := range w.table(is4) {
			if n.parent < 0 {
				tops = append(tops, top{is4, i})
			}
		}
	}
	k := int(math.Round(share * float64(len(tops))))
	if share > 0 && k == 0 && len(tops) > 0 {
		k = 1
	}
	pick := map[bool]map[int]bool{true: {}, false: {}}
	for _, j := range rng.Perm(len(tops))[:k] {
		pick[tops[j].is4][tops[j].i] = true
	}
	return pick
}

func (w *World) epochDay() int { return int(w.cfg.Epoch.Sub(dayZero).Hours() / 24) }

// evolveTable copies one family's networks, re-registering the picked
// top-level blocks. Networks are in pre-order, so a block's
// descendants follow it until the next top-level network.
func (w *World) evolveTable(old []node, is4 bool, pick map[int]bool, rng *rand.Rand, since int) ([]node, []ipatlas.Range) {
	out := make([]node, 0, len(old))
	var changed []ipatlas.Range
	for i := 0; i < len(old); {
		end := i + 1
		for end < len(old) && old[end].parent >= 0 {
			end++
		}
		if pick[i] {
			out = appendNodes(out, w.reregister(old[i], is4, rng, since))
			changed = append(changed, ipatlas.Range{From: old[i].first.Addr(is4), To: old[i].last.Addr(is4)})
		} else {
			out = appendNodes(out, rebase(old[i:end], i))
		}
		i = end
	}
	return out, changed
}

// rebase makes a block's parent indices relative to the block, as
// appendNodes expects of a freshly built block.
func rebase(block []node, at int) []node {
	out := make([]node, len(block))
	for j, n := range block {
		if n.parent >= 0 {
			n.parent -= int32(at)
		}
		out[j] = n
	}
	return out
}

// reregister builds a top-level block anew over the same space and
// registry: a new holder registered after since, new children.
func (w *World) reregister(top node, is4 bool, rng *rand.Rand, since int) []node {
	b := &builder{job: blockJob{w: w, is4: is4, reg: registries[top.reg]}, rng: rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))}
	n := node{first: top.first, last: top.last, parent: -1, reg: top.reg, kind: top.kind, flags: top.flags, cc: top.cc}
	n.org = b.rng.Uint32() & orgMask
	if b.rng.Float64() < 0.3 {
		n.cc = b.drawCountry(n.reg)
	}
	n.regDay = uint16(since + 1 + b.rng.IntN(max(b.epochDay()-since, 1)))
	b.finish(&n)
	b.nodes = append(b.nodes, n)
	b.addChildren(0)
	return b.nodes
}
