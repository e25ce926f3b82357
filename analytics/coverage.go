package analytics

import (
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/u128"
)

// CoverageReport is how much of the registered space a snapshot's
// networks hold, per IP version. Its JSON field names are stable:
// `ipatlas coverage --format json` writes it as is.
type CoverageReport struct {
	IPv4 FamilyCoverage `json:"ipv4"`
	IPv6 FamilyCoverage `json:"ipv6"`
}

// FamilyCoverage is the coverage of one IP version: in total, per
// registry, and the largest holes.
type FamilyCoverage struct {
	RegistryCoverage
	Registries []RegistryCoverage `json:"registries"` // the registries with registered space
	Largest    []Gap              `json:"largest_holes"`
}

// RegistryCoverage is how much of a registry's registered space some
// network holds. Registry is "" in a family's total.
type RegistryCoverage struct {
	Registry      ipatlas.Registry `json:"registry,omitempty"`
	Registered    Count            `json:"registered"`     // addresses registered
	Covered       Count            `json:"covered"`        // of those, addresses some network holds
	Percent       float64          `json:"percent"`        // Covered as a share of Registered; 100 when nothing is registered
	Holes         int              `json:"holes"`          // ranges no network holds
	HoleAddresses Count            `json:"hole_addresses"` // addresses in them
}

// Coverage measures how much of the registered space (a crawl's units,
// or a delegated-stats plan's) the networks hold, and lists the largest
// holes of each IP version, up to limit (0: none). Registered ranges may
// come in any order; where two overlap the earlier-starting one's
// registry keeps the overlap. Networks may nest and overlap.
func Coverage(registered []Held, networks []ipatlas.Range, limit int) CoverageReport {
	var reg [2][]regSpan
	var nets [2][]u128.Span
	for _, h := range registered {
		if h.Range.IsValid() {
			f := familyOf(h.Range.Is4())
			reg[f] = append(reg[f], regSpan{spanOfRange(h.Range), h.Registry})
		}
	}
	for _, r := range networks {
		if r.IsValid() {
			f := familyOf(r.Is4())
			nets[f] = append(nets[f], spanOfRange(r))
		}
	}
	return CoverageReport{
		IPv4: familyCoverage(reg[v4], nets[v4], limit, true),
		IPv6: familyCoverage(reg[v6], nets[v6], limit, false),
	}
}

func familyCoverage(reg []regSpan, nets []u128.Span, limit int, is4 bool) FamilyCoverage {
	reg = disjoint(reg)
	u128.SortSpans(nets)
	per := map[ipatlas.Registry]*RegistryCoverage{}
	row := func(r ipatlas.Registry) *RegistryCoverage {
		if per[r] == nil {
			per[r] = &RegistryCoverage{Registry: r}
		}
		return per[r]
	}
	plain := make([]u128.Span, len(reg))
	for i, s := range reg {
		plain[i] = s.Span
		row(s.reg).Registered = row(s.reg).Registered.add(spanSize(s.Span))
	}
	var holes []Gap
	u128.Gaps(plain, nets, func(i int, g u128.Span) {
		holes = append(holes, Gap{Range: rangeOfSpan(g, is4), Registry: reg[i].reg, Addresses: spanSize(g)})
		r := row(reg[i].reg)
		r.Holes++
		r.HoleAddresses = r.HoleAddresses.add(spanSize(g))
	})
	var out FamilyCoverage
	for _, r := range per {
		r.finish()
		out.Registries = append(out.Registries, *r)
		out.Registered, out.Holes = out.Registered.add(r.Registered), out.Holes+r.Holes
		out.HoleAddresses = out.HoleAddresses.add(r.HoleAddresses)
	}
	out.finish()
	slices.SortFunc(out.Registries, func(a, b RegistryCoverage) int { return compareRegistries(a.Registry, b.Registry) })
	slices.SortFunc(holes, largestFirst)
	out.Largest = holes[:min(max(limit, 0), len(holes))]
	return out
}

func (r *RegistryCoverage) finish() {
	r.Covered = r.Registered.sub(r.HoleAddresses)
	r.Percent = 100
	if !r.Registered.v.IsZero() {
		r.Percent = r.Covered.Percent(r.Registered)
	}
}

// disjoint sorts registered spans and makes them disjoint: spans of one
// registry that overlap or meet become one, and a span overlapping
// another registry's earlier one loses the overlap.
func disjoint(spans []regSpan) []regSpan {
	sortSpans(spans)
	var out []regSpan
	for _, s := range spans {
		n := len(out)
		if n == 0 || out[n-1].Last.Less(s.First) && out[n-1].Last.Add64(1) != s.First {
			out = append(out, s)
			continue
		}
		last := &out[n-1]
		switch {
		case !last.Last.Less(s.Last): // inside the one before
		case last.reg == s.reg:
			last.Last = s.Last
		default:
			if !last.Last.Less(s.First) {
				s.First = last.Last.Add64(1)
			}
			out = append(out, s)
		}
	}
	return out
}
