package regsim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// A world answers lookups and knows what a perfect walk records; a server
// serves it over RDAP on loopback.
func Example() {
	w := regsim.MustNew(regsim.Config{Seed: 1, IPv4: []netip.Prefix{netip.MustParsePrefix("13.64.0.0/16")}, IPv6: []netip.Prefix{}})
	ref := w.Lookup(netip.MustParseAddr("13.64.0.1"))
	fmt.Println(w.Registry(ref), w.Handle(ref))

	truth := w.Truth()
	fmt.Println(len(truth.Steps) == truth.ByRegistry[ipatlas.ARIN].Networks+truth.ByRegistry[ipatlas.RIPENCC].Networks+
		truth.ByRegistry[ipatlas.APNIC].Networks+truth.ByRegistry[ipatlas.LACNIC].Networks+truth.ByRegistry[ipatlas.AFRINIC].Networks)

	srv, _ := regsim.NewServer(w, regsim.ServerConfig{})
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Close()
	resp, err := http.Get(srv.URL(ipatlas.ARIN) + "ip/13.64.0.1")
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output:
	// arin NET-13-64-0-0-1
	// true
	// 200 application/rdap+json
}
