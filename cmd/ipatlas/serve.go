package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas/metrics"
	"github.com/ipatlas/ipatlas/serve"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[flags]", `Serve lookups over HTTP with Whip's API: GET /ip/{addr} (latest record),
?datetime=ISO (the record then), ?datetime=all ({"history": [...]}, newest
first), POST /ip (a JSON array of addresses or one per line), GET /healthz,
and GET /metrics for Prometheus (requests by route and code, their
durations, the index's snapshots, the Go runtime and the process).
GET / is a web page: a lookup box and a map of the IPv4 space coloured by
registry, coverage or country, with a crawl's progress while one runs.
With --whois ADDR it answers WHOIS queries (RFC 3912) there too, from the
same index, in RPSL: 'whois -h HOST -p PORT help' lists them.
RDAP (RFC 9082/9083) answers under /rdap: ip/{addr}, ip/{prefix}/{len},
entity/{handle} and help, ?datetime=ISO for a past snapshot.
Read-only, but for POST /admin/reload (reload the index now), which wants
Authorization: Bearer TOKEN (--token or $IPATLAS_TOKEN; off without one).
When the database gains a snapshot, the new index is swapped in without
dropping a request. Ctrl-C stops it after the requests in flight.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	listen := fs.String("listen", ":8080", "`address` to listen on")
	reload := fs.Duration("reload", 10*time.Second, "how often to look for new snapshots (0: never)")
	bulk := fs.Int("bulk-limit", 10_000, "most addresses in one POST /ip")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	whoisf := addWhoisFlags(fs)
	adminf := addAdminFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *logFormat != "text" && *logFormat != "json" {
		return usageErr("--log-format %q: want text or json", *logFormat)
	}
	if err := embeddedOnly("serve", *db); err != nil {
		return err
	}
	if *bulk <= 0 {
		return usageErr("--bulk-limit %d: want at least 1", *bulk)
	}
	if err := whoisf.check(); err != nil {
		return err
	}
	if err := adminf.check(); err != nil {
		return err
	}
	ix, err := openIndex(ctx, *db, nil)
	if err != nil {
		return err
	}
	live := serve.NewLive(ix)
	defer live.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	log := newLogger(e, *logFormat)
	log.Info("serving", "addr", ln.Addr().String(), "db", *db, "snapshots", len(ix.Snapshots()))
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	waitWhois, err := startWhois(serveCtx, stopServing, log, whoisf, live)
	if err != nil {
		ln.Close()
		return err
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watcher sync.WaitGroup
	reloads := &reloader{db: *db, live: live}
	if *reload > 0 {
		watcher.Go(func() { watchSnapshots(watchCtx, log, reloads.reload, *reload) })
	}
	counters := &serve.Counters{}
	opts := serve.Options{BulkLimit: *bulk, Counters: counters,
		Metrics: metrics.Handler(metrics.Serving(counters), metrics.Index(live))}
	opts.Progress = crawlProgress(*db)
	adminf.apply(&opts, reloads)
	err = serve.Serve(serveCtx, ln, live, opts, 10*time.Second)
	stopServing()
	err = errors.Join(err, waitWhois())
	stopWatching()
	watcher.Wait() // a rebuild in progress finishes before the index is closed
	return err
}

// watchSnapshots swaps in a new index whenever the database's history
// changes; a failure is logged and the current index kept.
func watchSnapshots(ctx context.Context, log *slog.Logger, reload func(context.Context) (bool, error), every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := reload(ctx); err != nil {
			log.Error("reload", "err", err)
		}
	}
}

func reloadIfChanged(ctx context.Context, db string, live *serve.Live) error {
	have := live.Index()
	ix, err := openIndex(ctx, db, have)
	if err != nil {
		return fmt.Errorf("new index: %w", err)
	}
	if ix != have {
		live.Swap(ix)
	}
	return nil
}
