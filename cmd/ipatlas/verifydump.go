package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/sqlite"
)

// A dump is a registry's word for its whole database on one day; --verify
// asks the registry's RDAP service about a few of its addresses and
// compares the answers with the dump, so a stale or damaged dump shows.

// sample is one address to verify and the dump's network for it.
type sample struct {
	addr netip.Addr
	want ipatlas.Network
}

// verifyDumps asks each dumped registry about n addresses of its latest
// dump and reports where RDAP and the dump disagree. Disagreements are
// reported, not errors: the crawl's work stands either way.
func (f *crawlFlags) verifyDumps(ctx context.Context, e *env, n int) error {
	if isPostgres(f.db) {
		fmt.Fprintln(e.stderr, "verify: a PostgreSQL database holds no dumps (load-dump is for the embedded store)")
		return nil
	}
	samples, err := dumpSamples(ctx, f.db, n)
	if err != nil || len(samples) == 0 {
		return err
	}
	walk, err := f.walkFlags.options()
	if err != nil {
		return err
	}
	boot, err := crawl.Fetcher{}.Bootstrap(ctx, f.bootstrap)
	if err != nil {
		return err
	}
	client, err := rdap.NewClient(rdap.ClientConfig{Bootstrap: boot, SourceAddr: walk.source})
	if err != nil {
		return err
	}
	for _, reg := range ipatlas.Registries() {
		if s := samples[reg]; len(s) > 0 {
			verifyRegistry(ctx, e, client, reg, s, walk.rates[reg])
		}
	}
	return ctx.Err()
}

// dumpSamples picks n addresses of each registry's latest dump, spread
// evenly over its networks: each network's first address, answered by the
// most specific network of the dump holding it.
func dumpSamples(ctx context.Context, db string, n int) (map[ipatlas.Registry][]sample, error) {
	store, err := sqlite.Open(ctx, db, sqlite.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	dumps, err := store.Dumps(ctx)
	if err != nil || len(dumps) == 0 {
		return nil, err
	}
	stored, err := store.Timeline(ctx)
	if err != nil {
		return nil, err
	}
	latest := dump.Latest(dumps, time.Now())
	out := map[ipatlas.Registry][]sample{}
	states := map[time.Time][]ipatlas.Record{} // dumps loaded together share a date
	for _, reg := range ipatlas.Registries() {
		var mine []ipatlas.Dump
		for _, d := range latest {
			if d.Registry == reg {
				mine = append(mine, d)
			}
		}
		if len(mine) == 0 {
			continue
		}
		state, ok := states[mine[0].At]
		if !ok {
			if state, err = history.StateAt(stored, mine[0].At); err != nil {
				return nil, err
			}
			states[mine[0].At] = state
		}
		if out[reg], err = pick(dump.Covered(state, mine), n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pick takes n records spread evenly over recs (sorted), each standing for
// its first address: the innermost record starting there is the answer.
func pick(recs []ipatlas.Record, n int) ([]sample, error) {
	var out []sample
	for k := range min(n, len(recs)) {
		i := k * len(recs) / min(n, len(recs))
		for i+1 < len(recs) && recs[i+1].Range.From == recs[i].Range.From {
			i++
		}
		var want ipatlas.Network
		if err := json.Unmarshal(recs[i].Payload, &want); err != nil {
			return nil, fmt.Errorf("record %s: %w", recs[i].Range, err)
		}
		want.Range = recs[i].Range
		out = append(out, sample{addr: want.Range.From, want: want})
	}
	return out, nil
}

// verifyRegistry asks reg about its samples at its rate and reports each
// disagreement and a summary.
func verifyRegistry(ctx context.Context, e *env, client *rdap.Client, reg ipatlas.Registry, samples []sample, rate float64) {
	agree := 0
	for i, s := range samples {
		if i > 0 && rate > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(float64(time.Second) / rate)):
			}
		}
		a, err := client.QueryIP(ctx, reg, s.addr)
		if err != nil {
			fmt.Fprintf(e.stderr, "verify %s %s: RDAP: %v\n", reg, s.addr, err)
			continue
		}
		if diff := differs(s.want, a.Network); diff != "" {
			fmt.Fprintf(e.stderr, "verify %s %s: the dump and RDAP differ: %s\n", reg, s.addr, diff)
			continue
		}
		agree++
	}
	fmt.Fprintf(e.stdout, "verify %s: %d addresses asked, %d agree with the dump\n", reg, len(samples), agree)
}

// differs names the first registration field where RDAP's network is not
// the dump's, or "". Only what both publish is compared.
func differs(want, got ipatlas.Network) string {
	for _, f := range []struct{ name, want, got string }{
		{"range", want.Range.String(), got.Range.String()},
		{"handle", want.Handle, got.Handle},
		{"name", want.Name, got.Name},
		{"type", want.Type, got.Type},
		{"country", want.Country, got.Country},
	} {
		if f.want != f.got {
			return fmt.Sprintf("%s %q (dump), %q (RDAP)", f.name, f.want, f.got)
		}
	}
	return ""
}
