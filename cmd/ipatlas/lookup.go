package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/serve"
	"github.com/ipatlas/ipatlas/whipfile"
)

func runLookup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lookup", "[flags] ADDR… (or addresses on standard input, one per line)", `Look addresses up in the database's history: the latest record, the record at
a datetime, or every version. Without --json each line is the address and the
record (or "not found"); with --json each line is what the REST API answers for
that address, in the order asked.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	at := fs.String("at", "", "look up as of this ISO 8601 `datetime` instead of the latest snapshot")
	hist := fs.Bool("history", false, "every version of what held each address, newest first")
	asJSON := fs.Bool("json", false, "print the REST API's JSON answers")
	args, err := parseFlagsAndArgs(fs, args)
	if err != nil {
		return err
	}
	if err := embeddedOnly("lookup", *db); err != nil {
		return err
	}
	var q lookupQuery
	if *at != "" && *hist {
		return usageErr("--at and --history: choose one")
	}
	if *at != "" {
		t, err := whipfile.ParseDatetime(*at)
		if err != nil {
			return usageErr("--at: %v", err)
		}
		q.at = &t
	}
	q.history, q.json = *hist, *asJSON
	// Bad addresses given as arguments are found before any work.
	addrs := make([]netip.Addr, len(args))
	for i, s := range args {
		if addrs[i], err = serve.ParseAddr(s); err != nil {
			return usageErr("%v", err)
		}
	}
	ix, err := openIndex(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer ix.Close()
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	if len(addrs) > 0 {
		for _, a := range addrs {
			q.print(w, ix, a)
		}
		return nil
	}
	return lookupStream(w, ix, &q, e.stdin)
}

// lookupStream looks up one address per line; a bad line stops it with
// its line number, after the lines before it were answered.
func lookupStream(w *bufio.Writer, ix *index.Index, q *lookupQuery, in io.Reader) error {
	sc := bufio.NewScanner(in)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		a, err := serve.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("stdin:%d: %v", line, err)
		}
		q.print(w, ix, a)
	}
	return sc.Err()
}

type lookupQuery struct {
	at            *time.Time
	history, json bool
	buf           []byte
}

func (q *lookupQuery) print(w *bufio.Writer, ix *index.Index, a netip.Addr) {
	if q.json {
		q.buf = serve.AppendAnswer(q.buf[:0], ix, a, serve.Query{All: q.history, At: q.at})
		w.Write(append(q.buf, '\n'))
		return
	}
	if q.history {
		vs := ix.History(a, nil)
		if len(vs) == 0 {
			fmt.Fprintf(w, "%s\tnot found\n", a)
		}
		snaps := ix.Snapshots()
		for _, v := range vs {
			until := "now"
			if v.Until < len(snaps) {
				until = snaps[v.Until].Datetime
			}
			fmt.Fprintf(w, "%s\t%s .. %s\t%s\n", a, snaps[v.From].Datetime, until, v.Record())
		}
		return
	}
	h := ix.Latest(a)
	if q.at != nil {
		h = ix.At(a, *q.at)
	}
	if !h.Found() {
		fmt.Fprintf(w, "%s\tnot found\n", a)
		return
	}
	fmt.Fprintf(w, "%s\t%s\n", a, h.Record())
	for _, p := range h.Parents(nil) {
		fmt.Fprintf(w, "%s\tinside\t%s\n", a, p)
	}
}
