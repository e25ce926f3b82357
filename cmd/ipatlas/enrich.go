package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/cymru"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/sqlite"
)

// runEnrich dispatches to an enrichment: only "asn" so far.
func runEnrich(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "asn" {
		return runEnrichASN(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stdout, `Usage: ipatlas enrich asn [flags]

Add what other sources know to a snapshot's networks:

  asn   origin AS, BGP prefix and AS name from Team Cymru's IP-to-ASN service

Run 'ipatlas enrich asn --help' for its flags.
`)
		if len(args) == 0 {
			return usageErr("which enrichment? want asn")
		}
		return flag.ErrHelp
	}
	return usageErr("unknown enrichment %q: want asn", args[0])
}

const enrichASNAbout = `Attach each network's origin AS to a snapshot of the history (the latest, or
--at), from Team Cymru's IP-to-ASN service, as the fields ipwhois reports:
asn, asn_cidr (the BGP prefix) and asn_description (the AS name), "NA" for
space no route holds, and asn_country_code, asn_registry and asn_date (of the
registry's delegated block). Each network is asked about at its first address
outside the networks nested in it, where a lookup answers with it: its first
address may belong to a customer announced on its own. The addresses go in
bulk sessions of --batch, one session at a time; a session cut off is retried
for what it left. Only when every network is answered is the snapshot
replaced and the lookup index rebuilt, so lookup, serve and export show the
fields; a failure leaves the history as it was.

The next crawl's snapshot keeps these fields for each network whose range is
unchanged, so it shows only what really changed; they are as of this
enrichment until 'ipatlas enrich asn' is run on it, which refreshes them and
fills the networks new since.`

func runEnrichASN(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "enrich asn", "[flags]", enrichASNAbout)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	at := fs.String("at", "", "the snapshot to enrich: an `ID or datetime` as 'ipatlas snapshots' lists it (default: the latest)")
	server := fs.String("cymru", cymru.DefaultServer, "Team Cymru's bulk whois service, `HOST:PORT`")
	batch := fs.Int("batch", 1000, fmt.Sprintf("addresses asked per session, 1 to %d", cymru.MaxBatch))
	interval := fs.Duration("interval", time.Second, "least time between the starts of two sessions")
	timeout := fs.Duration("timeout", 30*time.Second, "how long a session may go without progress")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := embeddedOnly("enrich asn", *db); err != nil {
		return err
	}
	if *batch < 1 || *batch > cymru.MaxBatch {
		return usageErr("--batch %d: want 1 to %d", *batch, cymru.MaxBatch)
	}
	if *interval <= 0 || *timeout <= 0 {
		return usageErr("--interval and --timeout must be positive")
	}
	client, err := cymru.New(cymru.Config{Server: *server, Batch: *batch, Interval: *interval, Timeout: *timeout,
		Progress: enrichProgress(e)})
	if err != nil {
		return usageErr("--cymru %q: want HOST:PORT", *server)
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("no database to enrich: %w", err)
	}
	store, err := sqlite.Open(ctx, *db, sqlite.Options{Exclusive: true})
	if err != nil {
		return err
	}
	defer store.Close()
	return enrichASN(ctx, e, store, *db, *at, *server, client)
}

// enrichASN replaces the snapshot at (or the latest) by its networks with
// their origin AS.
func enrichASN(ctx context.Context, e *env, store *sqlite.Store, db, at, server string, client *cymru.Client) error {
	snap, records, err := readSnapshot(ctx, store, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "asking %s about the %d networks of snapshot %d (%s)\n", server, len(records), snap.ID, snap.Datetime)
	answers, err := client.Lookup(ctx, cymru.OriginAddrs(records))
	if err != nil {
		return fmt.Errorf("%w; snapshot %d is unchanged", err, snap.ID)
	}
	enriched, err := cymru.Enrich(records, answers)
	if err != nil {
		return err
	}
	p := history.Pending{Snapshot: ipatlas.Snapshot{At: snap.At, Datetime: snap.Datetime, Source: snap.Source},
		Records: enriched, Replace: true}
	return addSnapshots(ctx, e, store, db, []history.Pending{p}, func() { printEnriched(e, answers, client.Stats()) })
}

// readSnapshot finds a snapshot (by id or datetime; "" for the latest) and
// the networks it holds, reading the history once.
func readSnapshot(ctx context.Context, store *sqlite.Store, at string) (ipatlas.Snapshot, []ipatlas.Record, error) {
	snaps, deltas, err := store.Deltas(ctx)
	if err != nil {
		return ipatlas.Snapshot{}, nil, err
	}
	if len(snaps) == 0 {
		return ipatlas.Snapshot{}, nil, errors.New("the history has no snapshot to enrich: crawl or load one first")
	}
	k := len(snaps) - 1
	if at != "" {
		if k, err = findSnapshot(snaps, at); err != nil {
			return ipatlas.Snapshot{}, nil, err
		}
	}
	records, err := history.Replay(snaps, deltas, k)
	return snaps[k], records, err
}

// carryOriginAS gives a crawl's snapshot the origin fields that the
// snapshot before it in time (or the one it replaces) holds for the
// networks whose range is unchanged: a crawl knows nothing of routes, and
// without them every enriched network would show as changed until
// enriched again. They are as of that enrichment; 'enrich asn' refreshes
// them.
func carryOriginAS(ctx context.Context, e *env, store *sqlite.Store, p *history.Pending) error {
	snaps, deltas, err := store.Deltas(ctx)
	if err != nil {
		return err
	}
	k := -1
	for i, s := range snaps {
		if !s.At.After(p.At) {
			k = i
		}
	}
	if k < 0 {
		return nil
	}
	prev, err := history.Replay(snaps, deltas, k)
	if err != nil {
		return err
	}
	records, n, err := cymru.Carry(prev, p.Records)
	if err != nil || n == 0 {
		return err
	}
	p.Records = records
	fmt.Fprintf(e.stdout, "kept the origin AS of %d networks from snapshot %d ('ipatlas enrich asn' refreshes them)\n", n, snaps[k].ID)
	return nil
}

func printEnriched(e *env, answers []cymru.Answer, st cymru.Stats) {
	routed := 0
	for _, a := range answers {
		if a.Routed() {
			routed++
		}
	}
	fmt.Fprintf(e.stdout, "origin AS of %d networks: %d routed, %d not; %d addresses asked in %d sessions (%d retries)\n",
		len(answers), routed, len(answers)-routed, st.Addresses, st.Sessions, st.Retries)
}

// enrichProgress reports the lookup's progress at each tenth.
func enrichProgress(e *env) func(done, total int) {
	tenth := 0
	return func(done, total int) {
		if t := done * 10 / max(total, 1); t > tenth {
			tenth = t
			fmt.Fprintf(e.stderr, "asked about %d of %d addresses\n", done, total)
		}
	}
}
