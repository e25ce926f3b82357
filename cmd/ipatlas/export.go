package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
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
	datetime := crawl.RunDatetime(run)
	var buf []byte
	err = store.Networks(ctx, run.ID, func(n ipatlas.Network) (err error) {
		buf, err = writeWhip(bw, n, datetime, buf)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	return joinClose(err, closeOut)
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
