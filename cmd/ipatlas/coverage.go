package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/sqlite"
)

const coverageAbout = `Measure how much of the registered space a snapshot of the database (the
latest, or --at) covers, per registry, and list the holes: registered ranges
no network of the snapshot holds, largest first.

The registered space is what the crawl that made the snapshot planned from the
delegated-stats files: its units of allocated and assigned space (not the
probes of space no file lists). A loaded snapshot has no crawl: give
--delegated with the files to plan from, as 'ipatlas crawl' would (also to
measure a crawled snapshot against newer files).

--format json writes one document:
  {"snapshot": {"id", "datetime", "source", "records"}, "registered_from": "crawl run N" or [URL|FILE…],
   "ipv4" and "ipv6": {"registered", "covered", "percent", "holes", "hole_addresses",
     "registries": [{"registry", "registered", "covered", "percent", "holes", "hole_addresses"}],
     "largest_holes": [{"begin", "end", "registry", "addresses"}]}}
Address counts are exact integers (IPv6 ones pass 2^53); percent is covered
as a share of registered, 100 when nothing is registered. --format csv writes
one row per registry and per hole, with the header
  family,figure,rank,registry,begin,end,addresses,covered,percent,holes
where figure is total or registry (addresses: registered; holes: how many) or
hole (addresses: its size).`

// coverageFlags are the flags of `coverage`.
type coverageFlags struct {
	db, at, format, within string
	delegated              multiFlag
	limit                  int
}

func runCoverage(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "coverage", "[flags]", coverageAbout)
	var f coverageFlags
	fs.StringVar(&f.db, "db", "ipatlas.db", "the embedded database `FILE`")
	fs.StringVar(&f.at, "at", "", atFlagHelp)
	fs.StringVar(&f.format, "format", "table", "output `format`: table, csv or json")
	fs.Var(&f.delegated, "delegated", "plan the registered space from these delegated-stats `URL|FILE[,…]` (repeatable) instead of the crawl's units")
	fs.StringVar(&f.within, "within", "", "with --delegated: plan only inside these `PREFIXES` (comma-separated), as 'ipatlas crawl --within' does")
	fs.IntVar(&f.limit, "limit", 20, "how many of the largest holes to list per IP version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	snap, recs, err := snapshotState(ctx, f.db, f.at)
	if err != nil {
		return err
	}
	registered, from, err := f.registered(ctx, snap)
	if err != nil {
		return err
	}
	networks := make([]ipatlas.Range, len(recs))
	for i, r := range recs {
		networks[i] = r.Range
	}
	rep := analytics.Coverage(registered, networks, f.limit)
	return writeCoverage(e.stdout, f.format, coverageDoc{snapshotRef{snap.ID, snap.Datetime, snap.Source, snap.Records}, from, rep})
}

func (f *coverageFlags) check() error {
	if err := checkFormat(f.format, "table", "csv", "json"); err != nil {
		return err
	}
	if err := atLeastOne("limit", f.limit); err != nil {
		return err
	}
	if f.within != "" && len(f.delegated) == 0 {
		return usageErr("--within plans from --delegated files; a crawl's units are already its scope")
	}
	return embeddedOnly("coverage", f.db)
}

// registered is the registered space to measure against, and where it
// comes from: the delegated files' plan, or the snapshot's crawl run.
func (f *coverageFlags) registered(ctx context.Context, snap ipatlas.Snapshot) ([]analytics.Held, any, error) {
	if len(f.delegated) > 0 {
		locs := delegatedLocs(f.delegated, nil)
		within, err := parsePrefixes("--within", f.within)
		if err != nil {
			return nil, nil, err
		}
		files, err := readDelegated(ctx, locs)
		if err != nil {
			return nil, nil, err
		}
		plan, err := crawl.MakePlan(crawl.PlanInput{Delegated: files, Within: within})
		if err != nil {
			return nil, nil, err
		}
		return heldUnits(plan.Units), locs, nil
	}
	run, ok := crawl.SnapshotRun(snap)
	if !ok {
		return nil, nil, usageErr("%s is not a crawl's: give --delegated URL|FILE… to plan the registered space from", describeSnapshot(snap))
	}
	units, err := readStore(ctx, f.db, func(s *sqlite.Store) ([]ipatlas.Unit, error) { return s.Units(ctx, run) })
	if err == nil && len(units) == 0 {
		err = fmt.Errorf("%s: %s has no units in the database: give --delegated URL|FILE… to plan the registered space from", f.db, describeSnapshot(snap))
	}
	return heldUnits(units), snap.Source, err
}

// heldUnits is the units of allocated and assigned space; probes are of
// space no delegated file lists, registered to no one as far as the plan
// knows.
func heldUnits(units []ipatlas.Unit) []analytics.Held {
	var out []analytics.Held
	for _, u := range units {
		if u.Kind == ipatlas.UnitDelegated {
			out = append(out, analytics.Held{Registry: u.Registry, Range: u.Range})
		}
	}
	return out
}

// coverageDoc is what `coverage --format json` writes.
type coverageDoc struct {
	Snapshot       snapshotRef `json:"snapshot"`
	RegisteredFrom any         `json:"registered_from"` // the run, or the delegated files
	analytics.CoverageReport
}

func writeCoverage(out io.Writer, format string, doc coverageDoc) error {
	w := bufio.NewWriter(out)
	var err error
	switch format {
	case "json":
		err = writeJSONDoc(w, doc)
	case "csv":
		err = csvRows(w, []string{"family", "figure", "rank", "registry", "begin", "end", "addresses", "covered", "percent", "holes"},
			append(coverageCSV("ipv4", doc.IPv4), coverageCSV("ipv6", doc.IPv6)...))
	default:
		writeCoverageTable(w, doc)
	}
	if err != nil {
		return err
	}
	return w.Flush()
}

func coverageCSV(family string, c analytics.FamilyCoverage) [][]string {
	row := func(figure string, r analytics.RegistryCoverage) []string {
		return []string{family, figure, "", string(r.Registry), "", "", r.Registered.String(), r.Covered.String(),
			strconv.FormatFloat(r.Percent, 'g', -1, 64), strconv.Itoa(r.Holes)}
	}
	rows := [][]string{row("total", c.RegistryCoverage)}
	for _, r := range c.Registries {
		rows = append(rows, row("registry", r))
	}
	for i, h := range c.Largest {
		rows = append(rows, []string{family, "hole", strconv.Itoa(i + 1), string(h.Registry), h.Range.From.String(),
			h.Range.To.String(), h.Addresses.String(), "", "", ""})
	}
	return rows
}

func writeCoverageTable(w *bufio.Writer, doc coverageDoc) {
	from := fmt.Sprint(doc.RegisteredFrom)
	if locs, ok := doc.RegisteredFrom.([]string); ok {
		from = "the plan of " + strings.Join(locs, ", ")
	}
	s := doc.Snapshot
	fmt.Fprintf(w, "snapshot %d (%s, %s, %s ranges) against the registered space of %s\n", s.ID, s.Datetime, s.Source,
		grouped(strconv.Itoa(s.Records)), from)
	writeFamilyCoverage(w, unit{true}, doc.IPv4)
	writeFamilyCoverage(w, unit{false}, doc.IPv6)
}

func writeFamilyCoverage(w *bufio.Writer, u unit, c analytics.FamilyCoverage) {
	fmt.Fprintf(w, "\n%s: %s of %s registered %s covered (%s); %s holes, %s %s\n", familyTitle(u),
		u.of(c.Covered), u.of(c.Registered), u.name(), percentText(c.Percent), grouped(strconv.Itoa(c.Holes)),
		u.of(c.HoleAddresses), u.name())
	if len(c.Registries) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "REGISTRY\tREGISTERED\tCOVERED\t%%\tHOLES\tIN HOLES\n")
	for _, r := range c.Registries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Registry, u.of(r.Registered), u.of(r.Covered),
			percentText(r.Percent), grouped(strconv.Itoa(r.Holes)), u.of(r.HoleAddresses))
	}
	tw.Flush()
	if len(c.Largest) > 0 {
		fmt.Fprintln(w, "\nlargest holes:")
		writeRanges(w, u, c.Largest)
	}
}
