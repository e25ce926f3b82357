package main

import (
	"context"
	"flag"
	"net/netip"

	"github.com/ipatlas/ipatlas/analytics"
)

const statsAbout = `Analyse a snapshot of the database (the latest, or --at) or, with --delegated,
the registries' delegated-stats files alone, no database needed: allocation
sizes per registry, each registry's share of the address space, the
unregistered gaps, the top countries and holders, and networks per type and
status. IPv4 and IPv6 are reported apart.

Address figures count each address once: from the top-level networks (those no
other network contains, decided by containment, not by parent handles) and
only inside the space IANA gives the registries (its RIR /8s and IPv6 blocks
less its special-purpose blocks: 3,702,258,432 IPv4 addresses). Sizes count
prefixes: a top-level network that is not one prefix is split into the fewest
that cover it exactly (768 addresses: a /23 and a /24). From delegated files
the blocks are the allocated and assigned records, and the holder is the
record's opaque id (extended files only). The holder of a crawled network is
its registrant entity's organisation or name; of a loaded range, its "org".

--format json writes one document:
  {"source": {"snapshot": {"id", "datetime", "source", "records"}, "delegated": [...], "within": [...]},
   "ipv4" and "ipv6": {"space", "networks", "top_level", "non_cidr", "addresses", "percent", "outside",
     "sizes": [{"registry", "prefix_length", "prefixes"}],
     "registries", "types", "statuses": [TALLY],
     "countries", "holders": {"by_addresses": [TALLY], "by_count": [TALLY]},
     "gaps": {"count", "addresses", "percent", "largest": [{"begin", "end", "registry", "addresses"}]}}}
  TALLY = {"key", "networks" (nested ones too), "blocks" (top level), "addresses", "percent" (of the space)}
Address counts are exact integers (IPv6 ones pass 2^53). --format csv writes
one row per figure, with the header
  family,figure,rank,registry,key,begin,end,networks,count,addresses,percent
where figure is space, summary, outside, non_cidr, size (count: prefixes),
registry, gaps (count: gaps), gap, country_by_addresses, country_by_count,
holder_by_addresses, holder_by_count, type or status (count: top-level
networks).`

// statsFlags are the flags of `stats`.
type statsFlags struct {
	db, at, format, within string
	delegated              multiFlag
	top, gaps              int
}

func (f *statsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.db, "db", "ipatlas.db", "the embedded database `FILE`")
	fs.StringVar(&f.at, "at", "", atFlagHelp)
	fs.StringVar(&f.format, "format", "table", "output `format`: table, csv or json")
	fs.Var(&f.delegated, "delegated", "analyse these delegated-stats `URL|FILE[,…]` instead of a database (repeatable; more may follow as arguments)")
	fs.StringVar(&f.within, "within", "", "analyse only the networks overlapping these `PREFIXES` (comma-separated), and measure against them")
	fs.IntVar(&f.top, "top", 10, "rows in each ranking of countries and holders")
	fs.IntVar(&f.gaps, "gaps", 10, "how many of the largest gaps to list")
}

// statsSource says what the figures are of.
type statsSource struct {
	Snapshot  *snapshotRef `json:"snapshot,omitempty"`
	Delegated []string     `json:"delegated,omitempty"`
	Within    []string     `json:"within,omitempty"`
}

type snapshotRef struct {
	ID       int64  `json:"id"`
	Datetime string `json:"datetime"`
	Source   string `json:"source"`
	Records  int    `json:"records"`
}

func runStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "stats", "[flags] [--delegated URL|FILE…]", statsAbout)
	var f statsFlags
	f.register(fs)
	args, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	within, err := f.check(fs, args)
	if err != nil {
		return err
	}
	src, blocks, err := f.read(ctx, args)
	if err != nil {
		return err
	}
	for _, p := range within {
		src.Within = append(src.Within, p.String())
	}
	rep := analytics.Analyze(blocks, analytics.Options{Within: within, Top: f.top, Gaps: f.gaps})
	return writeStats(e.stdout, f.format, src, rep)
}

// check refuses flags that do not go together, before any work.
func (f *statsFlags) check(fs *flag.FlagSet, args []string) ([]netip.Prefix, error) {
	if err := checkFormat(f.format, "table", "csv", "json"); err != nil {
		return nil, err
	}
	if err := atLeastOne("top", f.top); err != nil {
		return nil, err
	}
	if err := atLeastOne("gaps", f.gaps); err != nil {
		return nil, err
	}
	if len(f.delegated) == 0 {
		if len(args) > 0 {
			return nil, usageErr("unexpected argument %q (delegated-stats files follow --delegated)", args[0])
		}
		if err := embeddedOnly("stats", f.db); err != nil {
			return nil, err
		}
	} else if flagGiven(fs, "db") || flagGiven(fs, "at") {
		return nil, usageErr("--delegated reads delegated-stats files, not a database: --db and --at do not apply")
	}
	return parsePrefixes("--within", f.within)
}

// flagGiven reports whether the flag was given.
func flagGiven(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
	return found
}

// read reads the blocks to analyse: the delegated files', or the
// snapshot's.
func (f *statsFlags) read(ctx context.Context, args []string) (statsSource, []analytics.Block, error) {
	if len(f.delegated) > 0 {
		locs := delegatedLocs(f.delegated, args)
		files, err := readDelegated(ctx, locs)
		if err != nil {
			return statsSource{}, nil, err
		}
		blocks, err := analytics.FromDelegated(files)
		return statsSource{Delegated: locs}, blocks, err
	}
	snap, recs, err := snapshotState(ctx, f.db, f.at)
	if err != nil {
		return statsSource{}, nil, err
	}
	blocks, err := analytics.FromRecords(recs)
	ref := &snapshotRef{ID: snap.ID, Datetime: snap.Datetime, Source: snap.Source, Records: snap.Records}
	return statsSource{Snapshot: ref}, blocks, err
}
