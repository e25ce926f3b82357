package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/metrics"
)

// serveMetrics serves the crawler's Prometheus metrics at addr/metrics
// until the returned stop is called; nothing when addr is empty.
func serveMetrics(ctx context.Context, addr string, cr *crawl.Crawler, store ipatlas.Store, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usageErr("--metrics %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(metrics.Crawl(cr, unitsOf(store))))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "err", err)
		}
	}()
	logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // stopping: nothing left to report to
		<-done
	}, nil
}

// unitsOf counts the units of the latest run per registry and state, for
// the metrics: the units left from their index at each call; the units
// done, which Progress counts by reading every unit of the run, at most
// every minute.
func unitsOf(store ipatlas.Store) metrics.UnitsFunc {
	var done map[ipatlas.Registry]int
	var doneRun int64
	var doneAt time.Time
	return func(ctx context.Context) (map[ipatlas.Registry]metrics.Units, error) {
		run, err := store.LatestRun(ctx)
		if err != nil {
			return nil, err
		}
		if run.ID != doneRun || time.Since(doneAt) > time.Minute {
			progress, err := store.Progress(ctx, run.ID)
			if err != nil {
				return nil, err
			}
			done, doneRun, doneAt = map[ipatlas.Registry]int{}, run.ID, time.Now()
			for _, p := range progress {
				done[p.Registry] = p.UnitsDone
			}
		}
		out := map[ipatlas.Registry]metrics.Units{}
		for r, n := range done {
			b, err := store.Backlog(ctx, run.ID, r)
			if err != nil {
				return nil, err
			}
			out[r] = metrics.Units{Pending: b.Pending, Leased: b.Leased, Done: n}
		}
		return out, nil
	}
}
