package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "[flags]", `Export the latest run's networks. jsonl writes one JSON object per network in
Whip's layout ({"begin", "end", "datetime", …}), sorted, IPv4 before IPv6.`)
	db := fs.String("db", "ipatlas.db", dbFlagHelp)
	format := fs.String("format", "jsonl", "output `format`: jsonl")
	out := fs.String("out", "-", "output `FILE` (\"-\": standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "jsonl"); err != nil {
		return err
	}
	store, err := openDatabase(ctx, *db, false)
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := store.LatestRun(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", store.name, err)
	}
	w, closeOut, err := openOut(e, *out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	err = exportRun(ctx, store, run, bw)
	if err == nil {
		err = bw.Flush()
	}
	return joinClose(err, closeOut)
}

// exportRun writes a run's networks. From an embedded database it writes
// the run's snapshot when the history has it: its records are the run's
// networks with what was added to them since (the origin AS of 'enrich
// asn'). Otherwise, and from PostgreSQL, it writes the networks recorded.
func exportRun(ctx context.Context, store *database, run ipatlas.Run, w io.Writer) error {
	datetime := crawl.RunDatetime(run)
	var buf []byte
	if s, ok := store.Store.(*sqlite.Store); ok {
		records, found, err := runSnapshot(ctx, s, run)
		if err != nil || found {
			for _, r := range records {
				buf = append(whipfile.AppendLine(buf[:0], r.Range.From, r.Range.To, datetime, r.Payload), '\n')
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
			return err
		}
	}
	return store.Networks(ctx, run.ID, func(n ipatlas.Network) (err error) {
		buf, err = writeWhip(w, n, datetime, buf)
		return err
	})
}

// runSnapshot is the records of a run's snapshot in the embedded history;
// found is false when the history has none (a run still in progress).
func runSnapshot(ctx context.Context, store *sqlite.Store, run ipatlas.Run) (records []ipatlas.Record, found bool, err error) {
	snaps, err := store.Snapshots(ctx)
	if err != nil {
		return nil, false, err
	}
	for k, s := range snaps {
		if s.At.Equal(run.Started) && !run.Finished.IsZero() {
			records, err = stateOf(ctx, store, k)
			return records, true, err
		}
	}
	return nil, false, nil
}

func openOut(e *env, path string) (io.Writer, func() error, error) {
	if path == "-" {
		return e.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func joinClose(err error, closeFn func() error) error {
	if cerr := closeFn(); err == nil {
		err = cerr
	}
	return err
}

// writeWhip writes a network as one line of Whip's layout, its payload the
// one the run's snapshot keeps (ipatlas.NetworkRecord): loading an export
// gives back the run's snapshot.
func writeWhip(w io.Writer, n ipatlas.Network, datetime string, buf []byte) ([]byte, error) {
	rec, err := ipatlas.NetworkRecord(n)
	if err != nil {
		return buf, err
	}
	buf = append(whipfile.AppendLine(buf[:0], rec.Range.From, rec.Range.To, datetime, rec.Payload), '\n')
	_, err = w.Write(buf)
	return buf, err
}
