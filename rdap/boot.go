package rdap

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Bootstrap is an RFC 9224 bootstrap registry: which RDAP servers answer
// for which address blocks.
type Bootstrap struct {
	Publication time.Time
	Description string
	Services    []Service

	index []entry // every prefix with its service, longest first within an address
}

// Service is one bootstrap entry: blocks and the servers answering for them.
type Service struct {
	Prefixes []netip.Prefix
	URLs     []string // each ends in "/"
}

type entry struct {
	prefix  netip.Prefix
	service int
}

// ParseBootstrap reads an RFC 9224 file (ipv4.json or ipv6.json).
func ParseBootstrap(r io.Reader, name string) (*Bootstrap, error) {
	var w struct {
		Description string              `json:"description"`
		Publication string              `json:"publication"`
		Services    [][]json.RawMessage `json:"services"`
	}
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&w); err != nil {
		return nil, fmt.Errorf("bootstrap %s: %w", name, err)
	}
	b := &Bootstrap{Description: w.Description}
	if w.Publication != "" {
		t, err := time.Parse(time.RFC3339, w.Publication)
		if err != nil {
			return nil, fmt.Errorf("bootstrap %s: publication %q: not an RFC 3339 date", name, w.Publication)
		}
		b.Publication = t
	}
	for i, s := range w.Services {
		svc, err := parseService(s)
		if err != nil {
			return nil, fmt.Errorf("bootstrap %s: services[%d]%w", name, i, err)
		}
		b.Services = append(b.Services, svc)
	}
	b.buildIndex()
	return b, nil
}

func parseService(s []json.RawMessage) (Service, error) {
	var svc Service
	if len(s) != 2 {
		return svc, fmt.Errorf(": want [[prefixes], [urls]]")
	}
	var prefixes, urls []string
	if json.Unmarshal(s[0], &prefixes) != nil {
		return svc, fmt.Errorf("[0]: want an array of prefixes")
	}
	if json.Unmarshal(s[1], &urls) != nil || len(urls) == 0 {
		return svc, fmt.Errorf("[1]: want an array of URLs")
	}
	for j, p := range prefixes {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return svc, fmt.Errorf("[0][%d]: %q is not a prefix", j, p)
		}
		svc.Prefixes = append(svc.Prefixes, pfx.Masked())
	}
	for j, u := range urls {
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return svc, fmt.Errorf("[1][%d]: %q is not an http(s) URL", j, u)
		}
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		svc.URLs = append(svc.URLs, u)
	}
	return svc, nil
}

// buildIndex sorts every prefix so Lookup is a binary search.
func (b *Bootstrap) buildIndex() {
	b.index = b.index[:0]
	for i, s := range b.Services {
		for _, p := range s.Prefixes {
			b.index = append(b.index, entry{p, i})
		}
	}
	sort.Slice(b.index, func(i, j int) bool {
		a, c := b.index[i].prefix, b.index[j].prefix
		if a.Addr() != c.Addr() {
			return a.Addr().Less(c.Addr())
		}
		return a.Bits() < c.Bits()
	})
}

// Merge combines two bootstrap files (ipv4.json and ipv6.json) into one.
func (b *Bootstrap) Merge(o *Bootstrap) *Bootstrap {
	out := &Bootstrap{Publication: b.Publication, Description: b.Description,
		Services: append(append([]Service(nil), b.Services...), o.Services...)}
	if o.Publication.After(out.Publication) {
		out.Publication = o.Publication
	}
	out.buildIndex()
	return out
}

// Lookup returns the servers for a: the longest matching prefix.
func (b *Bootstrap) Lookup(a netip.Addr) ([]string, bool) {
	a = a.Unmap()
	// The candidates start at or before a; scan back over them for the
	// longest that holds it. Bootstrap prefixes rarely nest, so this is short.
	i := sort.Search(len(b.index), func(i int) bool { return a.Less(b.index[i].prefix.Addr()) })
	best := -1
	for j := i - 1; j >= 0 && j >= i-64; j-- {
		p := b.index[j].prefix
		if p.Contains(a) && (best < 0 || p.Bits() > b.index[best].prefix.Bits()) {
			best = j
		}
	}
	if best < 0 {
		return nil, false
	}
	return b.Services[b.index[best].service].URLs, true
}

// PreferredURL is the https server for a when there is one, else the first.
func (b *Bootstrap) PreferredURL(a netip.Addr) (string, bool) {
	urls, ok := b.Lookup(a)
	if !ok {
		return "", false
	}
	return preferHTTPS(urls), true
}

// Hosts lists the host (and port, when given) of every server: a redirect
// may lead only to one of them.
func (b *Bootstrap) Hosts() map[string]bool {
	out := map[string]bool{}
	for _, s := range b.Services {
		for _, u := range s.URLs {
			if p, err := url.Parse(u); err == nil {
				out[p.Host] = true
			}
		}
	}
	return out
}
