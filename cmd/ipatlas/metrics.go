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
// the metrics.
func unitsOf(store ipatlas.Store) metrics.UnitsFunc {
	return func(ctx context.Context) (map[ipatlas.Registry]ipatlas.Backlog, error) {
		run, err := store.LatestRun(ctx)
		if err != nil {
			return nil, err
		}
		out := map[ipatlas.Registry]ipatlas.Backlog{}
		for _, r := range ipatlas.Registries() {
			if out[r], err = store.Backlog(ctx, run.ID, r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}
