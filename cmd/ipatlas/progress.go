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
	cov := newCoverage(base, cr)
	switch mode {
	case "bars":
		return progressBars(e, base, cr, cov)
	case "log":
		return progressLog(logger, interval, base, cr, cov)
	}
	return func() {}
}

// coverage is each registry's share of addresses behind the cursors: the
// store's figures when the crawl started, plus what this process's cursors
// have passed since (so the display never rescans the units).
type coverage struct {
	base map[ipatlas.Registry]ipatlas.Progress
	cr   *crawl.Crawler
}

func newCoverage(base []ipatlas.Progress, cr *crawl.Crawler) *coverage {
	c := &coverage{base: map[ipatlas.Registry]ipatlas.Progress{}, cr: cr}
	for _, p := range base {
		c.base[p.Registry] = p
	}
	return c
}

// of is a registry's IPv4 and IPv6 percent covered.
func (c *coverage) of(r ipatlas.Registry) [2]float64 {
	p := c.base[r]
	for _, s := range c.cr.Counters() {
		if s.Registry == r {
			p.IPv4.Covered += s.Covered4
			p.IPv6.Covered += s.Covered6
		}
	}
	return [2]float64{p.IPv4.Percent(), p.IPv6.Percent()}
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

func progressBars(e *env, base []ipatlas.Progress, cr *crawl.Crawler, cov *coverage) func() {
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
			select {
			case <-done:
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

func progressLog(logger *slog.Logger, interval time.Duration, base []ipatlas.Progress, cr *crawl.Crawler, cov *coverage) func() {
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
				logCounters(logger, totals, cr.Counters(), cov)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
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
