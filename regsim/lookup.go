package regsim

import (
	"net/netip"
	"sort"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// NetRef points at one network of a World. The zero value points at nothing.
type NetRef struct {
	is4 bool
	i   int32 // index+1, so the zero value is "none"
}

// Valid reports whether r points at a network.
func (r NetRef) Valid() bool { return r.i > 0 }

func (w *World) table(is4 bool) []node {
	if is4 {
		return w.v4
	}
	return w.v6
}

func (w *World) node(r NetRef) node { return w.table(r.is4)[r.i-1] }

// Lookup returns the most specific network holding a, as the registry that
// holds it would answer, or an invalid NetRef when a is unregistered.
func (w *World) Lookup(a netip.Addr) NetRef {
	a = a.Unmap()
	if !a.IsValid() {
		return NetRef{}
	}
	t, x := w.table(a.Is4()), u128.FromAddr(a)
	i := sort.Search(len(t), func(i int) bool { return x.Less(t[i].first) }) - 1
	for i >= 0 && t[i].last.Less(x) {
		i = int(t[i].parent)
	}
	if i < 0 {
		return NetRef{}
	}
	return NetRef{is4: a.Is4(), i: int32(i + 1)}
}

// Holder returns the registry that holds a (after transfers), or "" when a
// is unregistered.
func (w *World) Holder(a netip.Addr) ipatlas.Registry {
	r := w.Lookup(a)
	if !r.Valid() {
		return ""
	}
	return registries[w.node(r).reg]
}

// Range is the network's first and last address.
func (w *World) Range(r NetRef) ipatlas.Range {
	n := w.node(r)
	return ipatlas.Range{From: n.first.Addr(r.is4), To: n.last.Addr(r.is4)}
}

// Registry is the registry that holds the network.
func (w *World) Registry(r NetRef) ipatlas.Registry { return registries[w.node(r).reg] }

// Parent is the enclosing network, or an invalid NetRef at the top level.
func (w *World) Parent(r NetRef) NetRef {
	p := w.node(r).parent
	if p < 0 {
		return NetRef{}
	}
	return NetRef{is4: r.is4, i: p + 1}
}

// Len is the number of networks in the world, IPv4 and IPv6.
func (w *World) Len() int { return len(w.v4) + len(w.v6) }

// Each calls f for every network in address order, IPv4 first.
func (w *World) Each(f func(NetRef) bool) {
	for _, is4 := range []bool{true, false} {
		for i := range w.table(is4) {
			if !f(NetRef{is4: is4, i: int32(i + 1)}) {
				return
			}
		}
	}
}

// TopLevel reports whether r is a top-level block (one a delegated-stats
// file lists).
func (w *World) TopLevel(r NetRef) bool { return w.node(r).parent < 0 }

// Warnings lists what was dropped or adjusted while building the world
// (overlapping delegated records, for example).
func (w *World) Warnings() []string { return append([]string(nil), w.warnings...) }

// Config is the configuration the world was built from, defaults applied.
func (w *World) Config() Config { return w.cfg }
