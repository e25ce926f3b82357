// Package serve answers lookups over HTTP from the lookup index: Whip's
// API (GET /ip/{addr}, ?datetime=, POST /ip), so Whip's users can switch,
// RDAP (RFC 9082, 9083) under /rdap, so any RDAP client can, a health
// check, and WHOIS queries (RFC 3912) in RPSL on a port of their own
// (ServeWhois). It only reads, but for POST /admin/reload, which a bearer
// token guards; a new index is swapped in without dropping a request.
// Counters count what it answers, for the metrics package to export.
package serve

import (
	"sync/atomic"
	"time"

	"github.com/ipatlas/ipatlas/index"
)

// Live holds the index being served. Requests acquire it; a swap puts a
// new one in place at once and closes the old one when the last request
// that held it is done.
type Live struct {
	cur atomic.Pointer[held]
}

type held struct {
	ix       *index.Index
	users    atomic.Int64
	entities entityTable // RDAP's entities of ix, built on first use or by Swap
}

// NewLive serves ix.
func NewLive(ix *index.Index) *Live {
	l := &Live{}
	l.cur.Store(&held{ix: ix})
	return l
}

// acquire returns the current index, held until release is called. The
// re-check after counting closes the race with a swap that retired it in
// between.
func (l *Live) acquire() *held {
	for {
		h := l.cur.Load()
		h.users.Add(1)
		if l.cur.Load() == h {
			return h
		}
		h.users.Add(-1)
	}
}

func (h *held) release() { h.users.Add(-1) }

// Index is the index being served now, for reading its description; do
// not keep records from it past a swap.
func (l *Live) Index() *index.Index { return l.cur.Load().ix }

// Swap serves ix from now on and closes the index it replaces once no
// request holds it. When the index it replaces has answered an entity
// query, ix's entity table is built first, here rather than by the first
// entity query after the swap.
func (l *Live) Swap(ix *index.Index) {
	next := &held{ix: ix}
	if l.cur.Load().entities.built.Load() {
		next.entities.build(ix)
	}
	old := l.cur.Swap(next)
	for old.users.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
	old.ix.Close()
}

// Close closes the index being served; call it once serving has stopped.
func (l *Live) Close() error { return l.cur.Load().ix.Close() }
