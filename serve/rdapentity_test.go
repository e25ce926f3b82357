package serve_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/serve"
)

// rdapEntity is what the tests read of an entity answer.
type rdapEntity struct {
	ObjectClassName string
	Handle          string
	Roles           []string
	VCardArray      []json.RawMessage
	Links           []struct{ Rel, Href string }
	Entities        []struct{ Handle string }
	Networks        []struct {
		ObjectClassName, Handle, StartAddress, EndAddress string
		Links                                             []struct{ Rel, Href string }
	}
}

// TestRDAPEntities: an entity of the latest snapshot, nested ones
// included, is found by its handle in any case, with its contact, the
// entities nested in it, a self link, and the networks holding it; a
// network's entities link to these answers; entities only older snapshots
// hold, and unknown handles, are 404s.
func TestRDAPEntities(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	base := srv + "/rdap"
	for _, c := range []struct {
		handle   string
		want     string
		networks []string
		nested   []string
	}{
		{"MSFT", "MSFT", []string{"NET-13-64-0-0-2", "NET-13-64-0-0-1"}, []string{"ABUSE231-ARIN"}},
		{"msft", "MSFT", []string{"NET-13-64-0-0-2", "NET-13-64-0-0-1"}, []string{"ABUSE231-ARIN"}},
		{"ABUSE231-ARIN", "ABUSE231-ARIN", []string{"NET-13-64-0-0-1"}, nil},
		{"C0001", "C0001", []string{"NET-13-64-0-0-2"}, nil},
		{"IRT-ÜNÏCØDE-AU", "IRT-ÜNÏCØDE-AU", []string{"2001:db8::/32"}, nil},
	} {
		status, body := getRDAP(t, "GET", base+"/entity/"+url.PathEscape(c.handle))
		if status != 200 {
			t.Errorf("%s: %d %s", c.handle, status, body)
			continue
		}
		var e rdapEntity
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v", c.handle, err)
		}
		var nets, nested []string
		for _, n := range e.Networks {
			nets = append(nets, n.Handle)
			if n.ObjectClassName != "ip network" || len(n.Links) == 0 || !strings.HasPrefix(n.Links[0].Href, base+"/ip/"+n.StartAddress+"/") {
				t.Errorf("%s: network %+v: want a network with its self link", c.handle, n)
			}
		}
		for _, n := range e.Entities {
			nested = append(nested, n.Handle)
		}
		if e.ObjectClassName != "entity" || e.Handle != c.want || e.Roles != nil || len(e.VCardArray) != 2 ||
			!slices.Equal(nets, c.networks) || !slices.Equal(nested, c.nested) {
			t.Errorf("%s: %s\nwant handle %s, a vCard, no roles, networks %v, entities %v", c.handle, body, c.want, c.networks, c.nested)
		}
		if len(e.Links) != 1 || e.Links[0].Rel != "self" || e.Links[0].Href != base+"/entity/"+url.PathEscape(c.want) {
			t.Errorf("%s: links %+v", c.handle, e.Links)
		}
	}
	for _, h := range []string{"ORG-EX1-RIPE", "NOBODY", "..%2F..%2Fetc%2Fpasswd"} {
		if status, body := getRDAP(t, "GET", base+"/entity/"+h); status != 404 {
			t.Errorf("%s: %d %s, want 404", h, status, body)
		}
	}
	_, body := getRDAP(t, "GET", base+"/ip/13.65.0.0")
	n := decodeNetwork(t, body)
	if len(n.Entities) != 1 || len(n.Entities[0].Links) != 1 || n.Entities[0].Links[0].Href != base+"/entity/MSFT" {
		t.Errorf("the network's entity: %+v, want a self link to its entity answer", n.Entities)
	}
}

// TestRDAPErrors: what is not answered is an RFC 9083 error (getRDAP
// checks its shape) with the status RFC 7480 gives it.
func TestRDAPErrors(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	for _, c := range []struct {
		method, path string
		status       int
		says         string
	}{
		{"GET", "/rdap/ip/300.1.2.3", 400, "not an IP address"},
		{"GET", "/rdap/ip/1.2.3.4/33", 400, "not an IP prefix"},
		{"GET", "/rdap/ip/fe80::1%25eth0", 400, "not an IP address"},
		{"GET", "/rdap/ip/1.2.3.4?datetime=yesterday", 400, "datetime"},
		{"GET", "/rdap/ip/1.2.3.4?datetime=all", 400, "one network"},
		{"GET", "/rdap/ip/1.2.3.4/24/x", 400, "malformed ip query"},
		{"GET", "/rdap/entity/MSFT?datetime=2024-01-01", 400, "latest snapshot only"},
		{"POST", "/rdap/ip/13.64.0.1", 405, "GET or HEAD"},
		{"DELETE", "/rdap/entity/MSFT", 405, "GET or HEAD"},
		{"GET", "/rdap/domain/example.com", 501, "domain queries"},
		{"GET", "/rdap/autnum/8075", 501, "autnum queries"},
		{"GET", "/rdap/entities?fn=Micro*", 501, "entities queries"},
		{"GET", "/rdap/nothing", 404, "no such RDAP query"},
		{"GET", "/rdap/ip/8.8.8.8", 404, "no network holds 8.8.8.8 in the snapshot of 2024-01-08"},
	} {
		status, body := getRDAP(t, c.method, srv+c.path)
		if status != c.status || !strings.Contains(string(body), c.says) {
			t.Errorf("%s %s: %d %s\nwant %d saying %q", c.method, c.path, status, body, c.status, c.says)
		}
	}
}

// TestRDAPHelp: help declares the conformance (getRDAP checks) and says
// what is served and from which snapshot.
func TestRDAPHelp(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	status, body := getRDAP(t, "GET", srv+"/rdap/help")
	if status != 200 || !strings.Contains(string(body), `"cidr0"`) || !strings.Contains(string(body), "Snapshot: 2024-01-08") {
		t.Errorf("%d %s", status, body)
	}
	resp, err := http.Head(srv + "/rdap/help")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/rdap+json" {
		t.Errorf("HEAD: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestRDAPLinksUseTheConfiguredBase: with RDAPBase set, links start with
// it whatever Host the request names.
func TestRDAPLinksUseTheConfiguredBase(t *testing.T) {
	srv := rdapServer(t, serve.Options{RDAPBase: "https://rdap.example.net/mirror/"})
	_, body := getRDAP(t, "GET", srv+"/rdap/ip/13.64.0.1")
	n := decodeNetwork(t, body)
	if n.link("self") != "https://rdap.example.net/mirror/ip/13.64.0.0/24" || n.link("up") != "https://rdap.example.net/mirror/ip/13.64.0.0/11" {
		t.Errorf("links %+v", n.Links)
	}
	if strings.Contains(string(body), strings.TrimPrefix(srv, "http://")) {
		t.Errorf("the request's host is in the answer: %s", body)
	}
}

// TestRDAPEntityNetworksCapped: an entity of more networks than an answer
// lists says, in a notice, how many it left out.
func TestRDAPEntityNetworksCapped(t *testing.T) {
	var recs []ipatlas.Record
	for i := range 105 {
		n := ipatlas.Network{Registry: ipatlas.RIPENCC, Range: rng(fmt.Sprintf("10.0.%d.0", i), fmt.Sprintf("10.0.%d.255", i)),
			Handle: fmt.Sprintf("NET-%d", i), Entities: []ipatlas.Entity{{Handle: "BIG", Roles: []string{"registrant"}}}}
		r, err := ipatlas.NetworkRecord(n)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	live := serve.NewLive(historytest.Index(t, historytest.Timeline(t, []history.Pending{
		{Snapshot: ipatlas.Snapshot{At: day("2024-01-01"), Datetime: "2024-01-01"}, Records: recs}})))
	t.Cleanup(func() { live.Close() })
	srv := "http://" + startServe(t, live, serve.Options{}, 5*time.Second).addr
	status, body := getRDAP(t, "GET", srv+"/rdap/entity/big")
	var e rdapEntity
	if status != 200 || json.Unmarshal(body, &e) != nil || len(e.Networks) != 100 || e.Networks[0].Handle != "NET-0" ||
		!strings.Contains(string(body), `"object truncated due to excessive load","description":["100 networks listed, 5 more not listed."]`) {
		t.Errorf("%d %s", status, body)
	}
}

// TestRDAPEntityTableWarmedBySwap: the entity table is built by the first
// entity query, not before; once entities have been asked for, a swap
// builds the new index's table rather than leaving it to the next query.
func TestRDAPEntityTableWarmedBySwap(t *testing.T) {
	live := serve.NewLive(rdapIndex(t))
	t.Cleanup(func() { live.Close() })
	srv := startServe(t, live, serve.Options{}, 5*time.Second).addr
	live.Swap(rdapIndex(t))
	if serve.EntitiesBuilt(live) {
		t.Fatal("built before any entity query")
	}
	if status, body := getRDAP(t, "GET", "http://"+srv+"/rdap/entity/MSFT"); status != 200 {
		t.Fatalf("entity: %d %s", status, body)
	}
	live.Swap(rdapIndex(t))
	if !serve.EntitiesBuilt(live) {
		t.Fatal("not built by the swap after an entity query")
	}
	if status, body := getRDAP(t, "GET", "http://"+srv+"/rdap/entity/msft"); status != 200 {
		t.Fatalf("entity after the swap: %d %s", status, body)
	}
}
