package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runDiff(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "diff", "[flags] A B", `List the networks added, removed and changed from snapshot A to snapshot B,
with the fields that changed. A and B are snapshot ids or datetimes, as
'ipatlas snapshots' lists them.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	format := fs.String("format", "table", "output `format`: table or jsonl")
	names, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	if err := embeddedOnly("diff", *db); err != nil {
		return err
	}
	if len(names) != 2 {
		return usageErr("want two snapshots, got %d argument(s)", len(names))
	}
	if err := checkFormat(*format, "table", "jsonl"); err != nil {
		return err
	}
	timeline, err := readStore(ctx, *db, func(s *sqlite.Store) ([]history.Stored, error) { return s.Timeline(ctx) })
	if err != nil {
		return err
	}
	snaps := make([]ipatlas.Snapshot, len(timeline))
	for i := range timeline {
		snaps[i] = timeline[i].Snapshot
	}
	a, err := findSnapshot(snaps, names[0])
	if err != nil {
		return err
	}
	b, err := findSnapshot(snaps, names[1])
	if err != nil {
		return err
	}
	states, err := statesOf(timeline, a, b)
	if err != nil {
		return err
	}
	changes, err := history.Changes(states[0], states[1])
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	if *format == "jsonl" {
		return writeChangesJSONL(w, changes)
	}
	return writeChangesTable(w, changes)
}

// findSnapshot resolves a snapshot id, or a datetime as listed or as the
// same moment written another way.
func findSnapshot(snaps []ipatlas.Snapshot, name string) (int, error) {
	if id, err := strconv.ParseInt(name, 10, 64); err == nil {
		for i, s := range snaps {
			if s.ID == id {
				return i, nil
			}
		}
	}
	t, terr := whipfile.ParseDatetime(name)
	for i, s := range snaps {
		if s.Datetime == name || (terr == nil && s.At.Equal(t)) {
			return i, nil
		}
	}
	return 0, usageErr("no snapshot %q (see 'ipatlas snapshots')", name)
}

var errEnough = errors.New("enough")

// statesOf replays the history up to the later of two snapshots and
// returns their states.
func statesOf(timeline []history.Stored, a, b int) ([2][]ipatlas.Record, error) {
	var out [2][]ipatlas.Record
	i := 0
	err := history.States(timeline, func(_ ipatlas.Snapshot, state []ipatlas.Record) error {
		if i == a {
			out[0] = state
		}
		if i == b {
			out[1] = state
		}
		if i++; i > max(a, b) {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return out, err
	}
	return out, nil
}

func writeChangesTable(w *bufio.Writer, changes []history.Change) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tRANGE\tFIELDS")
	for _, c := range changes {
		var fields string
		switch c.Kind() {
		case "added":
			fields = string(c.After)
		case "removed":
			fields = string(c.Before)
		default:
			fields = strings.Join(c.Fields, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Kind(), c.Range, fields)
	}
	fmt.Fprintf(tw, "%d change(s)\n", len(changes))
	return tw.Flush()
}

func writeChangesJSONL(w *bufio.Writer, changes []history.Change) error {
	var b []byte
	for _, c := range changes {
		b = append(b[:0], `{"change":"`...)
		b = append(b, c.Kind()...)
		b = append(b, `","begin":"`...)
		b = c.Range.From.AppendTo(b)
		b = append(b, `","end":"`...)
		b = c.Range.To.AppendTo(b)
		b = append(b, '"')
		if c.Before != nil {
			b = append(append(b, `,"before":`...), c.Before...)
		}
		if c.After != nil {
			b = append(append(b, `,"after":`...), c.After...)
		}
		if c.Fields != nil {
			b = append(b, `,"fields":[`...)
			for i, f := range c.Fields {
				if i > 0 {
					b = append(b, ',')
				}
				b = netjson.AppendString(b, f)
			}
			b = append(b, ']')
		}
		if _, err := w.Write(append(b, "}\n"...)); err != nil {
			return err
		}
	}
	return nil
}
