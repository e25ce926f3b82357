package regsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/iana"
)

// dataServer serves what the registries publish as files: IANA's RFC 9224
// bootstrap files (pointing at the local RDAP servers), each registry's
// delegated-stats files, and the simulator's own counters.
type dataServer struct {
	srv  *Server
	once sync.Map // path -> *lazyFile
}

type lazyFile struct {
	once sync.Once
	body []byte
	ct   string
}

func (d *dataServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/sim/stats" || r.URL.Path == "/sim/whois-stats" {
		stats := d.srv.Stats()
		if r.URL.Path == "/sim/whois-stats" {
			stats = d.srv.WhoisStats()
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(stats) //nolint:errcheck // the client may have gone
		return
	}
	gen := d.generator(r.URL.Path)
	if gen == nil {
		http.NotFound(w, r)
		return
	}
	v, _ := d.once.LoadOrStore(r.URL.Path, &lazyFile{})
	f := v.(*lazyFile)
	f.once.Do(func() { f.body, f.ct = gen() })
	w.Header().Set("Content-Type", f.ct)
	http.ServeContent(w, r, "", d.srv.world.cfg.Epoch, bytes.NewReader(f.body))
}

// generator finds what builds the file at path, or nil.
func (d *dataServer) generator(path string) func() ([]byte, string) {
	switch path {
	case "/rdap/ipv4.json":
		return func() ([]byte, string) { return d.srv.bootstrap(true), "application/json" }
	case "/rdap/ipv6.json":
		return func() ([]byte, string) { return d.srv.bootstrap(false), "application/json" }
	}
	for _, reg := range registries {
		for _, extended := range []bool{true, false} {
			if path == delegatedPath(reg, extended) && (extended || reg != ipatlas.ARIN) {
				return func() ([]byte, string) { return d.srv.world.delegatedBytes(reg, extended), "text/plain" }
			}
		}
	}
	return d.srv.world.dumpGenerator(path)
}

func delegatedPath(reg ipatlas.Registry, extended bool) string {
	name := "delegated-" + string(reg) + "-latest"
	if extended {
		name = "delegated-" + string(reg) + "-extended-latest"
	}
	return "/stats/" + string(reg) + "/" + name
}

// ARIN publishes only the extended file, so only that one is served for it.

// bootstrap writes an RFC 9224 bootstrap file: every IANA block of each
// registry, pointing at the local RDAP server for it.
func (s *Server) bootstrap(v4 bool) []byte {
	blocks := map[ipatlas.Registry][]string{}
	if v4 {
		for _, b := range iana.IPv4Slash8s() {
			if b.Registry != "" {
				blocks[b.Registry] = append(blocks[b.Registry], b.Prefix().String())
			}
		}
	} else {
		for _, b := range iana.IPv6Blocks() {
			blocks[b.Registry] = append(blocks[b.Registry], b.Prefix.String())
		}
	}
	services := [][][]string{}
	for _, r := range registries {
		services = append(services, [][]string{blocks[r], {s.URL(r)}})
	}
	kind := map[bool]string{true: "IPv4", false: "IPv6"}[v4]
	out, _ := json.MarshalIndent(map[string]any{
		"description": "RDAP bootstrap file for " + kind + " address allocations",
		"publication": s.world.cfg.Epoch.Format("2006-01-02T15:04:05Z"),
		"services":    services,
		"version":     "1.0",
	}, "", "  ")
	return out
}

// delegatedBytes renders a registry's delegated-stats file.
func (w *World) delegatedBytes(reg ipatlas.Registry, extended bool) []byte {
	var b bytes.Buffer
	if err := delegated.Write(&b, w.Delegated(reg, extended)); err != nil {
		return []byte("# " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
	}
	return b.Bytes()
}
