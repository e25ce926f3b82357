package serve_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/serve"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func rng(from, to string) ipatlas.Range {
	return ipatlas.Range{From: netip.MustParseAddr(from), To: netip.MustParseAddr(to)}
}

// The RDAP fixture: crawled networks, as ipatlas.NetworkRecord stores
// them, over two snapshots, and a loaded Whip range beside them.
var (
	abuseMSFT = ipatlas.Entity{Handle: "ABUSE231-ARIN", Roles: []string{"abuse"}, Status: []string{"validated"},
		Contact: ipatlas.Contact{Name: "Abuse", Kind: "group", Phone: []string{"+1-425-882-8080"}, Email: []string{"abuse@msft.example"}}}
	orgMSFT = ipatlas.Entity{Handle: "MSFT", Roles: []string{"registrant"},
		Contact:  ipatlas.Contact{Name: "Microsoft Corporation", Kind: "org", Address: "One Microsoft Way\nRedmond\nWA\n98052\nUS"},
		Events:   []ipatlas.Event{{Action: ipatlas.EventLastChanged, Date: day("2023-05-01")}},
		Remarks:  []ipatlas.Remark{{Title: "Comment", Description: []string{`"Quoted" <and> & escaped`}}},
		Entities: []ipatlas.Entity{abuseMSFT}}
	netMSFT = ipatlas.Network{Registry: ipatlas.ARIN, Range: rng("13.64.0.0", "13.95.255.255"), Handle: "NET-13-64-0-0-1",
		Name: "MSFT", Type: "DIRECT ALLOCATION", Status: []string{"active"}, Country: "US", OriginAS: []uint32{8075},
		Events: []ipatlas.Event{{Action: ipatlas.EventRegistration, Date: day("2015-03-26")},
			{Action: ipatlas.EventLastChanged, Date: day("2021-12-14").Add(1500 * time.Millisecond), Actor: "hostmaster"}},
		Entities: []ipatlas.Entity{orgMSFT},
		Remarks:  []ipatlas.Remark{{Title: "Registration Comments", Description: []string{"line one", "line two"}}}}
	netCustomer = ipatlas.Network{Registry: ipatlas.ARIN, Range: rng("13.64.0.0", "13.64.0.255"), Handle: "NET-13-64-0-0-2",
		Name: "CUST-1", Type: "REASSIGNED", Status: []string{"active"}, Country: "US", ParentHandle: "NET-13-64-0-0-1",
		Entities: []ipatlas.Entity{{Handle: "C0001", Roles: []string{"registrant"}, Contact: ipatlas.Contact{Name: "Customer Ltd", Kind: "org"}},
			{Handle: "MSFT", Roles: []string{"technical"}, Contact: orgMSFT.Contact}}}
	netRIPE = ipatlas.Network{Registry: ipatlas.RIPENCC, Range: rng("62.0.0.0", "62.0.2.255"), Handle: "62.0.0.0 - 62.0.2.255",
		Name: "EXAMPLE-NET", Type: "ASSIGNED PA", Status: []string{"active"}, Country: "NL",
		Entities: []ipatlas.Entity{{Handle: "ORG-EX1-RIPE", Roles: []string{"registrant"}, Contact: ipatlas.Contact{Name: "Example B.V.", Kind: "org", Org: "Example B.V.", Email: []string{"noc@example.nl"}}}}}
	netV6 = ipatlas.Network{Registry: ipatlas.APNIC, Range: rng("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), Handle: "2001:db8::/32",
		Name: "DOC-V6", Type: "ALLOCATED PORTABLE", Country: "AU",
		Entities: []ipatlas.Entity{{Handle: "IRT-ÜNÏCØDE-AU", Roles: []string{"abuse"}, Contact: ipatlas.Contact{Name: "Ünïcødé Pty", Kind: "group"}}}}
	whipRange = historytest.Record("192.0.2.0", "192.0.2.255", `{"org":"Example","country":"ZZ","status":"ALLOCATED","registry":"ripencc"}`)
)

// rdapIndex builds the fixture: on 2024-01-01 the ARIN allocation (named
// MSFT-2023), the RIPE network and the Whip range; on 2024-01-08 the
// allocation renamed, the customer inside it and the IPv6 network added,
// the RIPE network gone.
func rdapIndex(t testing.TB) *index.Index {
	t.Helper()
	old := netMSFT
	old.Name = "MSFT-2023"
	states := [][]ipatlas.Network{{old, netRIPE}, {netMSFT, netCustomer, netV6}}
	var pending []history.Pending
	for k, nets := range states {
		recs := []ipatlas.Record{whipRange}
		for _, n := range nets {
			r, err := ipatlas.NetworkRecord(n)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		slices.SortFunc(recs, ipatlas.CompareRecords)
		at := day("2024-01-01").AddDate(0, 0, 7*k)
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: at.Format(time.DateOnly)}, Records: recs})
	}
	return historytest.Index(t, historytest.Timeline(t, pending))
}

// rdapServer serves the fixture with o and returns its URL.
func rdapServer(t *testing.T, o serve.Options) string {
	t.Helper()
	live := serve.NewLive(rdapIndex(t))
	t.Cleanup(func() { live.Close() })
	return "http://" + startServe(t, live, o, 5*time.Second).addr
}

// getRDAP asks a query and checks what every RDAP answer must be: JSON
// of type application/rdap+json that declares its conformance; an error
// answer also has errorCode (its status), title and description (RFC 9083
// §6).
func getRDAP(t *testing.T, method, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Accept", "application/rdap+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/rdap+json" {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	var ans struct {
		Conformance []string `json:"rdapConformance"`
		ErrorCode   int
		Title       string
		Description []string
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		t.Fatalf("%s: %v: %s", url, err, body)
	}
	if !slices.Contains(ans.Conformance, "rdap_level_0") {
		t.Errorf("%s: rdapConformance %v", url, ans.Conformance)
	}
	if resp.StatusCode >= 400 && (ans.ErrorCode != resp.StatusCode || ans.Title == "" || len(ans.Description) == 0) {
		t.Errorf("%s: %d answered with %s: want errorCode, title and description", url, resp.StatusCode, body)
	}
	return resp.StatusCode, body
}

// TestRDAPNetworksRoundTrip: each crawled network, asked by an address
// only it holds most specifically, comes back through ipatlas's own RDAP
// parser as it was stored: range, handle, name, type, status, country,
// parent, origin AS, events, remarks and entities with their contacts
// (jCard); with cidr0_cidrs covering the range, the registry's port 43,
// and the database's last update as an event.
func TestRDAPNetworksRoundTrip(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	for _, c := range []struct {
		addr string
		want ipatlas.Network
	}{
		{"13.65.0.1", netMSFT}, {"13.64.0.9", netCustomer}, {"2001:db8::1", netV6}, {"::ffff:13.64.0.9", netCustomer},
	} {
		status, body := getRDAP(t, "GET", srv+"/rdap/ip/"+c.addr)
		if status != 200 {
			t.Fatalf("%s: %d %s", c.addr, status, body)
		}
		got, err := rdap.ParseNetwork(body)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.addr, err, body)
		}
		checkRoundTrip(t, c.addr, got, c.want)
	}
}

// checkRoundTrip compares a parsed answer with the stored network, after
// taking out what the server adds (and checking it).
func checkRoundTrip(t *testing.T, what string, got, want ipatlas.Network) {
	t.Helper()
	updated := ipatlas.Event{Action: "last update of RDAP database", Date: day("2024-01-08")}
	if n := len(got.Events); n == 0 || !got.Events[n-1].Date.Equal(updated.Date) || got.Events[n-1].Action != updated.Action {
		t.Errorf("%s: events %+v: want the last update last", what, got.Events)
	} else {
		got.Events = got.Events[:n-1]
	}
	wantPort43 := map[ipatlas.Registry]string{ipatlas.ARIN: "whois.arin.net", ipatlas.APNIC: "whois.apnic.net"}[want.Registry]
	if got.Port43 != wantPort43 {
		t.Errorf("%s: port43 %q, want %q", what, got.Port43, wantPort43)
	}
	if !slices.Equal(got.CIDRs, want.Range.Prefixes()) {
		t.Errorf("%s: cidrs %v, want %v", what, got.CIDRs, want.Range.Prefixes())
	}
	if len(got.Notices) == 0 || !strings.Contains(strings.Join(got.Notices[0].Description, "\n"), "Registry: "+want.Registry.Title()) {
		t.Errorf("%s: notices %+v: want the registry named", what, got.Notices)
	}
	got.Port43, got.CIDRs, got.Notices, got.Links = "", nil, nil, nil
	got.Entities = withoutLinks(got.Entities)
	want.Registry = ""
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: round trip\n got %s\nwant %s", what, g, w)
	}
}

func withoutLinks(es []ipatlas.Entity) []ipatlas.Entity {
	for i := range es {
		es[i].Links = nil
		es[i].Entities = withoutLinks(es[i].Entities)
	}
	return es
}

// rdapNetwork is what the tests read of a network answer.
type rdapNetwork struct {
	Handle, Name, StartAddress, EndAddress string
	Notices                                []struct{ Description []string }
	Links                                  []struct{ Rel, Href, Value string }
	Entities                               []struct {
		Handle string
		Links  []struct{ Rel, Href string }
	}
	Remarks []struct {
		Title       string
		Description []string
	}
}

func decodeNetwork(t *testing.T, body []byte) rdapNetwork {
	t.Helper()
	var n rdapNetwork
	if err := json.Unmarshal(body, &n); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return n
}

func (n rdapNetwork) link(rel string) string {
	for _, l := range n.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// TestRDAPQueries: an address or a prefix is answered with the most
// specific network holding all of it, linked to itself and up to the
// network around it; ?datetime= answers from the snapshot then, 404 when
// nothing held the address then; and the notices name the snapshot.
func TestRDAPQueries(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	host := strings.TrimPrefix(srv, "http://")
	base := "http://" + host + "/rdap"
	for _, c := range []struct {
		query       string
		status      int
		handle      string // or name, for the Whip range
		self, up    string // "": not checked; up "none": no up link
		noticeParts []string
	}{
		{"13.64.0.0", 200, "NET-13-64-0-0-2", "/ip/13.64.0.0/24", "/ip/13.64.0.0/11", []string{"Snapshot: 2024-01-08 (2024-01-08T00:00:00Z; snapshot 2 of 2, id 2)", "first seen: 2024-01-08"}},
		{"13.64.0.0/24", 200, "NET-13-64-0-0-2", "/ip/13.64.0.0/24", "/ip/13.64.0.0/11", nil},
		{"13.64.0.128/25", 200, "NET-13-64-0-0-2", "", "", nil},
		{"13.64.0.0/23", 200, "NET-13-64-0-0-1", "/ip/13.64.0.0/11", "none", nil},
		{"13.64.0.5/16", 200, "NET-13-64-0-0-1", "", "", nil}, // host bits ignored
		{"13.64.0.0/11", 200, "NET-13-64-0-0-1", "", "", []string{"first seen: 2024-01-08"}},
		{"13.64.0.0/10", 404, "", "", "", nil},
		{"2001:db8:1::/48", 200, "2001:db8::/32", "/ip/2001:db8::/32", "none", nil},
		{"::ffff:13.64.0.0/120", 200, "NET-13-64-0-0-2", "", "", nil},
		{"8.8.8.8", 404, "", "", "", nil},
		{"62.0.1.1", 404, "", "", "", nil}, // removed in the second snapshot
		{"62.0.1.1?datetime=2024-01-07", 200, "62.0.0.0 - 62.0.2.255", "/ip/62.0.0.0/23", "none", []string{"Snapshot: 2024-01-01 (", "snapshot 1 of 2"}},
		{"62.0.2.0/24?datetime=2024-01-07T23:59:59Z", 200, "62.0.0.0 - 62.0.2.255", "", "", nil},
		{"13.65.0.0?datetime=2024-01-01", 200, "NET-13-64-0-0-1", "", "", []string{"first seen: 2024-01-01"}},
		{"13.64.0.9?datetime=2024-01-01", 200, "NET-13-64-0-0-1", "", "", nil}, // before the customer
		{"13.64.0.9?datetime=2023-12-31", 404, "", "", "", nil},                // before any snapshot
	} {
		status, body := getRDAP(t, "GET", srv+"/rdap/ip/"+c.query)
		if status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.query, status, c.status, body)
			continue
		}
		if status != 200 {
			continue
		}
		n := decodeNetwork(t, body)
		if n.Handle != c.handle {
			t.Errorf("%s: handle %q, want %q", c.query, n.Handle, c.handle)
		}
		if c.self != "" && n.link("self") != base+c.self {
			t.Errorf("%s: self link %q, want %q", c.query, n.link("self"), base+c.self)
		}
		if c.up == "none" && n.link("up") != "" || c.up != "" && c.up != "none" && n.link("up") != base+c.up {
			t.Errorf("%s: up link %q, want %q", c.query, n.link("up"), c.up)
		}
		for _, part := range c.noticeParts {
			if !strings.Contains(string(body), part) {
				t.Errorf("%s: no %q in the notices: %s", c.query, part, body)
			}
		}
	}
}

// TestRDAPWhipRange: a loaded Whip range has no handle or entities: the
// answer has its range, country and registry, and the members RDAP has no
// place for (or not of the type RDAP wants) in a remark.
func TestRDAPWhipRange(t *testing.T) {
	srv := rdapServer(t, serve.Options{})
	status, body := getRDAP(t, "GET", srv+"/rdap/ip/192.0.2.1")
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	got, err := rdap.ParseNetwork(body)
	if err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if got.Range != whipRange.Range || got.Country != "ZZ" || got.Handle != "" || got.Status != nil || got.Port43 != "whois.ripe.net" {
		t.Errorf("answer %+v", got)
	}
	want := ipatlas.Remark{Title: "Other fields of the record", Description: []string{"org: Example", "status: ALLOCATED"}}
	if len(got.Remarks) != 1 || !slices.Equal(got.Remarks[0].Description, want.Description) || got.Remarks[0].Title != want.Title {
		t.Errorf("remarks %+v, want %+v", got.Remarks, want)
	}
}
