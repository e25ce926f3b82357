package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "[flags]", `Export the latest run's networks. jsonl writes one JSON object per network in
Whip's layout ({"begin", "end", "datetime", …}), sorted, IPv4 before IPv6.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	format := fs.String("format", "jsonl", "output `format`: jsonl")
	out := fs.String("out", "-", "output `FILE` (\"-\": standard output)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "jsonl"); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, *db, sqlite.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer store.Close()
	run, err := store.LatestRun(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", *db, err)
	}
	w, closeOut, err := openOut(e, *out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	err = store.Networks(ctx, run.ID, func(n ipatlas.Network) error { return writeWhip(bw, n, run.Started) })
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

// whipRecord is one line of Whip's JSON-lines format: the range, the
// snapshot's datetime, and the network's fields as the payload.
type whipRecord struct {
	Begin        string           `json:"begin"`
	End          string           `json:"end"`
	Datetime     string           `json:"datetime"`
	Registry     ipatlas.Registry `json:"registry"`
	Handle       string           `json:"handle,omitempty"`
	Name         string           `json:"name,omitempty"`
	Type         string           `json:"type,omitempty"`
	Status       []string         `json:"status,omitempty"`
	Country      string           `json:"country,omitempty"`
	ParentHandle string           `json:"parent_handle,omitempty"`
	OriginAS     []uint32         `json:"origin_as,omitempty"`
	Events       []ipatlas.Event  `json:"events,omitempty"`
	Entities     []ipatlas.Entity `json:"entities,omitempty"`
	Remarks      []ipatlas.Remark `json:"remarks,omitempty"`
	Source       string           `json:"source,omitempty"`
}

func writeWhip(w io.Writer, n ipatlas.Network, at time.Time) error {
	rec := whipRecord{Begin: n.Range.From.String(), End: n.Range.To.String(), Datetime: at.UTC().Format(time.RFC3339),
		Registry: n.Registry, Handle: n.Handle, Name: n.Name, Type: n.Type, Status: n.Status, Country: n.Country,
		ParentHandle: n.ParentHandle, OriginAS: n.OriginAS, Events: n.Events, Entities: n.Entities,
		Remarks: n.Remarks, Source: n.Source.URL}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
