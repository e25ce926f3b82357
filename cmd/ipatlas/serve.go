package main

import (
	"context"
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
Read-only. When the database gains a snapshot, the new index is swapped in
without dropping a request. Ctrl-C stops it after the requests in flight.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	listen := fs.String("listen", ":8080", "`address` to listen on")
	reload := fs.Duration("reload", 10*time.Second, "how often to look for new snapshots (0: never)")
	bulk := fs.Int("bulk-limit", 10_000, "most addresses in one POST /ip")
	logFormat := fs.String("log-format", "text", "log format: text or json")
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
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watcher sync.WaitGroup
	if *reload > 0 {
		watcher.Go(func() { watchSnapshots(watchCtx, log, *db, live, *reload) })
	}
	counters := &serve.Counters{}
	opts := serve.Options{BulkLimit: *bulk, Counters: counters,
		Metrics: metrics.Handler(metrics.Serving(counters), metrics.Index(live))}
	err = serve.Serve(ctx, ln, live, opts, 10*time.Second)
	stopWatching()
	watcher.Wait() // a rebuild in progress finishes before the index is closed
	return err
}

// watchSnapshots swaps in a new index whenever the database's history
// changes; a failure is logged and the current index kept.
func watchSnapshots(ctx context.Context, log *slog.Logger, db string, live *serve.Live, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := reloadIfChanged(ctx, db, live); err != nil {
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
