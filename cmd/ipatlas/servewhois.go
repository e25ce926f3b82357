package main

import (
	"context"
	"flag"
	"log/slog"
	"net"

	"github.com/ipatlas/ipatlas/serve"
)

// whoisFlags are serve's flags for its WHOIS server.
type whoisFlags struct {
	addr     *string
	maxConns *int
}

func addWhoisFlags(fs *flag.FlagSet) whoisFlags {
	return whoisFlags{
		addr: fs.String("whois", "", "also answer WHOIS queries (RFC 3912, port 43) on this `address`, e.g. :43 or :4343 (empty: no WHOIS)"),
		maxConns: fs.Int("whois-max-conns", serve.WhoisConfig{}.WithDefaults().MaxConns,
			"most WHOIS connections served at once; more are refused with a line saying so"),
	}
}

func (f whoisFlags) check() error {
	if *f.maxConns < 1 {
		return usageErr("--whois-max-conns %d: want at least 1", *f.maxConns)
	}
	return nil
}

// startWhois listens on --whois and answers from live until ctx ends;
// wait returns what the server returned, once ctx has ended. Should the
// server fail, it calls stop, so that the HTTP server stops with it. No
// --whois: nothing is started and wait returns nil.
func startWhois(ctx context.Context, stop context.CancelFunc, log *slog.Logger, f whoisFlags, live *serve.Live) (wait func() error, err error) {
	if *f.addr == "" {
		return func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", *f.addr)
	if err != nil {
		return nil, err
	}
	log.Info("serving whois", "addr", ln.Addr().String(), "max_conns", *f.maxConns)
	done := make(chan error, 1)
	go func() {
		err := serve.ServeWhois(ctx, ln, live, serve.WhoisConfig{MaxConns: *f.maxConns})
		stop()
		done <- err
	}()
	return func() error { return <-done }, nil
}
