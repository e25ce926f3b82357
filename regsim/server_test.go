package regsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/internal/fakeclock"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// noRedirects is a client that reports redirects instead of following them.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get fetches url from the given source address ("" for the default).
func get(tb testing.TB, client *http.Client, url string) (*http.Response, []byte) {
	tb.Helper()
	resp, err := client.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, body
}

// clientFrom is a client whose connections come from the given loopback
// address, as a fleet worker's would.
func clientFrom(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: noRedirects.CheckRedirect}
}

// pick finds a network matching keep, in address order.
func pick(tb testing.TB, w *regsim.World, keep func(regsim.NetRef) bool) regsim.NetRef {
	tb.Helper()
	var out regsim.NetRef
	w.Each(func(r regsim.NetRef) bool {
		if keep(r) {
			out = r
			return false
		}
		return true
	})
	if !out.Valid() {
		tb.Fatal("no network in the world matches")
	}
	return out
}

func held(w *regsim.World, reg ipatlas.Registry, is4, top bool) func(regsim.NetRef) bool {
	return func(r regsim.NetRef) bool {
		rg := w.Range(r)
		return w.Registry(r) == reg && rg.Is4() == is4 && w.TopLevel(r) == top &&
			iana.RegistryOf(rg.From) == reg
	}
}

type rdapNet struct {
	Handle       string `json:"handle"`
	StartAddress string `json:"startAddress"`
	EndAddress   string `json:"endAddress"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Parent       string `json:"parentHandle"`
	Class        string `json:"objectClassName"`
	ErrorCode    int    `json:"errorCode"`
	Entities     []struct {
		Handle string   `json:"handle"`
		Roles  []string `json:"roles"`
	} `json:"entities"`
}

func TestAnswersEveryRegistryAsTheWorldSays(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 2})
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	for _, reg := range ipatlas.Registries() {
		for _, is4 := range []bool{true, false} {
			for _, top := range []bool{true, false} {
				ref := pick(t, w, held(w, reg, is4, top))
				want := w.Network(ref)
				for _, a := range []netip.Addr{want.Range.From, want.Range.To} {
					if w.Lookup(a) != ref {
						continue // a child holds it more specifically
					}
					got := getNet(t, s.URL(reg)+"ip/"+a.String())
					if got.Handle != want.Handle || got.StartAddress != want.Range.From.String() ||
						got.EndAddress != want.Range.To.String() || got.Name != want.Name || got.Class != "ip network" ||
						got.Parent != want.ParentHandle || len(got.Entities) != len(want.Entities) {
						t.Errorf("%s ip/%s = %+v, want %+v", reg, a, got, want)
					}
				}
				// A prefix query answers the most specific network holding all of it.
				p := want.Range.Prefixes()[0]
				got := getNet(t, s.URL(reg)+"ip/"+p.String())
				rg, err := ipatlas.ParseRange(got.StartAddress + " - " + got.EndAddress)
				if err != nil || !rg.ContainsRange(ipatlas.PrefixRange(p)) || !want.Range.ContainsRange(rg) {
					t.Errorf("%s ip/%s = %s, want a network inside %s holding the prefix", reg, p, rg, want.Range)
				}
			}
		}
	}
}

func getNet(tb testing.TB, url string) rdapNet {
	tb.Helper()
	resp, body := get(tb, noRedirects, url)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/rdap+json" {
		tb.Fatalf("%s: %s %s", url, resp.Status, body)
	}
	var got rdapNet
	if err := json.Unmarshal(body, &got); err != nil {
		tb.Fatalf("%s: %v", url, err)
	}
	return got
}

func TestRedirectsToTheRegistryHoldingTheSpace(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 4, TransferShare: 0.2})
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	ref := pick(t, w, func(r regsim.NetRef) bool {
		return w.TopLevel(r) && w.Registry(r) != iana.RegistryOf(w.Range(r).From)
	})
	a := w.Range(ref).From
	asked, holder := iana.RegistryOf(a), w.Registry(ref)
	resp, _ := get(t, noRedirects, s.URL(asked)+"ip/"+a.String())
	wantStatus := 301
	if asked == ipatlas.ARIN {
		wantStatus = 302
	}
	if resp.StatusCode != wantStatus || resp.Header.Get("Location") != s.URL(holder)+"ip/"+a.String() {
		t.Fatalf("%s for %s held by %s: %s Location %q", asked, a, holder, resp.Status, resp.Header.Get("Location"))
	}
	// Asking any other registry about a registry's own space redirects too.
	own := w.Range(pick(t, w, held(w, ipatlas.LACNIC, true, true))).From
	resp, _ = get(t, noRedirects, s.URL(ipatlas.ARIN)+"ip/"+own.String())
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), s.URL(ipatlas.LACNIC)) {
		t.Errorf("ARIN for LACNIC's %s: %s Location %q", own, resp.Status, resp.Header.Get("Location"))
	}
}

func TestUnregisteredSpaceIsNotFound(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 5})
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	// Find an unregistered address inside a registry's block: just past a
	// top-level block that is followed by a gap.
	var gap netip.Addr
	w.Each(func(r regsim.NetRef) bool {
		next := w.Range(r).To.Next()
		if w.TopLevel(r) && next.IsValid() && !w.Lookup(next).Valid() && iana.RegistryOf(next) == w.Registry(r) {
			gap = next
			return false
		}
		return true
	})
	if !gap.IsValid() {
		t.Fatal("the world has no gap")
	}
	reg := iana.RegistryOf(gap)
	resp, body := get(t, noRedirects, s.URL(reg)+"ip/"+gap.String())
	var e rdapNet
	if resp.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.ErrorCode != 404 {
		t.Fatalf("%s ip/%s: %s %s", reg, gap, resp.Status, body)
	}
}

func TestBadRequestsGetRegistryStyle400(t *testing.T) {
	t.Parallel()
	s := simtest.Serve(t, smallWorld(t, 1), regsim.ServerConfig{})
	for _, reg := range ipatlas.Registries() {
		for _, path := range []string{"ip/not-an-address", "ip/1.2.3.4/33", "ip/", "ip/fe80::1%25eth0",
			"nonsense", "ip/1.2.3.4/8/9", "entity/", "ip/" + strings.Repeat("1", 5000), "entity/a%20b"} {
			resp, body := get(t, noRedirects, s.URL(reg)+path)
			var e rdapNet
			if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.ErrorCode != 400 {
				t.Errorf("%s %s: %s %.200s", reg, path, resp.Status, body)
			}
		}
	}
	resp, _ := get(t, noRedirects, strings.TrimSuffix(s.URL(ipatlas.ARIN), "/registry/")+"/elsewhere")
	if resp.StatusCode != 400 {
		t.Errorf("path outside the base: %s, want 400", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL(ipatlas.RIPENCC)+"ip/1.2.3.4", strings.NewReader(strings.Repeat("x", 1<<20)))
	r, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", r.Status)
	}
}

func TestEntitiesAndHelp(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 9)
	s := simtest.Serve(t, w, regsim.ServerConfig{})
	for _, reg := range ipatlas.Registries() {
		n := w.Network(pick(t, w, func(r regsim.NetRef) bool { return w.Registry(r) == reg }))
		for _, e := range n.Entities {
			resp, body := get(t, noRedirects, s.URL(reg)+"entity/"+e.Handle)
			var got struct {
				Handle string   `json:"handle"`
				Roles  []string `json:"roles"`
				Class  string   `json:"objectClassName"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.Handle != e.Handle || got.Class != "entity" {
				t.Errorf("%s entity/%s: %s %.300s", reg, e.Handle, resp.Status, body)
			}
		}
		if resp, body := get(t, noRedirects, s.URL(reg)+"entity/NOBODY-X"); resp.StatusCode != 404 {
			t.Errorf("%s unknown entity: %s %s", reg, resp.Status, body)
		}
		if resp, body := get(t, noRedirects, s.URL(reg)+"help"); resp.StatusCode != 200 || !json.Valid(body) {
			t.Errorf("%s help: %s %s", reg, resp.Status, body)
		}
	}
}

func TestLACNICRateLimitNoticeThenBlock(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 1)
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := simtest.Serve(t, w, regsim.ServerConfig{Now: clock.Now, Limits: regsim.RealLimits()})
	url := s.URL(ipatlas.LACNIC) + "ip/" + w.Range(pick(t, w, held(w, ipatlas.LACNIC, true, true))).From.String()
	for i := range 10 {
		if resp, _ := get(t, noRedirects, url); resp.StatusCode != 200 {
			t.Fatalf("query %d within the limit: %s", i+1, resp.Status)
		}
	}
	resp, body := get(t, noRedirects, url)
	if resp.StatusCode != 429 || !strings.Contains(string(body), "Rate Limit Notice") ||
		!strings.Contains(string(body), "10 queries per 1 minutes") {
		t.Fatalf("11th query: %s %s", resp.Status, body)
	}
	clock.Advance(4 * time.Minute) // tokens have refilled, but the block holds
	if resp, _ := get(t, noRedirects, url); resp.StatusCode != 429 {
		t.Fatalf("inside the block: %s, want 429", resp.Status)
	}
	// Another source address has its own budget.
	if resp, _ := get(t, clientFrom("127.0.0.2"), url); resp.StatusCode != 200 {
		t.Fatalf("from 127.0.0.2: %s, want 200", resp.Status)
	}
	clock.Advance(61 * time.Second)
	if resp, _ := get(t, noRedirects, url); resp.StatusCode != 200 {
		t.Fatalf("after the block: %s, want 200", resp.Status)
	}
	c := s.Stats().Clients[ipatlas.LACNIC]["127.0.0.1"]
	if c.Requests != 13 || c.RateLimited != 1 || c.WhileBlocked != 1 || c.ByStatus[200] != 11 || c.MaxPerSecond != 11 {
		t.Errorf("counters for 127.0.0.1: %+v", c)
	}
	if c2 := s.Stats().Clients[ipatlas.LACNIC]["127.0.0.2"]; c2 == nil || c2.Requests != 1 {
		t.Errorf("counters for 127.0.0.2: %+v", c2)
	}
}

func TestRateLimitShapes(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 1)
	clock := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	one := regsim.Limit{Rate: 1, Burst: 1}
	withRetry := regsim.Limit{Rate: 0.5, Burst: 1, RetryAfter: true}
	s := simtest.Serve(t, w, regsim.ServerConfig{Now: clock.Now, Limits: map[ipatlas.Registry]regsim.Limit{
		ipatlas.RIPENCC: one, ipatlas.ARIN: one, ipatlas.APNIC: withRetry}})
	cases := []struct {
		reg         ipatlas.Registry
		contentType string
		retryAfter  string
	}{
		{ipatlas.RIPENCC, "text/html", ""},
		{ipatlas.ARIN, "application/rdap+json", ""},
		{ipatlas.APNIC, "application/rdap+json", "2"},
	}
	for _, c := range cases {
		url := s.URL(c.reg) + "help"
		get(t, noRedirects, url)
		resp, body := get(t, noRedirects, url)
		if resp.StatusCode != 429 || resp.Header.Get("Content-Type") != c.contentType || resp.Header.Get("Retry-After") != c.retryAfter {
			t.Errorf("%s over the limit: %s %q Retry-After %q: %.100s", c.reg, resp.Status,
				resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After"), body)
		}
	}
	clock.Advance(2 * time.Second)
	if resp, _ := get(t, noRedirects, s.URL(ipatlas.APNIC)+"help"); resp.StatusCode != 200 {
		t.Errorf("after Retry-After: %s", resp.Status)
	}
}

func TestFaultsOnRequest(t *testing.T) {
	t.Parallel()
	w := smallWorld(t, 1)
	cases := map[string]struct {
		faults regsim.Faults
		check  func(resp *http.Response, body []byte, err error) bool
	}{
		"ServerError": {regsim.Faults{ServerError: 1}, func(r *http.Response, _ []byte, err error) bool {
			return err == nil && r.StatusCode >= 500
		}},
		"Reset": {regsim.Faults{Reset: 1}, func(_ *http.Response, _ []byte, err error) bool { return err != nil }},
		"Truncate": {regsim.Faults{Truncate: 1}, func(_ *http.Response, _ []byte, err error) bool {
			return errors.Is(err, io.ErrUnexpectedEOF)
		}},
		"Malformed": {regsim.Faults{Malformed: 1}, func(r *http.Response, b []byte, err error) bool {
			return err == nil && r.StatusCode == 200 && !json.Valid(b)
		}},
		"Slow": {regsim.Faults{Slow: 1, SlowDelay: 300 * time.Millisecond}, func(r *http.Response, b []byte, err error) bool {
			return errors.Is(err, context.DeadlineExceeded) || (err != nil && strings.Contains(err.Error(), "Timeout"))
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := simtest.Serve(t, w, regsim.ServerConfig{Faults: map[ipatlas.Registry]regsim.Faults{ipatlas.ARIN: c.faults}})
			url := s.URL(ipatlas.ARIN) + "ip/" + w.Range(pick(t, w, held(w, ipatlas.ARIN, true, true))).From.String()
			client := &http.Client{Timeout: 100 * time.Millisecond}
			resp, err := client.Get(url)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			if !c.check(resp, body, err) {
				t.Errorf("%s: resp %v, err %v, body %.80s", name, resp, err, body)
			}
			if resp2, _ := get(t, noRedirects, s.URL(ipatlas.RIPENCC)+"help"); resp2.StatusCode != 200 {
				t.Errorf("faults leaked to another registry: %s", resp2.Status)
			}
		})
	}
}

func TestRefusesToListenBeyondLoopback(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"0.0.0.0", "192.0.2.1", "example.com", "::"} {
		if _, err := regsim.NewServer(smallWorld(t, 1), regsim.ServerConfig{Host: host}); !errors.Is(err, regsim.ErrNotLoopback) {
			t.Errorf("host %q: %v, want ErrNotLoopback", host, err)
		}
	}
}

func TestBootstrapPointsAtLocalServers(t *testing.T) {
	t.Parallel()
	s := simtest.Serve(t, smallWorld(t, 1), regsim.ServerConfig{})
	for _, name := range []string{"ipv4.json", "ipv6.json"} {
		resp, body := get(t, noRedirects, s.BootstrapURL()+name)
		var f struct {
			Version  string       `json:"version"`
			Services [][][]string `json:"services"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &f) != nil || f.Version != "1.0" || len(f.Services) != 5 {
			t.Fatalf("%s: %s %.200s", name, resp.Status, body)
		}
		for _, svc := range f.Services {
			p := netip.MustParsePrefix(svc[0][0])
			reg := iana.RegistryOf(p.Addr())
			if svc[1][0] != s.URL(reg) {
				t.Errorf("%s: %s served by %s, want %s", name, p, svc[1][0], s.URL(reg))
			}
		}
	}
}
