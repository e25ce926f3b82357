package regsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
)

// ServerConfig says how to serve a world. The zero value serves every
// registry on a free port of 127.0.0.1 with no limits and no faults.
type ServerConfig struct {
	// Host is the address to listen on. It must be a loopback address: the
	// simulator never serves beyond this machine. Defaults to 127.0.0.1.
	Host string
	// Ports maps a registry to its RDAP port. Zero (or missing) picks a free
	// port.
	Ports map[ipatlas.Registry]int
	// DataPort serves the bootstrap files, delegated-stats files and
	// /sim/stats. Zero picks a free port.
	DataPort int
	// Limits are each registry's rate limits; a missing registry is unlimited.
	Limits map[ipatlas.Registry]Limit
	// Faults are each registry's injected faults; a missing registry has none.
	Faults map[ipatlas.Registry]Faults
	// Now is the clock the limits run on. Defaults to time.Now.
	Now func() time.Time
	// Seed seeds the fault stream. Defaults to the world's seed.
	Seed uint64
	// CountQueries counts how often each /ip/ query was asked, so tests can
	// find addresses asked about twice (see QueryCounts).
	CountQueries bool
	// CymruPort serves the Team Cymru bulk whois service (origin AS).
	// Zero picks a free port.
	CymruPort int
	// Cymru says how the Cymru service behaves (cap, cut sessions).
	Cymru CymruConfig
	// WhoisPorts maps a registry to its WHOIS (port 43) port. Zero (or
	// missing) picks a free port.
	WhoisPorts map[ipatlas.Registry]int
}

// Server serves a World as the five registries do. Start it, read its URLs,
// Close it. It is safe for concurrent use.
type Server struct {
	world *World
	cfg   ServerConfig
	regs  map[ipatlas.Registry]*registryServer
	data  *dataServer
	stats *stats

	mu      sync.Mutex
	askedMu sync.Mutex                    // not mu: Close holds mu while handlers finish
	asked   map[string]int                // registry + " " + query -> times asked, when counting
	order   map[ipatlas.Registry][]string // each registry's queries in the order they came, when counting
	servers []*http.Server
	fresh   freshConns
	urls    map[ipatlas.Registry]string
	dataURL string
	cymru   *cymruServer
	cymruAt string // the Cymru service's host:port
	whois   *whoisServers
}

// ErrNotLoopback is returned for a Host that is not a loopback address.
var ErrNotLoopback = errors.New("the simulator listens on loopback addresses only")

// NewServer prepares a server for w; nothing listens until Start.
func NewServer(w *World, c ServerConfig) (*Server, error) {
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if ip := net.ParseIP(c.Host); c.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("%w: host %q", ErrNotLoopback, c.Host)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Seed == 0 {
		c.Seed = w.cfg.Seed
	}
	s := &Server{world: w, cfg: c, regs: map[ipatlas.Registry]*registryServer{}, stats: newStats(), urls: map[ipatlas.Registry]string{}}
	for i, r := range registries {
		s.regs[r] = &registryServer{srv: s, p: profiles[r], lim: newLimiter(c.Limits[r]),
			flt: newFaulter(c.Faults[r], c.Seed+uint64(i))}
	}
	s.data = &dataServer{srv: s}
	s.cymru = newCymruServer(w, c.Cymru, c.Now)
	s.whois = newWhoisServers(s)
	return s, nil
}

// Start listens on every port and serves in the background. Every URL is
// known before the first request is served, so redirects never race Start.
func (s *Server) Start() error {
	handlers := map[net.Listener]http.Handler{}
	closeAll := func() {
		for ln := range handlers {
			ln.Close()
		}
	}
	for _, r := range registries {
		ln, err := s.listen(s.cfg.Ports[r])
		if err != nil {
			closeAll()
			return fmt.Errorf("start %s server: %w", r, err)
		}
		handlers[ln] = s.regs[r]
		s.urls[r] = "http://" + ln.Addr().String() + profiles[r].base
	}
	ln, err := s.listen(s.cfg.DataPort)
	if err != nil {
		closeAll()
		return fmt.Errorf("start data server: %w", err)
	}
	handlers[ln] = s.data
	s.dataURL = "http://" + ln.Addr().String() + "/"
	cln, err := s.listen(s.cfg.CymruPort)
	if err != nil {
		closeAll()
		return fmt.Errorf("start cymru server: %w", err)
	}
	s.cymruAt = cln.Addr().String()
	s.cymru.serve(cln)
	if err := s.whois.start(); err != nil {
		closeAll()
		s.cymru.close()
		return err
	}
	for ln, h := range handlers {
		s.serve(ln, h)
	}
	return nil
}

func (s *Server) listen(port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(s.cfg.Host, fmt.Sprint(port)))
}

func (s *Server) serve(ln net.Listener, h http.Handler) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		IdleTimeout: 2 * time.Minute, ConnState: s.fresh.track}
	s.mu.Lock()
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	go hs.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Close
}

// Close stops every server, waiting briefly for answers in flight.
// Connections that never sent a request are closed first: Shutdown would
// wait for them (clients open spare connections) until its timeout.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fresh.closeAll()
	s.cymru.close()
	s.whois.close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, hs := range s.servers {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, hs.Close())
		}
	}
	s.servers = nil
	return errors.Join(errs...)
}

// URL is the base URL of a registry's RDAP service, ending in "/", as the
// bootstrap file lists it (e.g. http://127.0.0.1:PORT/registry/ for ARIN).
func (s *Server) URL(r ipatlas.Registry) string { return s.urls[r] }

// DataURL is the base URL of the data server, ending in "/".
func (s *Server) DataURL() string { return s.dataURL }

// CymruAddr is the host:port of the Team Cymru bulk whois service.
func (s *Server) CymruAddr() string { return s.cymruAt }

// CymruStats returns the Cymru service's counters.
func (s *Server) CymruStats() CymruStats { return s.cymru.stats() }

// BootstrapURL is the base under which ipv4.json and ipv6.json live.
func (s *Server) BootstrapURL() string { return s.dataURL + "rdap/" }

// DelegatedURL is the URL of a registry's extended delegated-stats file.
func (s *Server) DelegatedURL(r ipatlas.Registry) string {
	return fmt.Sprintf("%sstats/%s/delegated-%s-extended-latest", s.dataURL, r, r)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Handler is a registry's RDAP handler, for serving it in-process.
func (s *Server) Handler(r ipatlas.Registry) http.Handler { return s.regs[r] }

// QueryCounts returns how often each /ip/ query was asked, keyed
// "registry query" (empty unless ServerConfig.CountQueries).
func (s *Server) QueryCounts() map[string]int {
	s.askedMu.Lock()
	defer s.askedMu.Unlock()
	out := make(map[string]int, len(s.asked))
	for k, v := range s.asked {
		out[k] = v
	}
	return out
}

// Repeats is how many /ip/ queries were asked again: every asking of a
// query after its first (0 unless ServerConfig.CountQueries). A perfect
// walk asks nothing twice.
func (s *Server) Repeats() int {
	n := 0
	for _, c := range s.QueryCounts() {
		n += c - 1
	}
	return n
}

func (s *Server) countQuery(reg ipatlas.Registry, q string) {
	if !s.cfg.CountQueries {
		return
	}
	s.askedMu.Lock()
	defer s.askedMu.Unlock()
	if s.asked == nil {
		s.asked = map[string]int{}
	}
	s.asked[string(reg)+" "+q]++
	if s.order == nil {
		s.order = map[ipatlas.Registry][]string{}
	}
	s.order[reg] = append(s.order[reg], q)
}

// QueryOrder returns a registry's /ip/ queries in the order they came
// (empty unless ServerConfig.CountQueries), so tests can check what a
// crawl asked first.
func (s *Server) QueryOrder(reg ipatlas.Registry) []string {
	s.askedMu.Lock()
	defer s.askedMu.Unlock()
	return append([]string(nil), s.order[reg]...)
}

// World is the world being served.
func (s *Server) World() *World { return s.world }

// freshConns are the connections that have not sent a request yet. Safe
// for concurrent use.
type freshConns struct {
	mu sync.Mutex
	m  map[net.Conn]struct{}
}

func (f *freshConns) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st != http.StateNew {
		delete(f.m, c)
		return
	}
	if f.m == nil {
		f.m = map[net.Conn]struct{}{}
	}
	f.m[c] = struct{}{}
}

func (f *freshConns) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.m {
		c.Close()
	}
}
