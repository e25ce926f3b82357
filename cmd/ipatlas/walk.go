package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
)

// walkFlags are what crawl and worker share: the database, how to reach
// the registries and how fast, and how to report.
type walkFlags struct {
	db          string
	bootstrap   string
	rates       multiFlag
	concurrency int
	keepRaw     bool
	progress    string
	interval    time.Duration
	logFormat   string
	sourceAddr  string
	budget      string
	leaseTTL    time.Duration
	metrics     string
	maxQueries  int64
	via         viaFlags
}

func (f *walkFlags) register(fs *flag.FlagSet, progress string) {
	fs.StringVar(&f.db, "db", "ipatlas.db", dbFlagHelp)
	fs.StringVar(&f.bootstrap, "bootstrap", crawl.DefaultBootstrap, "RFC 9224 bootstrap `BASE-URL|DIR` holding ipv4.json and ipv6.json")
	fs.Var(&f.rates, "rate", "a registry's request rate, `REG=N/s|N/m` (repeatable); defaults: arin, ripencc, apnic 5/s, afrinic 1/s, lacnic 10/m")
	fs.IntVar(&f.concurrency, "concurrency", 4, "units of one registry walked at once")
	fs.BoolVar(&f.keepRaw, "keep-raw", false, "keep every answer's body, compressed")
	fs.StringVar(&f.progress, "progress", progress, "progress display: auto (bars on a terminal, else log lines), bars, log or none")
	fs.DurationVar(&f.interval, "progress-interval", 10*time.Second, "how often log-line progress is written")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.sourceAddr, "source-addr", "", "send every request from this local `ADDRESS` (registries limit each address)")
	fs.StringVar(&f.budget, "budget", "", "`NAME` of the request budget this worker shares: live workers with the same name divide each\nregistry's rate (default: --source-addr when given, else the host name)")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", 5*time.Minute, "how long a unit stays claimed by a worker that stops renewing it")
	fs.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics (e.g. :9100)")
	fs.Int64Var(&f.maxQueries, "max-queries", 0, "stop after `N` queries, every answer committed (0: no limit); run again to resume")
	f.via.register(fs)
}

// walkOptions are the parsed rates and source address.
type walkOptions struct {
	rates  map[ipatlas.Registry]float64
	source netip.Addr
	via    viaOptions
}

func (f *walkFlags) options() (walkOptions, error) {
	var o walkOptions
	if f.concurrency < 1 || f.concurrency > 256 {
		return o, usageErr("--concurrency %d: want 1 to 256", f.concurrency)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return o, usageErr("--log-format %q: want text or json", f.logFormat)
	}
	switch f.progress {
	case "auto", "bars", "log", "none":
	default:
		return o, usageErr("--progress %q: want auto, bars, log or none", f.progress)
	}
	if f.leaseTTL < time.Second {
		return o, usageErr("--lease-ttl %s: want at least 1s", f.leaseTTL)
	}
	if f.maxQueries < 0 {
		return o, usageErr("--max-queries %d: want 0 or more", f.maxQueries)
	}
	if err := checkListenAddr("--metrics", f.metrics); err != nil {
		return o, err
	}
	var err error
	if o.source, err = checkSourceAddr(f.sourceAddr); err != nil {
		return o, err
	}
	if o.via, err = f.via.options(); err != nil {
		return o, err
	}
	o.rates = crawl.DefaultRates()
	err = eachRegistrySpec("--rate", f.rates, func(r ipatlas.Registry, spec string) error {
		v, err := crawl.ParseRate(spec)
		o.rates[r] = v
		return err
	})
	return o, err
}

// checkSourceAddr parses --source-addr and makes sure this machine has
// that address, so a typo stops the worker at once rather than failing
// every request.
func checkSourceAddr(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, usageErr("--source-addr %q: want an IP address such as 192.0.2.7", s)
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(a, 0).String())
	if err != nil {
		return netip.Addr{}, usageErr("--source-addr %s: requests cannot be sent from it: %v", a, err)
	}
	ln.Close()
	return a, nil
}

// checkListenAddr refuses a listen address that cannot be one, before
// anything is fetched or opened.
func checkListenAddr(flagName, addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return usageErr("%s %q: want HOST:PORT or :PORT, e.g. :9100", flagName, addr)
	}
	return nil
}

// newCrawler builds the crawler and its RDAP or WHOIS clients for the store.
func (f *walkFlags) newCrawler(ctx context.Context, store ipatlas.Store, o walkOptions, logger *slog.Logger) (*crawl.Crawler, error) {
	client, err := f.querier(ctx, o)
	if err != nil {
		return nil, err
	}
	worker := ipatlas.Worker{Budget: f.budget} // crawl fills in the host and the default budget
	if o.source.IsValid() {
		worker.Source = o.source.String()
	}
	return crawl.New(crawl.Config{Store: store, Client: client, Rates: o.rates, Concurrency: f.concurrency,
		KeepRaw: f.keepRaw, Logger: logger, LeaseTTL: f.leaseTTL, Worker: worker, MaxQueries: f.maxQueries})
}

// crawlResult is what a crawl did, for the caller's summary.
type crawlResult struct {
	run      ipatlas.Run
	complete bool
	counters []crawl.CounterSnapshot
	elapsed  time.Duration
}

// walk crawls the run's units and, when none is left, adds the run to the
// history and marks it finished (whichever worker gets there first).
func (f *walkFlags) walk(ctx context.Context, e *env, db *database, cr *crawl.Crawler, run ipatlas.Run, logger *slog.Logger) (crawlResult, error) {
	start := time.Now()
	stopProgress := startProgress(ctx, e, f.progress, f.interval, db, cr, run.ID, logger)
	complete, err := cr.Run(ctx, run.ID)
	stopProgress()
	res := crawlResult{run: run, complete: complete, counters: cr.Counters(), elapsed: time.Since(start)}
	switch {
	case errors.Is(err, crawl.ErrBudgetSpent):
		fmt.Fprintf(e.stderr, "crawl stopped after --max-queries %d; every answer so far is committed. Run the same command to resume run %d.\n",
			f.maxQueries, run.ID)
		return res, err
	case err != nil:
		return res, err
	case !complete:
		fmt.Fprintf(e.stderr, "crawl stopped; every answer so far is committed. Run the same command to resume run %d.\n", run.ID)
		return res, nil
	}
	return res, db.finish(context.Background(), e, run)
}

func newLogger(e *env, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, nil))
	}
	return slog.New(slog.NewTextHandler(e.stderr, nil))
}
