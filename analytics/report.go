package analytics

import (
	"cmp"
	"encoding/json"
	"net/netip"
	"slices"

	"github.com/ipatlas/ipatlas"
)

// Options tune Analyze. The zero value is ready to use.
type Options struct {
	// Within limits the analysis to the networks that overlap these
	// prefixes, and the space to them. Defaults to everywhere.
	Within []netip.Prefix
	// Top is how many rows each ranking of countries and holders keeps.
	// Defaults to 10.
	Top int
	// Gaps is how many of the largest gaps are listed. Defaults to 10.
	Gaps int
}

func (o Options) withDefaults() Options {
	if o.Top <= 0 {
		o.Top = 10
	}
	if o.Gaps <= 0 {
		o.Gaps = 10
	}
	return o
}

// Report is what Analyze finds, per IP version. Its JSON field names are
// stable: `ipatlas stats --format json` writes it as is.
type Report struct {
	IPv4 Family `json:"ipv4"`
	IPv6 Family `json:"ipv6"`
}

// Family is the figures of one IP version. Addresses are counted inside
// the space only, and from top-level networks only; network counts
// include nested networks.
type Family struct {
	Space     Count   `json:"space"`     // addresses of the space the figures are measured against
	Networks  int     `json:"networks"`  // every network, nested ones too
	TopLevel  int     `json:"top_level"` // networks no other one contains
	NonCIDR   int     `json:"non_cidr"`  // top-level networks that are not a single prefix
	Addresses Count   `json:"addresses"` // addresses of the space some network holds
	Percent   float64 `json:"percent"`   // Addresses as a share of Space, 0 to 100
	// Outside is the addresses of top-level networks outside the space.
	Outside Count `json:"outside"`
	// Sizes is the allocation-size histogram: prefixes of the top-level
	// networks' exact CIDR covers, by registry and prefix length.
	Sizes []Size `json:"sizes"`
	// Registries is each registry's share of the space, the five RIRs
	// always, then any other name the data gives, alphabetically.
	Registries []Tally `json:"registries"`
	Gaps       Gaps    `json:"gaps"`
	Countries  Ranking `json:"countries"`
	Holders    Ranking `json:"holders"`
	Types      []Tally `json:"types"`    // most networks first
	Statuses   []Tally `json:"statuses"` // most networks first
}

// Size is one row of the allocation-size histogram.
type Size struct {
	Registry ipatlas.Registry `json:"registry"`
	Bits     int              `json:"prefix_length"`
	Prefixes int              `json:"prefixes"`
}

// Tally is the figures of the networks sharing one value of a field (a
// registry, a country, a holder, a type, a status); Key "" is the
// networks that do not say.
type Tally struct {
	Key       string  `json:"key"`
	Networks  int     `json:"networks"`  // every network with this value, nested ones too
	Blocks    int     `json:"blocks"`    // top-level networks with this value
	Addresses Count   `json:"addresses"` // addresses of the space its top-level networks hold
	Percent   float64 `json:"percent"`   // Addresses as a share of the space, 0 to 100
}

// Ranking is the top rows of a tally both ways.
type Ranking struct {
	ByAddresses []Tally `json:"by_addresses"` // most addresses first
	ByCount     []Tally `json:"by_count"`     // most top-level networks first
}

// Gaps is the space no network holds.
type Gaps struct {
	Count     int     `json:"count"`
	Addresses Count   `json:"addresses"`
	Percent   float64 `json:"percent"` // of the space, 0 to 100
	Largest   []Gap   `json:"largest"` // largest first
}

// Gap is a range of the space no network holds (a gap), or of the
// registered space no network of a snapshot holds (a hole), with the
// registry it belongs to.
type Gap struct {
	Range     ipatlas.Range
	Registry  ipatlas.Registry
	Addresses Count
}

// MarshalJSON writes {"begin", "end", "registry", "addresses"}.
func (g Gap) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Begin     netip.Addr       `json:"begin"`
		End       netip.Addr       `json:"end"`
		Registry  ipatlas.Registry `json:"registry"`
		Addresses Count            `json:"addresses"`
	}{g.Range.From, g.Range.To, g.Registry, g.Addresses})
}

// largestFirst orders gaps by size, then address.
func largestFirst(a, b Gap) int {
	if c := b.Addresses.v.Cmp(a.Addresses.v); c != 0 {
		return c
	}
	return a.Range.From.Compare(b.Range.From)
}

// byAddresses orders tallies by addresses, then top-level networks, then
// key.
func byAddresses(a, b Tally) int {
	if c := b.Addresses.v.Cmp(a.Addresses.v); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(b.Blocks, a.Blocks), cmp.Compare(a.Key, b.Key))
}

// byCount orders tallies by top-level networks, then addresses, then key.
func byCount(a, b Tally) int {
	if c := cmp.Compare(b.Blocks, a.Blocks); c != 0 {
		return c
	}
	return cmp.Or(b.Addresses.v.Cmp(a.Addresses.v), cmp.Compare(a.Key, b.Key))
}

// byNetworks orders tallies by networks, then key.
func byNetworks(a, b Tally) int {
	return cmp.Or(cmp.Compare(b.Networks, a.Networks), cmp.Compare(a.Key, b.Key))
}

// top is the first n of ts in the order given. A snapshot has as many
// holders as networks, nearly, and a ranking wants ten: rows that do not
// beat the n-th best so far are passed over, so most cost one compare.
func top(ts []Tally, n int, order func(a, b Tally) int) []Tally {
	best := make([]Tally, 0, min(n, len(ts))+1)
	for _, t := range ts {
		if len(best) == n && order(t, best[n-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, t, order)
		best = slices.Insert(best, i, t)
		if len(best) > n {
			best = best[:n]
		}
	}
	return best
}
