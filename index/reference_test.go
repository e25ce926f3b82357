package index_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
)

// The reference answers every question by looking at every record of every
// snapshot: slow and obviously right.

type world struct {
	snaps  []ipatlas.Snapshot
	states [][]ipatlas.Record
}

// refHit is the reference's answer: the records (JSON decoded) from the
// most specific network out.
type refHit []map[string]any

// covering is every record of snapshot k holding a, most specific first:
// smaller first, and of equal sizes the one starting later.
func (w *world) covering(k int, a netip.Addr) []ipatlas.Record {
	var out []ipatlas.Record
	for _, r := range w.states[k] {
		if r.Range.Contains(a) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(x, y ipatlas.Record) int {
		if c := x.Range.Size().Cmp(y.Range.Size()); c != 0 {
			return c
		}
		return y.Range.From.Compare(x.Range.From)
	})
	return out
}

// firstSeen is the snapshot from which r was held without a break up to k.
func (w *world) firstSeen(k int, r ipatlas.Record) int {
	for k > 0 && slices.ContainsFunc(w.states[k-1], r.Same) {
		k--
	}
	return k
}

func (w *world) record(k int, r ipatlas.Record) map[string]any {
	m := map[string]any{}
	if err := json.Unmarshal(r.Payload, &m); err != nil {
		panic(err)
	}
	m["begin"], m["end"] = r.Range.From.String(), r.Range.To.String()
	m["datetime"] = w.snaps[w.firstSeen(k, r)].Datetime
	return m
}

func (w *world) at(k int, a netip.Addr) refHit {
	var out refHit
	for _, r := range w.covering(k, a) {
		out = append(out, w.record(k, r))
	}
	return out
}

func decodeHit(t *testing.T, h index.Hit) refHit {
	t.Helper()
	if !h.Found() {
		return nil
	}
	var out refHit
	for _, b := range append([][]byte{h.Record()}, h.Parents(nil)...) {
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("record %q: %v", b, err)
		}
		out = append(out, m)
	}
	return out
}

// randomWorld makes snapshots over a small universe of addresses near the
// ends of both families and in the middle, so ranges share edges, nest,
// overlap, leave gaps, change, vanish and come back.
func randomWorld(rng *rand.Rand, snapshots, ranges int) *world {
	points := []netip.Addr{}
	for _, base := range []string{"0.0.0.0", "10.0.0.0", "255.255.255.200", "::", "2001:db8::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00"} {
		a := netip.MustParseAddr(base)
		for range 12 {
			points = append(points, a)
			for range 1 + rng.IntN(20) {
				if n := a.Next(); n.IsValid() {
					a = n
				}
			}
		}
		points = append(points, a)
	}
	randomRange := func() ipatlas.Range {
		for {
			x, y := points[rng.IntN(len(points))], points[rng.IntN(len(points))]
			if x.Is4() != y.Is4() {
				continue
			}
			if y.Less(x) {
				x, y = y, x
			}
			return ipatlas.Range{From: x, To: y}
		}
	}
	payload := func() []byte {
		return fmt.Appendf(nil, `{"org":"org-%d","country":"C%d","n":%d}`, rng.IntN(5), rng.IntN(3), rng.IntN(2))
	}
	w := &world{}
	var state []ipatlas.Record
	for k := range snapshots {
		next := map[ipatlas.Range][]byte{}
		for _, r := range state {
			switch rng.IntN(10) {
			case 0: // removed
			case 1, 2:
				next[r.Range] = payload()
			default:
				next[r.Range] = r.Payload
			}
		}
		for len(next) < ranges && rng.IntN(ranges) != 0 {
			next[randomRange()] = payload()
		}
		if k == 0 && rng.IntN(2) == 0 {
			next[ipatlas.Range{From: netip.MustParseAddr("0.0.0.0"), To: netip.MustParseAddr("255.255.255.255")}] = []byte(`{}`)
		}
		state = state[:0:0]
		for r, p := range next {
			state = append(state, ipatlas.Record{Range: r, Payload: p})
		}
		slices.SortFunc(state, ipatlas.CompareRecords)
		at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*k)
		w.snaps = append(w.snaps, ipatlas.Snapshot{ID: int64(k + 1), At: at, Datetime: at.Format("2006-01-02")})
		w.states = append(w.states, state)
	}
	return w
}

// timeline turns the world into stored history, as a store would keep it.
func (w *world) timeline(t testing.TB) []history.Stored {
	var pending []history.Pending
	for k, s := range w.snaps {
		pending = append(pending, history.Pending{Snapshot: s, Records: w.states[k]})
	}
	return historytest.Timeline(t, pending)
}

// probes are every edge of every range (first, last, one before, one
// after), the ends of both families, and some random addresses.
func (w *world) probes(rng *rand.Rand) []netip.Addr {
	out := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("255.255.255.255"),
		netip.MustParseAddr("::"), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
		netip.MustParseAddr("::ffff:10.0.0.5")}
	for _, st := range w.states {
		for _, r := range st {
			out = append(out, r.Range.From, r.Range.To, r.Range.From.Prev(), r.Range.To.Next())
		}
	}
	for range 50 {
		b := make([]byte, 4+12*rng.IntN(2))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		a, _ := netip.AddrFromSlice(b)
		out = append(out, a)
	}
	return slices.DeleteFunc(out, func(a netip.Addr) bool { return !a.IsValid() })
}

func build(t testing.TB, w *world) *index.Index {
	t.Helper()
	return historytest.Index(t, w.timeline(t))
}

func TestLookupsMatchTheReference(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := randomWorld(rng, 1+rng.IntN(6), 1+rng.IntN(40))
		ix := build(t, w)
		if err := ix.Verify(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		n := len(w.snaps)
		for _, a := range w.probes(rng) {
			ua := a.Unmap()
			check := func(what string, got index.Hit, want refHit) {
				t.Helper()
				if g := decodeHit(t, got); !reflect.DeepEqual(g, want) {
					t.Fatalf("seed %d, %s %s:\n got %v\nwant %v", seed, what, a, g, want)
				}
			}
			check("latest", ix.Latest(a), w.at(n-1, ua))
			check("before the first snapshot", ix.At(a, w.snaps[0].At.Add(-time.Nanosecond)), nil)
			for k := range n {
				check(fmt.Sprintf("at snapshot %d", k), ix.At(a, w.snaps[k].At), w.at(k, ua))
				check(fmt.Sprintf("just after snapshot %d", k), ix.At(a, w.snaps[k].At.Add(time.Hour)), w.at(k, ua))
			}
			checkHistory(t, seed, ix, w, a)
		}
	}
}

// checkHistory compares History with the reference's runs of the same
// most specific record, newest first.
func checkHistory(t *testing.T, seed uint64, ix *index.Index, w *world, a netip.Addr) {
	t.Helper()
	type run struct {
		rec         map[string]any
		from, until int
	}
	var want []run
	for k := range w.snaps {
		c := w.covering(k, a.Unmap())
		if len(c) == 0 {
			continue
		}
		rec := w.record(k, c[0])
		if l := len(want) - 1; l >= 0 && want[l].until == k && reflect.DeepEqual(want[l].rec, rec) {
			want[l].until = k + 1
			continue
		}
		want = append(want, run{rec, k, k + 1})
	}
	slices.Reverse(want)
	var got []run
	for _, v := range ix.History(a, nil) {
		got = append(got, run{decodeHit(t, v.Hit)[0], v.From, v.Until})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("seed %d, history of %s:\n got %v\nwant %v", seed, a, got, want)
	}
}
