package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/regsim"
)

// runDemo shows the whole job offline: it starts the registry simulator,
// reads its bootstrap and delegated-stats files, walks a few top-level blocks
// of every registry over RDAP, and checks what it recorded against the
// simulator's ground truth.
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[flags]", `Run ipatlas end to end with no network: start the registry simulator on
loopback, read its delegated-stats files, walk the first blocks of every
registry over RDAP (following redirects to the registry that holds the space),
and compare what was recorded with the simulator's ground truth.`)
	var f simFlags
	f.register(fs)
	perRegistry := fs.Int("blocks-per-registry", 3, "top-level `blocks` to walk in each registry")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	w, err := f.world()
	if err != nil {
		return err
	}
	srv, err := f.start(w)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(e.stdout, "simulator: %d networks in the world, RDAP for five registries on %s\n\n", w.Len(), f.host)
	d := &demoWalker{ctx: ctx, srv: srv, out: e.stdout, client: &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: loopbackOnly}}
	if err := d.loadBootstrap(); err != nil {
		return err
	}
	for _, r := range ipatlas.Registries() {
		if err := d.walkRegistry(r, *perRegistry); err != nil {
			return err
		}
	}
	return d.report()
}

type demoWalker struct {
	ctx       context.Context
	bootstrap []bootstrapService
	srv       *regsim.Server
	out       io.Writer
	client    *http.Client
	queries   int
	recorded  []ipatlas.Range
	expected  []ipatlas.Range
}

func (d *demoWalker) walkRegistry(r ipatlas.Registry, n int) error {
	f, err := d.fetchDelegated(r)
	if err != nil {
		return err
	}
	walked := 0
	for _, rec := range f.Records {
		if walked == n || d.ctx.Err() != nil {
			break
		}
		if rec.Type == "asn" || (rec.Status != "allocated" && rec.Status != "assigned") {
			continue
		}
		rg, err := rec.Range()
		if err != nil {
			return err
		}
		if err := d.walkBlock(r, rg); err != nil {
			return err
		}
		walked++
	}
	return d.ctx.Err()
}

func (d *demoWalker) fetchDelegated(r ipatlas.Registry) (*delegated.File, error) {
	resp, err := d.client.Get(d.srv.DelegatedURL(r))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return delegated.Parse(resp.Body, d.srv.DelegatedURL(r))
}

// walkBlock queries the block's first address, records the answer, and
// continues past its end until the block is covered.
func (d *demoWalker) walkBlock(r ipatlas.Registry, block ipatlas.Range) error {
	fmt.Fprintf(d.out, "%-8s %s\n", r, block)
	w := d.srv.World()
	for cur := block.From; ; {
		got, err := d.query(r, cur)
		if err != nil {
			return err
		}
		d.recorded = append(d.recorded, got.Range)
		d.expected = append(d.expected, w.Range(w.Lookup(cur)))
		fmt.Fprintf(d.out, "  %-40s %-28s %s\n", got.Range, got.Handle, got.Name)
		if got.Range.To == block.To || !got.Range.Contains(cur) {
			return nil
		}
		cur = got.Range.To.Next()
	}
}

type demoNet struct {
	Handle       string `json:"handle"`
	Name         string `json:"name"`
	StartAddress string `json:"startAddress"`
	EndAddress   string `json:"endAddress"`
	Range        ipatlas.Range
}

func (d *demoWalker) query(r ipatlas.Registry, a netip.Addr) (demoNet, error) {
	d.queries++
	u := d.serverFor(a) + "ip/" + a.String()
	req, _ := http.NewRequestWithContext(d.ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "application/rdap+json")
	resp, err := d.client.Do(req)
	if err != nil {
		return demoNet{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return demoNet{}, fmt.Errorf("%s: status %s", u, resp.Status)
	}
	var n demoNet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&n); err != nil {
		return n, fmt.Errorf("%s: %w", u, err)
	}
	n.Range, err = ipatlas.ParseRange(n.StartAddress + " - " + n.EndAddress)
	return n, err
}

func (d *demoWalker) report() error {
	st := d.srv.Stats()
	redirects := int64(0)
	for _, c := range st.Registries {
		redirects += c.Redirects
	}
	fmt.Fprintf(d.out, "\n%d RDAP queries (%d redirects followed), %d networks recorded\n", d.queries, redirects, len(d.recorded))
	for i := range d.recorded {
		if d.recorded[i] != d.expected[i] {
			return fmt.Errorf("walk disagrees with the ground truth at %s: got %s, want %s",
				d.expected[i].From, d.recorded[i], d.expected[i])
		}
	}
	fmt.Fprintln(d.out, "every recorded network matches the simulator's ground truth")
	return nil
}

// bootstrapService is one entry of an RFC 9224 bootstrap file.
type bootstrapService struct {
	prefixes []netip.Prefix
	url      string
}

// loadBootstrap reads the simulator's IANA bootstrap files, so queries go
// where a real client would send them: to the registry IANA lists, which
// redirects when another registry holds the space.
func (d *demoWalker) loadBootstrap() error {
	for _, name := range []string{"ipv4.json", "ipv6.json"} {
		resp, err := d.client.Get(d.srv.BootstrapURL() + name)
		if err != nil {
			return err
		}
		var file struct{ Services [][][]string }
		err = json.NewDecoder(resp.Body).Decode(&file)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("bootstrap %s: %w", name, err)
		}
		for _, s := range file.Services {
			svc := bootstrapService{url: s[1][0]}
			for _, p := range s[0] {
				svc.prefixes = append(svc.prefixes, netip.MustParsePrefix(p))
			}
			d.bootstrap = append(d.bootstrap, svc)
		}
	}
	return nil
}

// serverFor is the bootstrap's longest match for a.
func (d *demoWalker) serverFor(a netip.Addr) string {
	best, bits := "", -1
	for _, s := range d.bootstrap {
		for _, p := range s.prefixes {
			if p.Contains(a) && p.Bits() > bits {
				best, bits = s.url, p.Bits()
			}
		}
	}
	return best
}

// loopbackOnly follows redirects only to loopback servers: a redirect is
// untrusted input, and the demo never leaves the machine.
func loopbackOnly(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if a, err := netip.ParseAddr(req.URL.Hostname()); err != nil || !a.IsLoopback() {
		return fmt.Errorf("refusing redirect to %s: not a loopback address", req.URL.Host)
	}
	return nil
}
