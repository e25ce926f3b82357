// Package simtest is what tests need to crawl the registry simulator:
// serve a world on loopback for the length of a test, plan a run over it
// from its own delegated-stats files, and an RDAP client that follows its
// bootstrap.
package simtest

import (
	"context"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/regsim"
)

// Serve serves w as sc says until the test ends.
func Serve(tb testing.TB, w *regsim.World, sc regsim.ServerConfig) *regsim.Server {
	tb.Helper()
	srv, err := regsim.NewServer(w, sc)
	if err != nil {
		tb.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// Plan plans a run over the served world's blocks from the simulator's
// delegated-stats files, as `ipatlas crawl` does.
func Plan(tb testing.TB, srv *regsim.Server) *crawl.Plan {
	tb.Helper()
	var locs []string
	for _, r := range ipatlas.Registries() {
		locs = append(locs, srv.DelegatedURL(r))
	}
	files, err := crawl.Fetcher{}.Delegated(context.Background(), locs)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := srv.World().Config()
	plan, err := crawl.MakePlan(crawl.PlanInput{Delegated: files, Within: append(append(cfg.IPv4[:0:0], cfg.IPv4...), cfg.IPv6...)})
	if err != nil {
		tb.Fatal(err)
	}
	return plan
}

// Client is an RDAP client over the simulator's bootstrap.
func Client(tb testing.TB, srv *regsim.Server) *rdap.Client {
	tb.Helper()
	boot, err := crawl.Fetcher{}.Bootstrap(context.Background(), srv.BootstrapURL())
	if err != nil {
		tb.Fatal(err)
	}
	client, err := rdap.NewClient(rdap.ClientConfig{Bootstrap: boot, Timeout: 5 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}
