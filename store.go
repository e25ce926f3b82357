package ipatlas

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// Run is one crawl of the registries: a snapshot in the making.
type Run struct {
	ID       int64
	Started  time.Time
	Finished time.Time // zero while the run is in progress
	Params   string    // what was crawled (registries, scope), for people
	// Spills counts networks recorded that reach past their unit's end, into
	// space another unit may cover: while it is zero, no unit needs to ask
	// whether its start is already covered.
	Spills int64
}

// UnitKind says how a unit's space is known.
type UnitKind string

const (
	// UnitDelegated is space a delegated-stats file lists as allocated or
	// assigned: walked network by network.
	UnitDelegated UnitKind = "delegated"
	// UnitProbe is space a registry administers but lists nowhere: probed
	// once, and walked only if the probe finds a network.
	UnitProbe UnitKind = "probe"
)

// UnitState is where a unit is in its life.
type UnitState string

// Unit states.
const (
	UnitPending UnitState = "pending"
	UnitLeased  UnitState = "leased"
	UnitDone    UnitState = "done"
)

// Unit is a piece of work: a range of addresses one registry answers for,
// walked from its cursor to its end.
type Unit struct {
	ID       int64
	Run      int64
	Registry Registry
	Kind     UnitKind
	Range    Range
	Cursor   netip.Addr // next address to ask about; invalid once the unit is done
	State    UnitState
	// Digest is what the unit's delegated-stats record said (holder,
	// country, date, status), empty for probes: a refresh re-asks first
	// the units whose digest changed since the last run.
	Digest string
}

// Lease is a worker's claim on a unit. The token fences writes: a write
// carrying a token older than the unit's current one is refused.
type Lease struct {
	Unit    int64
	Token   int64
	Owner   string
	Expires time.Time
}

// Answer is the outcome of one query, committed together with the unit's
// new cursor so that a crash loses nothing and asks nothing twice.
type Answer struct {
	Lease   Lease
	Query   netip.Addr
	Network *Network   // the network recorded, nil when none (404, failure, skip)
	Failure *Failure   // why the address could not be answered, when it could not
	Cursor  netip.Addr // the unit's new cursor; invalid when the unit is done
	Raw     []byte     // the answer as received, when raw answers are kept
	// NetworkJSON is Network as the stores keep it (internal/netjson), when
	// whoever built the answer encoded it already: the crawl's walkers do,
	// in parallel, so a store's single writer does not have to. Stores
	// encode Network themselves when it is nil.
	NetworkJSON []byte
}

// Failure records an address that could not be answered after retries.
type Failure struct {
	Registry Registry
	Addr     netip.Addr
	SpanEnd  netip.Addr // the walk skipped from Addr to here; a retry walks it
	Reason   string
	Attempts int
	At       time.Time
}

// ErrStaleLease is returned when a write carries a lease that is no longer
// the unit's current one (it expired and another worker took the unit).
var ErrStaleLease = errors.New("stale lease")

// ErrNotFound is returned when an asked-for object does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnavailable marks a store error that trying again later may cure: the
// database restarting, a connection cut, a network blip. Callers that must
// not lose work (a crawl's commits) retry these with backoff; any other
// error is final.
var ErrUnavailable = errors.New("store unavailable")

// Backlog is what is left of a run's units: what a worker finding nothing
// to lease needs to know to decide whether to wait for other workers'
// leases to expire or stop. (Progress counts the units done.)
type Backlog struct {
	Pending int // units no one holds
	Leased  int // units held by a worker (this one or another), expired or not
	// NextExpiry is the earliest expiry among the leased units: a unit
	// whose holder died can be taken over then. Zero when none is leased.
	NextExpiry time.Time
}

// Left is how many units are not done.
func (b Backlog) Left() int { return b.Pending + b.Leased }

// Worker is one crawling process as the fleet sees it: who it is, where its
// requests leave from, and what it has done. Workers report themselves by
// heartbeat; the store's clock says when they were last seen.
type Worker struct {
	ID     string // the owner name its leases carry, unique per process
	Host   string
	Source string // the address its requests leave from; "" for the host's default
	// Budget names the request budget the worker shares with every live
	// worker of the same name: workers behind one address divide each
	// registry's rate between them.
	Budget  string
	Run     int64
	Started time.Time
	Seen    time.Time // the last heartbeat, by the store's clock
	Stopped time.Time // when it stopped cleanly; zero while it runs (or if it died)
	// Counts are what the worker did since it started, per registry, with
	// Rates its recent queries per second.
	Counts []Counts
	Rates  map[Registry]float64
}

// Progress counts a run's work, per registry. Coverage is kept per IP
// version: an IPv6 block's addresses would drown every IPv4 figure.
type Progress struct {
	Registry         Registry
	Units, UnitsDone int
	IPv4, IPv6       Coverage
	Networks         int
	Failures         int
	Counts           Counts // what the crawl's processes did, added up
}

// Counts are a crawl's counters for one registry: what was asked and what
// came back. Crawlers add theirs to the store as they go, so status can
// show them for a run that several processes (or restarts) worked on.
type Counts struct {
	Registry  Registry
	Queries   int64 // HTTP requests sent, redirects and retries included
	Answers   int64 // networks returned
	NotFound  int64 // 404s
	Redirects int64
	Throttled int64 // 429s and rate-limit notices
	Retries   int64
	Failures  int64 // addresses given up on
	Skipped   int64 // unit starts already covered by a recorded network
	Waited    time.Duration
}

// Add is c + o, field by field, keeping c's registry: totals over
// registries or over workers.
func (c Counts) Add(o Counts) Counts { return c.combine(o, 1) }

// Sub is c − o, field by field: what a counter gained since o.
func (c Counts) Sub(o Counts) Counts { return c.combine(o, -1) }

func (c Counts) combine(o Counts, sign int64) Counts {
	return Counts{Registry: c.Registry, Queries: c.Queries + sign*o.Queries, Answers: c.Answers + sign*o.Answers,
		NotFound: c.NotFound + sign*o.NotFound, Redirects: c.Redirects + sign*o.Redirects,
		Throttled: c.Throttled + sign*o.Throttled, Retries: c.Retries + sign*o.Retries,
		Failures: c.Failures + sign*o.Failures, Skipped: c.Skipped + sign*o.Skipped,
		Waited: c.Waited + time.Duration(sign)*o.Waited}
}

// Coverage is how many of a run's addresses the walk has passed.
type Coverage struct {
	Addresses float64 // addresses in the run's units
	Covered   float64 // addresses behind the cursors
}

// Percent is the share covered, 0 to 100 (100 when there is nothing to cover).
func (c Coverage) Percent() float64 {
	if c.Addresses == 0 {
		return 100
	}
	return 100 * c.Covered / c.Addresses
}

// Store keeps crawled networks and the work queue. Implementations are safe
// for concurrent use.
type Store interface {
	// LatestRun returns the most recent run, or ErrNotFound.
	LatestRun(ctx context.Context) (Run, error)
	// StartRun creates a run with its units, in one transaction.
	StartRun(ctx context.Context, params string, units []Unit) (Run, error)
	// FinishRun marks a run finished.
	FinishRun(ctx context.Context, run int64) error
	// Lease claims up to n pending (or expired) units of the run, of the
	// given registry ("" for any), in address order; none when none is left.
	Lease(ctx context.Context, run int64, reg Registry, owner string, ttl time.Duration, n int) ([]Unit, []Lease, error)
	// Renew extends a lease; ErrStaleLease when it was lost.
	Renew(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// Commit applies answers in one transaction. Answers carrying a stale
	// lease are skipped; their indexes are returned.
	Commit(ctx context.Context, answers []Answer) (stale []int, err error)
	// Covering returns a network recorded in the run that holds a.
	Covering(ctx context.Context, run int64, a netip.Addr) (Range, bool, error)
	// Units lists the run's units in the order they are leased.
	Units(ctx context.Context, run int64) ([]Unit, error)
	// CarryOver copies into run to the networks run from recorded inside
	// each of the given units of run to (those starting in the unit's
	// range), and marks those units done: a refresh keeps what it need not
	// ask again. It returns the networks copied.
	CarryOver(ctx context.Context, from, to int64, units []int64) (int, error)
	// Networks calls fn for each network of the run in address order, IPv4 first.
	Networks(ctx context.Context, run int64, fn func(Network) error) error
	// Progress reports the run's work per registry.
	Progress(ctx context.Context, run int64) ([]Progress, error)
	// Failures lists the run's failed addresses.
	Failures(ctx context.Context, run int64) ([]Failure, error)
	// AddCounts adds counters (deltas since the last call) to the run's.
	AddCounts(ctx context.Context, run int64, counts []Counts) error
	// RetryFailures turns the run's failures back into pending units and
	// reopens the run.
	RetryFailures(ctx context.Context, run int64) (int, error)
	// Backlog counts the run's units of reg ("" for any) that are not done.
	// It reads only those, so it stays cheap for a run of many units: a
	// fleet's feeders ask often at the end of a run.
	Backlog(ctx context.Context, run int64, reg Registry) (Backlog, error)
	// Heartbeat records that w is alive, with its counters, and returns how
	// many live workers share its budget, itself included: a worker is live
	// while its last heartbeat is younger than alive and it has not stopped.
	Heartbeat(ctx context.Context, w Worker, alive time.Duration) (int, error)
	// Workers lists every worker that ever reported, most recently seen
	// first.
	Workers(ctx context.Context) ([]Worker, error)
	Close() error
}
