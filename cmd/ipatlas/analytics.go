package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/sqlite"
)

// What `stats` and `coverage` share: the snapshot they read, the
// delegated-stats files they may read instead, and their output formats.

// atFlagHelp is the --at flag's help.
const atFlagHelp = "the `SNAPSHOT`: an id or a datetime as 'ipatlas snapshots' lists it, or any ISO 8601 datetime for the latest snapshot at or before it (default: the latest)"

// snapshotState replays the embedded history up to the snapshot at names
// and returns it with its records.
func snapshotState(ctx context.Context, db, at string) (ipatlas.Snapshot, []ipatlas.Record, error) {
	type state struct {
		snap    ipatlas.Snapshot
		records []ipatlas.Record
		found   bool
	}
	st, err := readStore(ctx, db, func(s *sqlite.Store) (st state, err error) {
		st.snap, st.records, st.found, err = historyState(ctx, s, at)
		return st, err
	})
	if err == nil && !st.found {
		err = fmt.Errorf("%s: no snapshots yet: crawl or load first", db)
	}
	return st.snap, st.records, err
}

// historyState is the snapshot --at names (pickSnapshot) and its records;
// found is false when the history has no snapshot. The history is read
// once, so the snapshot picked is the one replayed.
func historyState(ctx context.Context, store *sqlite.Store, at string) (ipatlas.Snapshot, []ipatlas.Record, bool, error) {
	snaps, deltas, err := store.Deltas(ctx)
	if err != nil || len(snaps) == 0 {
		return ipatlas.Snapshot{}, nil, false, err
	}
	k, err := pickSnapshot(snaps, at)
	if err != nil {
		return ipatlas.Snapshot{}, nil, false, err
	}
	records, err := history.Replay(snaps, deltas, k)
	return snaps[k], records, true, err
}

// pickSnapshot resolves --at (history.Pick) in the command line's words.
func pickSnapshot(snaps []ipatlas.Snapshot, at string) (int, error) {
	k, err := history.Pick(snaps, at)
	switch {
	case errors.Is(err, history.ErrNotSnapshot):
		return 0, usageErr("--at %q: no such snapshot id, and not an ISO 8601 datetime (see 'ipatlas snapshots')", at)
	case errors.Is(err, history.ErrBeforeFirst):
		return 0, usageErr("--at %s: no snapshot at or before it (the first is %s)", at, snaps[0].Datetime)
	}
	return k, err
}

// describeSnapshot says which snapshot figures come from.
func describeSnapshot(s ipatlas.Snapshot) string {
	return fmt.Sprintf("snapshot %d (%s, %s, %d ranges)", s.ID, s.Datetime, s.Source, s.Records)
}

// delegatedLocs splits the --delegated values (each a comma-separated
// list) and adds the arguments after them.
func delegatedLocs(values, args []string) []string {
	var out []string
	for _, v := range values {
		for _, loc := range strings.Split(v, ",") {
			if loc = strings.TrimSpace(loc); loc != "" {
				out = append(out, loc)
			}
		}
	}
	return append(out, args...)
}

// readDelegated reads delegated-stats files or URLs; a malformed or cut
// file is an error naming it.
func readDelegated(ctx context.Context, locs []string) ([]*delegated.File, error) {
	return crawl.Fetcher{}.Delegated(ctx, locs)
}

// atLeastOne refuses a count flag below 1.
func atLeastOne(name string, n int) error {
	if n < 1 {
		return usageErr("--%s %d: want 1 or more", name, n)
	}
	return nil
}

// writeJSONDoc writes v as one indented JSON document.
func writeJSONDoc(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// csvRows writes a header and rows (RFC 4180 quoting).
func csvRows(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// grouped writes a decimal number with thousands separators, for
// people: "3702258432" is "3,702,258,432"; a fraction is kept as is.
func grouped(s string) string {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if len(whole) <= 3 || strings.ContainsAny(whole, "-e") {
		return s
	}
	var b strings.Builder
	lead := len(whole) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(whole[:lead])
	for i := lead; i < len(whole); i += 3 {
		b.WriteString("," + whole[i:i+3])
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// unit is how a table shows a family's address counts: IPv4 in
// addresses, IPv6 in /48s, the end site registries count in (2^100
// addresses tells a reader nothing). CSV and JSON give exact addresses.
type unit struct{ is4 bool }

// name is the unit's column heading and plural.
func (u unit) name() string {
	if u.is4 {
		return "addresses"
	}
	return "/48s"
}

// of is a count in the unit, two decimals when it is not whole.
func (u unit) of(c analytics.Count) string {
	if u.is4 {
		return grouped(c.String())
	}
	slash48 := new(big.Int).Lsh(big.NewInt(1), 80)
	q, r := new(big.Int).QuoRem(c.Big(), slash48, new(big.Int))
	if r.Sign() == 0 {
		return grouped(q.String())
	}
	f := new(big.Float).Quo(new(big.Float).SetInt(c.Big()), new(big.Float).SetInt(slash48))
	return grouped(f.Text('f', 2))
}

// orNone shows an empty value in a table.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
