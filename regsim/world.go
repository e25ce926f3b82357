package regsim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// World is a simulated address space: every network each registry holds.
// It is immutable once built and safe for concurrent use.
type World struct {
	cfg      Config
	v4, v6   []node // each sorted in pre-order: first ascending, then last descending
	warnings []string
}

// kind is what a network is to its registry.
type kind uint8

const (
	kindAllocation    kind = iota // top level, allocated to an LIR/ISP (PA)
	kindAssignment                // top level, assigned to an end user (PI)
	kindSubAllocation             // nested, re-allocated to another provider
	kindSubAssignment             // nested, assigned to a customer
)

const (
	flagLegacy      uint8 = 1 << iota // in legacy space
	flagTransferred                   // held by a registry other than IANA's
)

// node is one network, held compactly; its published details are derived
// from it on demand (see attrs.go).
type node struct {
	first, last u128.U128
	parent      int32 // index of the enclosing network, -1 at the top level
	org         uint32
	regDay      uint16 // registration, in days since dayZero
	chgDay      uint16 // last change, in days since dayZero
	reg         uint8  // index into registries
	depth       uint8
	kind        kind
	flags       uint8
	cc          [2]byte // ISO 3166 country code
}

// dayZero is the origin of node dates.
var dayZero = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

var registries = ipatlas.Registries()

func regIndex(r ipatlas.Registry) uint8 {
	for i, x := range registries {
		if x == r {
			return uint8(i)
		}
	}
	panic("regsim: unknown registry " + string(r))
}

// New builds the world c describes.
func New(c Config) (*World, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	w := &World{cfg: c}
	jobs, err := w.blockJobs()
	if err != nil {
		return nil, err
	}
	results := runJobs(jobs)
	n4, n6 := 0, 0
	for i, j := range jobs {
		if j.is4 {
			n4 += len(results[i])
		} else {
			n6 += len(results[i])
		}
	}
	w.v4, w.v6 = make([]node, 0, n4), make([]node, 0, n6)
	for i, j := range jobs {
		if j.is4 {
			w.v4 = appendNodes(w.v4, results[i])
		} else {
			w.v6 = appendNodes(w.v6, results[i])
		}
	}
	return w, nil
}

// MustNew is New for tests and examples: it panics on a bad config.
func MustNew(c Config) *World {
	w, err := New(c)
	if err != nil {
		panic(err)
	}
	return w
}

// appendNodes appends one block's nodes, shifting their parent indices.
func appendNodes(dst, src []node) []node {
	off := int32(len(dst))
	for _, n := range src {
		if n.parent >= 0 {
			n.parent += off
		}
		dst = append(dst, n)
	}
	return dst
}

// blockJob is one independent piece of generation: an IANA block (or the
// part of it the config selected), with its own random stream so blocks can
// be built in parallel and a block's contents never depend on the others.
type blockJob struct {
	w      *World
	is4    bool
	prefix netip.Prefix
	reg    ipatlas.Registry
	legacy bool
	tops   []topSpec // preset top-level blocks (from delegated files)
}

// topSpec is a top-level block given from outside.
type topSpec struct {
	first, last u128.U128
	reg         ipatlas.Registry
	cc          string
	date        time.Time
	assigned    bool
}

func (w *World) blockJobs() ([]blockJob, error) {
	if w.cfg.Delegated != nil {
		return w.delegatedJobs()
	}
	jobs := append(w.worldBlocks(true), w.worldBlocks(false)...)
	return jobs, checkDisjoint(jobs)
}

// worldBlocks are the configured blocks of one IP version, in address
// order, each with the registry IANA gives it.
func (w *World) worldBlocks(is4 bool) []blockJob {
	var out []blockJob
	if is4 {
		for _, p := range sortedPrefixes(w.cfg.IPv4) {
			s := iana.IPv4Slash8(p.Addr().As4()[0])
			out = append(out, blockJob{w: w, is4: true, prefix: p.Masked(), reg: s.Registry, legacy: s.Status == iana.StatusLegacy})
		}
		return out
	}
	for _, p := range sortedPrefixes(w.cfg.IPv6) {
		b, _ := iana.IPv6BlockOf(p)
		out = append(out, blockJob{w: w, prefix: p.Masked(), reg: b.Registry})
	}
	return out
}

func sortedPrefixes(ps []netip.Prefix) []netip.Prefix {
	out := append([]netip.Prefix(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i].Masked().Addr().Less(out[j].Masked().Addr()) })
	return out
}

func checkDisjoint(jobs []blockJob) error {
	for i := 1; i < len(jobs); i++ {
		if jobs[i].is4 == jobs[i-1].is4 && jobs[i].prefix.Overlaps(jobs[i-1].prefix) {
			return fmt.Errorf("%w: blocks %s and %s overlap", ErrConfig, jobs[i-1].prefix, jobs[i].prefix)
		}
	}
	return nil
}

// runJobs builds every block, spreading them over the machine's cores.
func runJobs(jobs []blockJob) [][]node {
	out := make([][]node, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = jobs[i].build()
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// blockSeed derives a block's random stream from the world seed and the
// block's address, so a block builds the same whatever else is in the world.
func (j blockJob) rng() *rand.Rand {
	f := u128.FromAddr(j.prefix.Addr())
	return rand.New(rand.NewPCG(j.w.cfg.Seed, mix(f.Hi^uint64(j.prefix.Bits())<<56, f.Lo)))
}

// mix is a 64-bit hash of two words (splitmix64 finaliser).
func mix(a, b uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ b
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// freeRanges is the block minus IANA's special-purpose space.
func (j blockJob) freeRanges() []u128.Span {
	block := []u128.Span{{First: u128.FromAddr(j.prefix.Addr()), Last: u128.FromAddr(ipatlas.LastAddr(j.prefix))}}
	var special []u128.Span
	for _, s := range iana.Specials() {
		if s.Prefix.Addr().Is4() == j.is4 && s.Prefix.Overlaps(j.prefix) {
			special = append(special, u128.Span{First: u128.FromAddr(s.Prefix.Addr()), Last: u128.FromAddr(ipatlas.LastAddr(s.Prefix))})
		}
	}
	u128.SortSpans(special)
	var out []u128.Span
	u128.Gaps(block, special, func(_ int, g u128.Span) { out = append(out, g) })
	return out
}
