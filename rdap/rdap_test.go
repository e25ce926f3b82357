package rdap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rdap"
)

func TestBootstrapRealFiles(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, filepath.Join("iana", "rdap-bootstrap"))
	var b *rdap.Bootstrap
	for _, name := range []string{"ipv4.json", "ipv6.json", "ipv6-publication-20241101.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		nb, err := rdap.ParseBootstrap(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			b = nb
		} else {
			b = b.Merge(nb)
		}
	}
	cases := map[string]string{"13.64.0.1": "https://rdap.arin.net/registry/", "2a00::1": "https://rdap.db.ripe.net/",
		"196.11.240.215": "https://rdap.afrinic.net/rdap/", "1.1.1.1": "https://rdap.apnic.net/",
		"200.57.141.161": "https://rdap.lacnic.net/rdap/", "2410::1": "https://rdap.apnic.net/"}
	for a, want := range cases {
		if got, ok := b.PreferredURL(netip.MustParseAddr(a)); !ok || got != want {
			t.Errorf("PreferredURL(%s) = %q %v, want %q", a, got, ok, want)
		}
	}
	if _, ok := b.Lookup(netip.MustParseAddr("127.0.0.1")); ok {
		t.Error("loopback found in the bootstrap")
	}
	if urls := rdap.RegistryURLs(b); len(urls) != 5 || urls[ipatlas.LACNIC] != "https://rdap.lacnic.net/rdap/" {
		t.Errorf("RegistryURLs = %v", urls)
	}
}

func TestBootstrapErrorsNameTheEntry(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`{"services": [[["1.2.3/8"], ["https://x/"]]]}`:         `services[0][0][0]: "1.2.3/8" is not a prefix`,
		`{"services": [[["1.0.0.0/8"], ["ftp://x/"]]]}`:         `services[0][1][0]: "ftp://x/" is not an http(s) URL`,
		`{"services": [[["1.0.0.0/8"]]]}`:                       `services[0]: want [[prefixes], [urls]]`,
		`{"publication": "yesterday", "services": []}`:          `publication "yesterday"`,
		`<html>302 Found</html>`:                                `bootstrap ipv4.json`,
		`{"services": [[["1.0.0.0/8"], ["https://a/"]], [[]]]}`: `services[1]`,
	}
	for in, want := range cases {
		_, err := rdap.ParseBootstrap(strings.NewReader(in), "ipv4.json")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseBootstrap(%s) = %v, want an error with %q", in, err, want)
		}
	}
}

const goodNet = `{"objectClassName":"ip network","handle":"NET-1","startAddress":"13.0.0.0","endAddress":"13.0.1.255",
 "ipVersion":"v4","events":[{"eventAction":"registration","eventDate":"2020-01-02T03:04:05-05:00"}],
 "cidr0_cidrs":[{"v4prefix":"13.0.0.0","length":23}],
 "entities":[{"handle":"ORG","roles":["registrant"],"vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Org"],
   ["adr",{"label":""},"text",["","","1 Main St",["Springfield","Centre"],"","12345","US"]],["tel",{"type":"work"},"uri","tel:+1-555"]]]}]}`

func TestParseNetworkVariants(t *testing.T) {
	t.Parallel()
	n, err := rdap.ParseNetwork([]byte(goodNet))
	if err != nil {
		t.Fatal(err)
	}
	c := n.Entities[0].Contact
	if c.Address != "1 Main St\nSpringfield\nCentre\n12345\nUS" || len(c.Phone) != 1 || c.Phone[0] != "+1-555" || c.Name != "Org" {
		t.Errorf("contact %+v", c)
	}
	if _, off := n.Events[0].Date.Zone(); off != -5*3600 {
		t.Errorf("event offset %d, want the registry's -05:00 kept", off)
	}
}

func TestParseNetworkRejectsWithTheField(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`[]`:                         "(body)",
		`not json`:                   "(body)",
		`{"endAddress":"1.0.0.0"}`:   "startAddress",
		`{"startAddress":"1.0.0.0"}`: "endAddress",
		`{"startAddress":"1.0.0.9","endAddress":"1.0.0.0"}`:                                                              "endAddress",
		`{"startAddress":"1.0.0.0","endAddress":"::1"}`:                                                                  "endAddress",
		`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","objectClassName":"entity"}`:                                 "objectClassName",
		`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","events":[{"eventAction":"x","eventDate":"soon"}]}`:          "events[0].eventDate",
		`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","cidr0_cidrs":[{"v4prefix":"1.0.0.0","length":25}]}`:         "cidr0_cidrs",
		`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","entities":[{"handle":"A","vcardArray":["vcard"]}]}`:         "entities[0].vcardArray",
		`{"startAddress":"1.0.0.0","endAddress":"1.0.0.255","entities":[{"entities":[{"vcardArray":["vcard",[[1]]]}]}]}`: "entities[0].entities[0].vcardArray[1][0]",
		`{"errorCode":404,"title":"Not Found"}`:                                                                          "errorCode",
	}
	for in, field := range cases {
		_, err := rdap.ParseNetwork([]byte(in))
		var pe *rdap.ParseError
		if !errors.As(err, &pe) || pe.Field != field || !errors.Is(err, rdap.ErrMalformed) {
			t.Errorf("ParseNetwork(%s) = %v, want a ParseError on field %s", in, err, field)
		}
	}
}

// fakeRegistry serves canned answers on loopback, and the bootstrap that
// lists it.
func fakeRegistry(t *testing.T, h http.HandlerFunc) (*rdap.Client, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	boot := fmt.Sprintf(`{"services":[[["13.0.0.0/8"],["%s/registry/"]]]}`, srv.URL)
	b, err := rdap.ParseBootstrap(strings.NewReader(boot), "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rdap.NewClient(rdap.ClientConfig{Bootstrap: b, Timeout: 2 * time.Second, MaxBody: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv.URL
}

func TestClientClassifiesAnswers(t *testing.T) {
	t.Parallel()
	var self string
	c, self := fakeRegistry(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "application/rdap+json" || !strings.HasPrefix(r.Header.Get("User-Agent"), "ipatlas/") {
			w.WriteHeader(418)
			return
		}
		switch r.URL.Path {
		case "/registry/ip/13.0.0.1":
			w.Write([]byte(goodNet))
		case "/registry/ip/13.0.0.2":
			w.WriteHeader(404)
			w.Write([]byte(`{"errorCode":404,"title":"Not Found"}`))
		case "/registry/ip/13.0.0.3":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		case "/registry/ip/13.0.0.4":
			w.WriteHeader(429)
			w.Write([]byte(`{"notices":[{"title":"Rate Limit Notice","description":["Rate Limit is maxed at 10 queries per 1 minutes."]}]}`))
		case "/registry/ip/13.0.0.5":
			w.WriteHeader(503)
		case "/registry/ip/13.0.0.6":
			w.Write([]byte(strings.Repeat(" ", 5000)))
		case "/registry/ip/13.0.0.7":
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"startAddress":`))
		case "/registry/ip/13.0.0.8":
			http.Redirect(w, r, "/registry/ip/13.0.0.1", http.StatusMovedPermanently)
		case "/registry/ip/13.0.0.9":
			http.Redirect(w, r, "http://192.0.2.1/registry/ip/13.0.0.9", http.StatusFound)
		case "/registry/ip/13.0.0.10":
			w.WriteHeader(400)
		case "/registry/ip/13.0.0.11":
			w.Write([]byte(`{"startAddress": "13.0.0.0", "endAddress": "oops"}`))
		case "/registry/ip/13.0.0.12": // LACNIC's notice, sent with a 200
			w.Write([]byte(`{"notices":[{"title":"Rate Limit Notice","description":["Rate Limit is maxed at 10 queries per 1 minutes."]}]}`))
		case "/registry/ip/13.0.0.13": // the notice inside a network
			w.Write([]byte(strings.Replace(goodNet, `"ipVersion"`, `"notices":[{"title":" rate limit NOTICE "}],"ipVersion"`, 1)))
		}
	})
	_ = self
	cases := map[string]rdap.Kind{"13.0.0.2": rdap.KindNotFound, "13.0.0.3": rdap.KindRateLimited, "13.0.0.4": rdap.KindRateLimited,
		"13.0.0.5": rdap.KindServer, "13.0.0.6": rdap.KindMalformed, "13.0.0.7": rdap.KindTruncated,
		"13.0.0.9": rdap.KindRedirect, "13.0.0.10": rdap.KindBadRequest, "13.0.0.11": rdap.KindMalformed,
		"13.0.0.12": rdap.KindRateLimited, "13.0.0.13": rdap.KindRateLimited}
	for a, want := range cases {
		_, err := c.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr(a))
		var qe *rdap.QueryError
		if !errors.As(err, &qe) || qe.Kind != want {
			t.Errorf("QueryIP(%s) = %v, want %s", a, err, want)
		}
		if a == "13.0.0.3" && qe != nil && qe.RetryAfter != 7*time.Second {
			t.Errorf("Retry-After %v, want 7s", qe.RetryAfter)
		}
	}
	for _, a := range []string{"13.0.0.1", "13.0.0.8"} {
		got, err := c.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr(a))
		if err != nil || got.Network.Handle != "NET-1" || got.Network.Registry != ipatlas.ARIN {
			t.Errorf("QueryIP(%s) = %+v, %v", a, got.Network, err)
		}
		if a == "13.0.0.8" && got.Redirects != 1 {
			t.Errorf("redirects counted %d, want 1", got.Redirects)
		}
	}
	if _, err := c.QueryIP(context.Background(), ipatlas.LACNIC, netip.MustParseAddr("200.0.0.1")); err == nil {
		t.Error("a registry the bootstrap does not list was queried")
	}
}

func TestClientTransportErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	b, _ := rdap.ParseBootstrap(strings.NewReader(`{"services":[[["13.0.0.0/8"],["http://`+addr+`/"]]]}`), "t")
	c, _ := rdap.NewClient(rdap.ClientConfig{Bootstrap: b, Timeout: time.Second})
	_, err = c.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr("13.0.0.1"))
	var qe *rdap.QueryError
	if !errors.As(err, &qe) || qe.Kind != rdap.KindTransport || !qe.Kind.Retryable() {
		t.Errorf("refused connection: %v, want a retryable transport error", err)
	}
}

func FuzzParseNetwork(f *testing.F) {
	f.Add([]byte(goodNet))
	f.Add([]byte(`{"startAddress":"074.125.000.000","endAddress":"074.125.255.255/32"}`))
	f.Add([]byte(`{"startAddress":"2001:db8::","endAddress":"2001:db8::ff","cidr0_cidrs":[{"v6prefix":"2001:db8::","length":120}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := rdap.ParseNetwork(body)
		if err != nil {
			if !errors.Is(err, rdap.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		if !n.Range.IsValid() {
			t.Fatalf("parsed an invalid range %v", n.Range)
		}
		want := n.Range.Prefixes()
		if len(want) != len(n.CIDRs) {
			t.Fatalf("CIDRs %v do not cover %s", n.CIDRs, n.Range)
		}
		for i := range want {
			if want[i] != n.CIDRs[i] {
				t.Fatalf("CIDRs %v do not cover %s", n.CIDRs, n.Range)
			}
		}
	})
}

func FuzzParseBootstrap(f *testing.F) {
	f.Add(`{"services":[[["13.0.0.0/8","2600::/12"],["https://rdap.arin.net/registry/"]]]}`)
	f.Add(`{"publication":"2024-01-01T00:00:00Z","services":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		b, err := rdap.ParseBootstrap(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for _, a := range []string{"13.1.2.3", "2600::1", "0.0.0.0", "::"} {
			if urls, ok := b.Lookup(netip.MustParseAddr(a)); ok && len(urls) == 0 {
				t.Fatalf("Lookup(%s) found a service without URLs", a)
			}
		}
		b.Hosts()
		rdap.RegistryURLs(b)
	})
}
