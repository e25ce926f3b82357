package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
)

// startProgress shows a crawl's progress until the returned stop is
// called: one bar per registry on a terminal, else a log line per interval.
func startProgress(ctx context.Context, e *env, mode string, interval time.Duration, store ipatlas.Store,
	cr *crawl.Crawler, run int64, logger *slog.Logger) (stop func()) {
	if mode == "auto" {
		mode = "log"
		if f, ok := e.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			mode = "bars"
		}
	}
	base, _ := store.Progress(ctx, run)
	cov := &coverage{store: store, run: run}
	cov.refresh(ctx)
	switch mode {
	case "bars":
		return progressBars(ctx, e, base, cr, cov)
	case "log":
		return progressLog(ctx, logger, interval, base, cr, cov)
	}
	return func() {}
}

// coverage is each registry's share of addresses behind the cursors, read
// from the store every few seconds (it scans the units).
type coverage struct {
	store ipatlas.Store
	run   int64
	mu    sync.Mutex
	pct   map[ipatlas.Registry][2]float64 // IPv4 and IPv6 percent
	at    time.Time
}

func (c *coverage) refresh(ctx context.Context) {
	ps, err := c.store.Progress(ctx, c.run)
	if err != nil {
		return
	}
	pct := map[ipatlas.Registry][2]float64{}
	for _, p := range ps {
		pct[p.Registry] = [2]float64{p.IPv4.Percent(), p.IPv6.Percent()}
	}
	c.mu.Lock()
	c.pct, c.at = pct, time.Now()
	c.mu.Unlock()
}

// maybeRefresh refreshes when the last reading is older than every.
func (c *coverage) maybeRefresh(ctx context.Context, every time.Duration) {
	c.mu.Lock()
	stale := time.Since(c.at) > every
	c.mu.Unlock()
	if stale {
		c.refresh(ctx)
	}
}

func (c *coverage) of(r ipatlas.Registry) [2]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pct[r]
}

// unitTotals maps each registry to its units and the units done before
// this process started.
func unitTotals(base []ipatlas.Progress) map[ipatlas.Registry][2]int {
	out := map[ipatlas.Registry][2]int{}
	for _, p := range base {
		out[p.Registry] = [2]int{p.Units, p.UnitsDone}
	}
	return out
}

func progressBars(ctx context.Context, e *env, base []ipatlas.Progress, cr *crawl.Crawler, cov *coverage) func() {
	p := mpb.New(mpb.WithOutput(e.stdout), mpb.WithRefreshRate(250*time.Millisecond), mpb.WithWidth(32))
	totals := unitTotals(base)
	bars := map[ipatlas.Registry]*mpb.Bar{}
	start := time.Now()
	for _, r := range ipatlas.Registries() {
		t := totals[r]
		if t[0] == 0 {
			continue
		}
		reg := r
		bars[r] = p.AddBar(int64(t[0]),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-8s", r)), decor.CountersNoUnit("%d/%d units")),
			mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO),
				decor.Any(func(decor.Statistics) string {
					pct := cov.of(reg)
					return fmt.Sprintf(" v4 %6.2f%% v6 %6.2f%%", pct[0], pct[1]) + barStats(cr, reg, start)
				})))
		bars[r].SetCurrent(int64(t[1]))
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, c := range cr.Counters() {
				if b := bars[c.Registry]; b != nil {
					b.SetCurrent(int64(totals[c.Registry][1]) + c.Done)
				}
			}
			cov.maybeRefresh(ctx, 2*time.Second)
			select {
			case <-done:
				cov.refresh(context.Background())
				for _, c := range cr.Counters() { // the final count, so finished bars read 100%
					if b := bars[c.Registry]; b != nil {
						b.SetCurrent(int64(totals[c.Registry][1]) + c.Done)
					}
				}
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		for _, b := range bars {
			b.Abort(false)
		}
		p.Wait()
	}
}

// barStats is the tail of a registry's bar: rate, 429s, retries, failures.
func barStats(cr *crawl.Crawler, r ipatlas.Registry, start time.Time) string {
	for _, c := range cr.Counters() {
		if c.Registry == r {
			qps := float64(c.Queries) / max(time.Since(start).Seconds(), 0.001)
			return fmt.Sprintf(" %7.1f q/s  %d nets  %d 404  %d 429  %d retries  %d failed",
				qps, c.Answers, c.NotFound, c.Throttled, c.Retries, c.Failures)
		}
	}
	return ""
}

func progressLog(ctx context.Context, logger *slog.Logger, interval time.Duration, base []ipatlas.Progress, cr *crawl.Crawler, cov *coverage) func() {
	totals := unitTotals(base)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				cov.refresh(ctx)
				logCounters(logger, totals, cr.Counters(), cov)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		cov.refresh(context.Background())
		logCounters(logger, totals, cr.Counters(), cov)
	}
}

func logCounters(logger *slog.Logger, totals map[ipatlas.Registry][2]int, cs []crawl.CounterSnapshot, cov *coverage) {
	for _, c := range cs {
		t := totals[c.Registry]
		if t[0] == 0 {
			continue
		}
		logger.Info("crawl progress", "registry", c.Registry, "units_done", int64(t[1])+c.Done, "units", t[0],
			"ipv4_covered_pct", fmt.Sprintf("%.2f", cov.of(c.Registry)[0]),
			"ipv6_covered_pct", fmt.Sprintf("%.2f", cov.of(c.Registry)[1]),
			"queries", c.Queries, "networks", c.Answers, "not_found", c.NotFound, "skipped", c.Skipped,
			"throttled", c.Throttled, "retries", c.Retries, "failures", c.Failures,
			"limiter_wait", c.Waited.Round(time.Millisecond), "rate", c.Rate)
	}
}
