package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/regsim"
)

// simFlags are the flags that describe a simulated world and its servers;
// `sim` and `demo` share them.
type simFlags struct {
	seed         uint64
	blocks       string
	ipv6PerBlock int
	delegatedDir string
	transfer     float64
	gaps         float64
	host         string
	portBase     int
	limits       string
	limit        multiFlag
	faults       multiFlag
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func (f *simFlags) register(fs *flag.FlagSet) {
	fs.Uint64Var(&f.seed, "seed", 1, "world `seed`: the same seed builds the same world")
	fs.StringVar(&f.blocks, "blocks", "", "comma-separated IPv4 and IPv6 `prefixes` to populate; \"all\" for every RIR block (full scale); default: two /8s and one IPv6 block per registry")
	fs.IntVar(&f.ipv6PerBlock, "ipv6-per-block", 0, "top-level allocations per IPv6 block (default 128)")
	fs.StringVar(&f.delegatedDir, "delegated", "", "load top-level allocations from the delegated-stats files in `DIR` instead of generating them")
	fs.Float64Var(&f.transfer, "transfer-share", 0, "share of IPv4 top-level blocks transferred to another registry (default 0.03)")
	fs.Float64Var(&f.gaps, "gap-share", 0, "share of top-level slots left unregistered (default 0.05)")
	fs.StringVar(&f.host, "host", "127.0.0.1", "loopback `address` to listen on")
	fs.IntVar(&f.portBase, "port-base", 0, "first `port`: AFRINIC, APNIC, ARIN, LACNIC, RIPE NCC and the data server take six in a row,\nthe registries' WHOIS servers the next five (0: free ports)")
	fs.StringVar(&f.limits, "limits", "none", "rate limits: \"none\" or \"real\" (LACNIC 10/min then a 5-minute block, others a few per second)")
	fs.Var(&f.limit, "limit", "one registry's rate limit per client address (repeatable), e.g. lacnic=10/m,burst=10,block=5m: `REG=RATE[/s|/m|/h][,burst=N][,block=DUR][,retry-after]`")
	fs.Var(&f.faults, "faults", "faults injected into a registry's answers (repeatable), each a share P of requests: `REG|all=5xx=P,reset=P,truncate=P,malformed=P,slow=P,slow-delay=DUR,latency=DUR`")
}

// world builds the world the flags describe.
func (f *simFlags) world() (*regsim.World, error) {
	cfg := regsim.Config{Seed: f.seed, IPv6PerBlock: f.ipv6PerBlock, TransferShare: f.transfer, GapShare: f.gaps}
	if err := f.setBlocks(&cfg); err != nil {
		return nil, err
	}
	if f.delegatedDir != "" {
		files, err := loadDelegatedDir(f.delegatedDir)
		if err != nil {
			return nil, err
		}
		cfg.Delegated = files
	}
	return regsim.New(cfg)
}

func (f *simFlags) setBlocks(cfg *regsim.Config) error {
	switch strings.TrimSpace(f.blocks) {
	case "":
		return nil
	case "all":
		cfg.IPv4, cfg.IPv6 = regsim.FullIPv4(), regsim.FullIPv6()
		return nil
	}
	cfg.IPv4, cfg.IPv6 = []netip.Prefix{}, []netip.Prefix{}
	for _, s := range strings.Split(f.blocks, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return usageErr("--blocks: %q is not a prefix (want e.g. 13.0.0.0/8 or 2001:600::/23)", s)
		}
		if p.Addr().Is4() {
			cfg.IPv4 = append(cfg.IPv4, p)
		} else {
			cfg.IPv6 = append(cfg.IPv6, p)
		}
	}
	return nil
}

// loadDelegatedDir parses every delegated-stats file in dir.
func loadDelegatedDir(dir string) ([]*delegated.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--delegated: %w", err)
	}
	var files []*delegated.File
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "delegated-") {
			continue
		}
		f, err := delegated.ParseFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("--delegated: %w", err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("--delegated: no delegated-* files in %s", dir)
	}
	return files, nil
}

// serverConfig turns the limit, fault and port flags into a ServerConfig.
func (f *simFlags) serverConfig() (regsim.ServerConfig, error) {
	c := regsim.ServerConfig{Host: f.host, Limits: map[ipatlas.Registry]regsim.Limit{}, Faults: map[ipatlas.Registry]regsim.Faults{}}
	switch f.limits {
	case "none":
	case "real":
		c.Limits = regsim.RealLimits()
	default:
		return c, usageErr("--limits %q: want none or real", f.limits)
	}
	if err := eachRegistrySpec("--limit", f.limit, func(r ipatlas.Registry, spec string) error {
		l, err := regsim.ParseLimit(spec)
		c.Limits[r] = l
		return err
	}); err != nil {
		return c, err
	}
	if err := eachRegistrySpec("--faults", f.faults, func(r ipatlas.Registry, spec string) error {
		flt, err := regsim.ParseFaults(spec)
		c.Faults[r] = flt
		return err
	}); err != nil {
		return c, err
	}
	if f.portBase < 0 || f.portBase > 65535-11 {
		return c, usageErr("--port-base %d: want 0 or a port up to 65524", f.portBase)
	}
	if f.portBase > 0 {
		c.Ports = map[ipatlas.Registry]int{}
		for i, r := range ipatlas.Registries() {
			c.Ports[r] = f.portBase + i
		}
		c.DataPort = f.portBase + len(ipatlas.Registries())
		c.WhoisPorts = map[ipatlas.Registry]int{}
		for i, r := range ipatlas.Registries() {
			c.WhoisPorts[r] = c.DataPort + 1 + i
		}
	}
	return c, nil
}

// start serves w as the flags say; the caller closes the server.
func (f *simFlags) start(w *regsim.World) (*regsim.Server, error) { return f.startWith(w, nil, nil) }

// startWith serves w with the given limits and faults under any the flags
// set.
func (f *simFlags) startWith(w *regsim.World, limits map[ipatlas.Registry]regsim.Limit, faults map[ipatlas.Registry]regsim.Faults) (*regsim.Server, error) {
	sc, err := f.serverConfig()
	if err != nil {
		return nil, err
	}
	for r, l := range limits {
		if _, set := sc.Limits[r]; !set {
			sc.Limits[r] = l
		}
	}
	for r, flt := range faults {
		if _, set := sc.Faults[r]; !set {
			sc.Faults[r] = flt
		}
	}
	srv, err := regsim.NewServer(w, sc)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// eachRegistrySpec splits REG=SPEC values ("all" meaning every registry).
func eachRegistrySpec(flagName string, values []string, set func(ipatlas.Registry, string) error) error {
	for _, v := range values {
		name, spec, ok := strings.Cut(v, "=")
		if !ok {
			return usageErr("%s %q: want REG=SPEC", flagName, v)
		}
		regs, err := ipatlas.ParseRegistries(name)
		if err != nil {
			return usageErr("%s %q: %v", flagName, v, err)
		}
		for _, r := range regs {
			if err := set(r, spec); err != nil {
				return usageErr("%s: %v", flagName, err)
			}
		}
	}
	return nil
}

func runSim(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim", "[flags]", `Run the registry simulator: RDAP servers for AFRINIC, APNIC, ARIN, LACNIC and
RIPE NCC on loopback, with each registry's answer shapes, redirects, rate limits
and faults, and their WHOIS servers (port 43 protocol, each registry's text
format, referrals, the same limits and faults); the RFC 9224 bootstrap files
and delegated-stats files on a data server; counters at /sim/stats (WHOIS at
/sim/whois-stats). It prints where everything listens and serves until
interrupted.

With --truth FILE it writes the ground truth instead (the networks a perfect
walk records, as JSON lines; "-" for standard output) and a per-registry
summary, and exits. With --dumps DIR it writes the split RPSL dumps of RIPE
NCC, APNIC and AFRINIC (ripe.db.inetnum.gz, …; for 'ipatlas load-dump')
into DIR, dated by the world's epoch, and exits.`)
	var f simFlags
	f.register(fs)
	truth := fs.String("truth", "", "write the perfect walk as JSON lines to `FILE` (\"-\": stdout) and exit")
	dumps := fs.String("dumps", "", "write the registries' split RPSL dumps into `DIR` and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, err := f.world()
	if err != nil {
		return err
	}
	for _, warn := range w.Warnings() {
		fmt.Fprintln(e.stderr, "warning:", warn)
	}
	if *truth != "" {
		return writeTruth(e, w, *truth)
	}
	if *dumps != "" {
		return writeDumps(e, w, *dumps)
	}
	srv, err := f.start(w)
	if err != nil {
		return err
	}
	defer srv.Close()
	printListeners(e.stdout, srv)
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "simulator stopped")
	return nil
}

func printListeners(out io.Writer, srv *regsim.Server) {
	w := srv.World()
	fmt.Fprintf(out, "world: %d networks (seed %d)\n", w.Len(), w.Config().Seed)
	for _, r := range ipatlas.Registries() {
		fmt.Fprintf(out, "%-8s RDAP       %s\n", r, srv.URL(r))
	}
	for _, r := range ipatlas.Registries() {
		fmt.Fprintf(out, "%-8s WHOIS      %s\n", r, srv.WhoisAddr(r))
	}
	fmt.Fprintf(out, "bootstrap           %sipv4.json  %sipv6.json\n", srv.BootstrapURL(), srv.BootstrapURL())
	for _, r := range ipatlas.Registries() {
		fmt.Fprintf(out, "%-8s delegated  %s\n", r, srv.DelegatedURL(r))
	}
	for _, r := range regsim.DumpRegistries() {
		fmt.Fprintf(out, "%-8s dumps      %s\n", r, strings.Join(srv.DumpURLs(r), " "))
	}
	fmt.Fprintf(out, "cymru    origin AS  %s (bulk whois: begin, verbose, one address a line, end)\n", srv.CymruAddr())
	fmt.Fprintf(out, "stats               %ssim/stats  %ssim/whois-stats\n", srv.DataURL(), srv.DataURL())
}

// writeDumps writes the world's split RPSL dumps into dir.
func writeDumps(e *env, w *regsim.World, dir string) error {
	paths, err := w.WriteDumps(dir)
	if err != nil {
		return fmt.Errorf("--dumps: %w", err)
	}
	for _, p := range paths {
		fmt.Fprintln(e.stdout, p)
	}
	return nil
}

func writeTruth(e *env, w *regsim.World, path string) error {
	out := e.stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("--truth: %w", err)
		}
		defer f.Close()
		out = f
	}
	if err := w.WriteTruth(out); err != nil {
		return fmt.Errorf("write truth to %s: %w", path, err)
	}
	return printTruthSummary(e.stderr, w.Truth())
}

func printTruthSummary(out io.Writer, t *regsim.Truth) error {
	regs := make([]string, 0, len(t.ByRegistry))
	for r := range t.ByRegistry {
		regs = append(regs, string(r))
	}
	sort.Strings(regs)
	fmt.Fprintf(out, "%-8s %10s %10s %14s %s\n", "registry", "networks", "top-level", "IPv4 addrs", "IPv6 addrs")
	for _, r := range regs {
		rt := t.ByRegistry[ipatlas.Registry(r)]
		v6, _ := json.Marshal(rt.IPv6Addresses)
		fmt.Fprintf(out, "%-8s %10d %10d %14d %s\n", r, rt.Networks, rt.TopLevel, rt.IPv4Addresses, v6)
	}
	fmt.Fprintf(out, "total    %10d queries for a perfect walk\n", len(t.Steps))
	return nil
}
