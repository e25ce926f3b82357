package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
)

// writeStats writes a report in the format asked for.
func writeStats(out io.Writer, format string, src statsSource, rep analytics.Report) error {
	w := bufio.NewWriter(out)
	var err error
	switch format {
	case "json":
		err = writeJSONDoc(w, struct {
			Source statsSource `json:"source"`
			analytics.Report
		}{src, rep})
	case "csv":
		err = csvRows(w, statsCSVHeader, append(statsCSV("ipv4", rep.IPv4), statsCSV("ipv6", rep.IPv6)...))
	default:
		err = writeStatsTable(w, src, rep)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

var statsCSVHeader = []string{"family", "figure", "rank", "registry", "key", "begin", "end", "networks", "count", "addresses", "percent"}

// csvRow is one row of the stats CSV: fields a figure does not have stay
// empty, and a zero it has is written.
type csvRow struct {
	figure, rank, registry, key, begin, end, networks, count string
	addresses                                                *analytics.Count
	percent                                                  *float64
}

func (r csvRow) fields(family string) []string {
	var addrs, pct string
	if r.addresses != nil {
		addrs = r.addresses.String()
	}
	if r.percent != nil {
		pct = strconv.FormatFloat(*r.percent, 'g', -1, 64)
	}
	return []string{family, r.figure, r.rank, r.registry, r.key, r.begin, r.end, r.networks, r.count, addrs, pct}
}

// statsCSV is a family's figures as CSV rows.
func statsCSV(family string, f analytics.Family) [][]string {
	itoa := strconv.Itoa
	rows := []csvRow{
		{figure: "space", addresses: &f.Space},
		{figure: "summary", networks: itoa(f.Networks), count: itoa(f.TopLevel), addresses: &f.Addresses, percent: &f.Percent},
		{figure: "outside", addresses: &f.Outside},
		{figure: "non_cidr", count: itoa(f.NonCIDR)},
	}
	for _, s := range f.Sizes {
		rows = append(rows, csvRow{figure: "size", registry: string(s.Registry), key: "/" + itoa(s.Bits), count: itoa(s.Prefixes)})
	}
	for _, t := range f.Registries {
		rows = append(rows, csvRow{figure: "registry", registry: t.Key, networks: itoa(t.Networks), count: itoa(t.Blocks),
			addresses: &t.Addresses, percent: &t.Percent})
	}
	g := f.Gaps
	rows = append(rows, csvRow{figure: "gaps", count: itoa(g.Count), addresses: &g.Addresses, percent: &g.Percent})
	for i, gap := range g.Largest {
		pct := gap.Addresses.Percent(f.Space)
		rows = append(rows, csvRow{figure: "gap", rank: itoa(i + 1), registry: string(gap.Registry), begin: gap.Range.From.String(),
			end: gap.Range.To.String(), addresses: &gap.Addresses, percent: &pct})
	}
	rows = tallyRows(rows, "country_by_addresses", f.Countries.ByAddresses)
	rows = tallyRows(rows, "country_by_count", f.Countries.ByCount)
	rows = tallyRows(rows, "holder_by_addresses", f.Holders.ByAddresses)
	rows = tallyRows(rows, "holder_by_count", f.Holders.ByCount)
	rows = tallyRows(rows, "type", f.Types)
	rows = tallyRows(rows, "status", f.Statuses)
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = r.fields(family)
	}
	return out
}

func tallyRows(rows []csvRow, figure string, ts []analytics.Tally) []csvRow {
	for i, t := range ts {
		rows = append(rows, csvRow{figure: figure, rank: strconv.Itoa(i + 1), key: t.Key, networks: strconv.Itoa(t.Networks),
			count: strconv.Itoa(t.Blocks), addresses: &t.Addresses, percent: &t.Percent})
	}
	return rows
}

// writeStatsTable writes the report for people: a section per figure.
func writeStatsTable(w *bufio.Writer, src statsSource, rep analytics.Report) error {
	switch {
	case src.Snapshot != nil:
		s := src.Snapshot
		fmt.Fprintf(w, "snapshot %d (%s, %s, %s ranges)", s.ID, s.Datetime, s.Source, grouped(strconv.Itoa(s.Records)))
	default:
		fmt.Fprintf(w, "delegated stats: %s", strings.Join(src.Delegated, ", "))
	}
	if len(src.Within) > 0 {
		fmt.Fprintf(w, ", within %s", strings.Join(src.Within, ", "))
	}
	fmt.Fprintln(w)
	writeFamilyTable(w, unit{true}, rep.IPv4)
	writeFamilyTable(w, unit{false}, rep.IPv6)
	return nil
}

func writeFamilyTable(w *bufio.Writer, u unit, f analytics.Family) {
	fmt.Fprintf(w, "\n%s: %s networks, %s top level (%s not a single prefix)\n", familyTitle(u), grouped(strconv.Itoa(f.Networks)),
		grouped(strconv.Itoa(f.TopLevel)), grouped(strconv.Itoa(f.NonCIDR)))
	fmt.Fprintf(w, "  %s of the space's %s %s held (%s); %s more outside the space\n",
		u.of(f.Addresses), u.of(f.Space), u.name(), percentText(f.Percent), u.of(f.Outside))
	if f.Networks > 0 {
		writeSizes(w, f.Sizes)
		writeTallies(w, u, "registries", "REGISTRY", f.Registries)
	}
	writeGaps(w, u, f)
	if f.Networks == 0 {
		return
	}
	writeTallies(w, u, "top countries by addresses", "COUNTRY", f.Countries.ByAddresses)
	writeTallies(w, u, "top countries by count", "COUNTRY", f.Countries.ByCount)
	writeTallies(w, u, "top holders by addresses", "HOLDER", f.Holders.ByAddresses)
	writeTallies(w, u, "top holders by count", "HOLDER", f.Holders.ByCount)
	writeTallies(w, u, "types", "TYPE", f.Types)
	writeTallies(w, u, "statuses", "STATUS", f.Statuses)
}

// familyTitle names a family, and the unit its table counts in.
func familyTitle(u unit) string {
	if u.is4 {
		return "IPv4"
	}
	return "IPv6 (counted in /48s)"
}

// writeSizes writes the size histogram as analysts lay it out: a row per
// prefix length, a column per registry.
func writeSizes(w *bufio.Writer, sizes []analytics.Size) {
	var regs []ipatlas.Registry
	var lengths []int
	count := map[analytics.Size]int{}
	for _, s := range sizes {
		if !slices.Contains(regs, s.Registry) {
			regs = append(regs, s.Registry)
		}
		if !slices.Contains(lengths, s.Bits) {
			lengths = append(lengths, s.Bits)
		}
		count[analytics.Size{Registry: s.Registry, Bits: s.Bits}] = s.Prefixes
	}
	slices.Sort(lengths)
	fmt.Fprintln(w, "\nallocation sizes (prefixes of the top-level networks)")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "PREFIX\t")
	for _, r := range regs {
		fmt.Fprintf(tw, "%s\t", strings.ToUpper(orNone(r.Title())))
	}
	fmt.Fprintln(tw, "ALL\t")
	for _, bits := range lengths {
		fmt.Fprintf(tw, "/%d\t", bits)
		all := 0
		for _, r := range regs {
			n := count[analytics.Size{Registry: r, Bits: bits}]
			all += n
			fmt.Fprintf(tw, "%s\t", grouped(strconv.Itoa(n)))
		}
		fmt.Fprintf(tw, "%s\t\n", grouped(strconv.Itoa(all)))
	}
	tw.Flush()
}

func writeTallies(w *bufio.Writer, u unit, title, keyName string, ts []analytics.Tally) {
	fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tNETWORKS\tTOP LEVEL\t%s\t%% OF SPACE\n", keyName, strings.ToUpper(u.name()))
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", orNone(t.Key), grouped(strconv.Itoa(t.Networks)), grouped(strconv.Itoa(t.Blocks)),
			u.of(t.Addresses), percentText(t.Percent))
	}
	tw.Flush()
}

func writeGaps(w *bufio.Writer, u unit, f analytics.Family) {
	g := f.Gaps
	fmt.Fprintf(w, "\nunregistered gaps: %s, %s %s (%s of the space)", grouped(strconv.Itoa(g.Count)),
		u.of(g.Addresses), u.name(), percentText(g.Percent))
	if len(g.Largest) == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "; the largest:")
	writeRanges(w, u, g.Largest)
}

// writeRanges lists gaps or holes: range, registry, size.
func writeRanges(w *bufio.Writer, u unit, gaps []analytics.Gap) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RANGE\tREGISTRY\t%s\n", strings.ToUpper(u.name()))
	for _, g := range gaps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Range, orNone(string(g.Registry)), u.of(g.Addresses))
	}
	tw.Flush()
}

// percentText shows a share for people: two decimals, or two significant
// digits when smaller than that (an IPv6 registry's share of the space).
func percentText(p float64) string {
	if p > 0 && p < 0.01 {
		return strconv.FormatFloat(p, 'g', 2, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 2, 64) + "%"
}
