package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/sqlite"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "[flags]", exportAbout)
	db := fs.String("db", "ipatlas.db", dbFlagHelp)
	format := fs.String("format", "jsonl", "output `format`: jsonl, csv or mmdb")
	at := fs.String("at", "", atFlagHelp+"; an embedded database's only")
	out := fs.String("out", "-", "output `FILE` (\"-\": standard output), written whole or not at all")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "jsonl", "csv", "mmdb"); err != nil {
		return err
	}
	if *at != "" && isPostgres(*db) {
		return usageErr("--at reads the embedded history; a PostgreSQL database exports its latest run")
	}
	// The output is made first: an --out that cannot be written fails
	// before the history is read.
	o, err := createOut(e, *out)
	if err != nil {
		return err
	}
	defer o.discard()
	store, err := openDatabase(ctx, *db, false)
	if err != nil {
		return err
	}
	defer store.Close()
	src, err := exportSourceOf(ctx, store, *at)
	if err != nil {
		return err
	}
	written, err := writeExport(ctx, store, src, *format, o.w)
	if err == nil {
		err = o.commit()
	}
	if err == nil && o.path != "" {
		fmt.Fprintf(e.stdout, "exported %s to %s: %s\n", src.about, o.path, written)
	}
	return err
}

// exportSource is what an export writes: the state of a snapshot of the
// embedded history, or else the networks of a run (from PostgreSQL, or
// while a first crawl has made no snapshot yet).
type exportSource struct {
	datetime string    // the datetime of the lines (Whip's layout)
	at       time.Time // the snapshot's moment: the MMDB's build time
	about    string    // what it is, for people
	records  []ipatlas.Record
	run      ipatlas.Run
	fromRun  bool // write the run's networks, not records
}

// exportSourceOf picks what to export: from an embedded history, the
// snapshot --at names, by default the latest; else the latest run.
func exportSourceOf(ctx context.Context, store *database, at string) (exportSource, error) {
	if s, ok := store.Store.(*sqlite.Store); ok {
		snap, records, found, err := historyState(ctx, s, at)
		if err != nil || found {
			return exportSource{datetime: snap.Datetime, at: snap.At, about: describeSnapshot(snap), records: records}, err
		}
		if at != "" {
			return exportSource{}, fmt.Errorf("%s: no snapshots yet: crawl or load first", store.name)
		}
	}
	run, err := store.LatestRun(ctx)
	if errors.Is(err, ipatlas.ErrNotFound) {
		return exportSource{}, fmt.Errorf("%s: no snapshot and no crawl run: nothing to export (crawl or load first)", store.name)
	}
	if err != nil {
		return exportSource{}, fmt.Errorf("%s: %w", store.name, err)
	}
	return exportSource{datetime: crawl.RunDatetime(run), at: run.Started, about: fmt.Sprintf("the networks of crawl run %d", run.ID),
		run: run, fromRun: true}, nil
}

// each calls fn with every record of the source, in order.
func (s exportSource) each(ctx context.Context, store *database, fn func(ipatlas.Record) error) error {
	if !s.fromRun {
		for _, r := range s.records {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	// A run's networks as its snapshot would keep them
	// (ipatlas.NetworkRecord): loading an export gives back that snapshot.
	return store.Networks(ctx, s.run.ID, func(n ipatlas.Network) error {
		rec, err := ipatlas.NetworkRecord(n)
		if err != nil {
			return err
		}
		return fn(rec)
	})
}

// writeExport writes the source in a format and says what it wrote.
func writeExport(ctx context.Context, store *database, src exportSource, format string, w io.Writer) (string, error) {
	if format == "mmdb" {
		return writeMMDB(ctx, store, src, w)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int
	var err error
	if format == "csv" {
		n, err = writeCSV(ctx, store, src, bw)
	} else {
		n, err = writeJSONL(ctx, store, src, bw)
	}
	if err == nil {
		err = bw.Flush()
	}
	return fmt.Sprintf("%d networks", n), err
}

// writeJSONL writes one line per record in Whip's layout, the source's
// datetime on every line: 'ipatlas load' of it gives back the snapshot.
func writeJSONL(ctx context.Context, store *database, src exportSource, w io.Writer) (int, error) {
	var buf []byte
	n := 0
	err := src.each(ctx, store, func(r ipatlas.Record) error {
		buf = append(whipfile.AppendLine(buf[:0], r.Range.From, r.Range.To, src.datetime, r.Payload), '\n')
		n++
		_, err := w.Write(buf)
		return err
	})
	return n, err
}

// outFile is where --out goes: standard output, or a file written whole
// or not at all, through a temporary file beside it that replaces it
// once complete.
type outFile struct {
	w    io.Writer
	f    *os.File // the temporary file; nil for standard output, or once done
	path string   // --out; "" for standard output
}

func createOut(e *env, path string) (*outFile, error) {
	if path == "-" {
		return &outFile{w: e.stdout}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("--out %s: is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("--out %s: cannot write there: %w", path, pathErr(err))
	}
	return &outFile{w: f, f: f, path: path}, nil
}

// commit puts the complete file in place.
func (o *outFile) commit() error {
	f := o.f
	if f == nil {
		return nil
	}
	o.f = nil
	err := f.Chmod(0o644) // a temporary file is private; an export is not
	if err == nil {
		err = f.Sync() // the rename must not land before the data
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), o.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("--out %s: %w", o.path, pathErr(err))
	}
	return nil
}

// discard removes the temporary file of an export that failed.
func (o *outFile) discard() {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
	}
}

// pathErr is the reason a file operation failed, without the path (the
// temporary file's, which means nothing to the user).
func pathErr(err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
