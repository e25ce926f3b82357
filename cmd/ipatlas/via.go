package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/whois"
)

// viaFlags say which protocol reaches each registry: RDAP, or WHOIS on
// port 43 for some or all of them.
type viaFlags struct {
	via     string
	servers multiFlag
}

func (f *viaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.via, "via", "rdap", "how to ask the registries, `rdap|whois[=REGISTRIES]`: WHOIS (port 43) at the registries\nnamed (all when none are) and RDAP at the rest")
	fs.Var(&f.servers, "whois-server", "a registry's WHOIS server, `REG=HOST:PORT` (repeatable); defaults: the registries' own,\ne.g. whois.ripe.net:43")
}

// viaOptions are the registries asked over WHOIS and where.
type viaOptions struct {
	whois   map[ipatlas.Registry]bool
	servers map[ipatlas.Registry]string
}

func (f *viaFlags) options() (viaOptions, error) {
	o := viaOptions{whois: map[ipatlas.Registry]bool{}, servers: map[ipatlas.Registry]string{}}
	switch proto, regs, named := strings.Cut(strings.TrimSpace(f.via), "="); {
	case f.via == "" || f.via == "rdap":
	case proto == "whois" && (!named || strings.TrimSpace(regs) != ""):
		list, err := ipatlas.ParseRegistries(regs)
		if err != nil {
			return o, usageErr("--via %q: %v", f.via, err)
		}
		for _, r := range list {
			o.whois[r] = true
		}
	default:
		return o, usageErr("--via %q: want rdap, whois or whois=REG[,REG…]", f.via)
	}
	err := eachRegistrySpec("--whois-server", f.servers, func(r ipatlas.Registry, addr string) error {
		host, port, err := net.SplitHostPort(addr)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || host == "" || n < 1 || n > 65535 {
			return fmt.Errorf("%s=%s: want HOST:PORT, e.g. whois.ripe.net:43", r, addr)
		}
		o.servers[r] = addr
		return nil
	})
	return o, err
}

// querier builds what asks the registries: the RDAP client, the WHOIS
// client, or both with each registry routed to its protocol. The RDAP
// bootstrap is fetched only when some registry is asked over RDAP.
func (f *walkFlags) querier(ctx context.Context, o walkOptions) (crawl.Querier, error) {
	var rd *rdap.Client
	if len(o.via.whois) < len(ipatlas.Registries()) {
		boot, err := crawl.Fetcher{}.Bootstrap(ctx, f.bootstrap)
		if err != nil {
			return nil, err
		}
		if rd, err = rdap.NewClient(rdap.ClientConfig{Bootstrap: boot, MaxConnsPerHost: f.concurrency * 2, SourceAddr: o.source}); err != nil {
			return nil, err
		}
	}
	if len(o.via.whois) == 0 {
		return rd, nil
	}
	wc, err := whois.NewClient(whois.ClientConfig{Servers: o.via.servers, SourceAddr: o.source})
	if err != nil {
		return nil, err
	}
	if rd == nil {
		return wc, nil
	}
	return routed{whois: wc, rdap: rd, viaWhois: o.via.whois}, nil
}

// routed sends each registry's questions over the protocol chosen for it.
type routed struct {
	whois    *whois.Client
	rdap     *rdap.Client
	viaWhois map[ipatlas.Registry]bool
}

func (r routed) QueryIP(ctx context.Context, reg ipatlas.Registry, a netip.Addr) (rdap.Answer, error) {
	if r.viaWhois[reg] {
		return r.whois.QueryIP(ctx, reg, a)
	}
	return r.rdap.QueryIP(ctx, reg, a)
}
