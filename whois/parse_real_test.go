package whois_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/shareddata"
	"github.com/ipatlas/ipatlas/whois"
)

// realAnswer is what a real registry answer must parse to.
type realAnswer struct {
	file    string // under the samples' whois directory
	query   string
	rng     string // "from - to"
	handle  string
	name    string
	country string
	typ     string
	parent  string
	events  []string // "action YYYY-MM-DD"
	holder  string   // "HANDLE Name" of the registrant
	abuse   string   // an abuse e-mail address, or ""
	contact string   // "HANDLE role,role Name" of one more entity, or ""
}

var realAnswers = []realAnswer{
	{file: "afrinic/196.11.240.215.txt", query: "196.11.240.215", rng: "196.11.239.0 - 196.11.246.255",
		handle: "196.11.239.0 - 196.11.246.255", name: "NET-196-11-239-0", country: "ZA", typ: "ASSIGNED PI",
		parent: "196.0.0.0 - 196.255.255.255", holder: "ORG-VSA1-AFRINIC MTN SA",
		contact: "MBIP-AFRINIC administrative,technical MTN Business IP Maintainer"},
	{file: "afrinic/2001_43f8_7b0.txt", query: "2001:43f8:7b0::", rng: "2001:43f8:7b0:: - 2001:43f8:7b0:ffff:ffff:ffff:ffff:ffff",
		handle: "2001:43f8:7b0::/48", name: "Tespok", country: "KE", typ: "ASSIGNED PI", parent: "2001:4200::/23",
		holder:  "ORG-TA38-AFRINIC Telecommunication Sevice  Providers Association of Kenya - TESPOK",
		contact: "Bm35-AfriNIC technical Barry macharia"},
	{file: "apnic/2001_240_10c_1_ca20_9d1d.txt", query: "2001:240:10c:1::ca20:9d1d",
		rng: "2001:240:10c:: - 2001:240:10c:ffff:ffff:ffff:ffff:ffff", handle: "2001:240:10c::/48", name: "IIJ-PRJNET",
		country: "JP", events: []string{"last changed 2015-01-13"}, contact: "YM10542JP administrative,technical "},
	{file: "apnic/210.107.73.73.txt", query: "210.107.73.73", rng: "210.107.0.0 - 210.107.127.255",
		handle: "210.107.0.0 - 210.107.127.255", name: "BORANET-NET-210-107", country: "KR", typ: "ALLOCATED PORTABLE",
		events: []string{"last changed 2002-10-25"}, abuse: "hostmaster@nic.or.kr",
		contact: "DB50-AP administrative,technical DACOM BORANET"},
	{file: "arin/2001_4860_4860_8888.txt", query: "2001:4860:4860::8888", rng: "2001:4860:: - 2001:4860:ffff:ffff:ffff:ffff:ffff:ffff",
		handle: "NET6-2001-4860-1", name: "GOOGLE-IPV6", country: "US", typ: "Direct Allocation", parent: "NET6-2001-4800-0",
		events: []string{"registration 2005-03-14", "last changed 2012-02-24"}, holder: "GOGL Google Inc.",
		abuse: "arin-contact@google.com", contact: "ZG39-ARIN abuse,noc,technical Google Inc"},
	{file: "arin/74.125.225.229.txt", query: "74.125.225.229", rng: "74.125.0.0 - 74.125.255.255",
		handle: "NET-74-125-0-0-1", name: "GOOGLE", country: "US", typ: "Direct Allocation", parent: "NET-74-0-0-0-0",
		events: []string{"registration 2007-03-13", "last changed 2012-02-24"}, holder: "GOGL Google Inc.",
		abuse: "arin-contact@google.com"},
	{file: "lacnic/200.57.141.161.txt", query: "200.57.141.161", rng: "200.57.128.0 - 200.57.159.255",
		handle: "200.57.128.0/19", name: "Triara.com, S.A. de C.V.", country: "MX", typ: "allocated",
		events: []string{"registration 2000-12-04", "last changed 2014-07-16"}, holder: "MX-TSCV6-LACNIC Triara.com, S.A. de C.V.",
		abuse: "operacion.redes@TRIARA.COM", contact: "RYT2 administrative,technical,abuse Arturo Alejandro Rodriguez Garcia"},
	{file: "lacnic/2801_10_c000.txt", query: "2801:10:c000::", rng: "2801:10:c000:: - 2801:10:c000:ffff:ffff:ffff:ffff:ffff",
		handle: "2801:10:c000::/48", name: "Universidad Catolica de Oriente", country: "CO", typ: "assigned",
		events: []string{"registration 2013-10-29", "last changed 2013-10-29"}, holder: "CO-UCOR-LACNIC Universidad Catolica de Oriente",
		abuse: "sistemas.red@UCO.EDU.CO", contact: "JDM7 administrative,technical,abuse Juan Diego Garca Muoz"},
	{file: "ripencc/2a00_2381_ffff_1.txt", query: "2a00:2381:ffff::1", rng: "2a00:2381:ffff:: - 2a00:2381:ffff:0:ffff:ffff:ffff:ffff",
		handle: "2a00:2381:ffff::/64", name: "BT-WORLD-IPVSIX-LAUNCH", country: "GB", typ: "Assigned",
		events: []string{"registration 2012-05-29", "last changed 2012-05-29"}, abuse: "protect@bt.com",
		contact: "GP12878-RIPE administrative,technical Graham Popple"},
	{file: "ripencc/62.239.237.1.txt", query: "62.239.237.1", rng: "62.239.237.0 - 62.239.237.255",
		handle: "62.239.237.0 - 62.239.237.255", name: "BT-CORPORATE", country: "GB", typ: "ASSIGNED PA",
		events: []string{"registration 2008-08-14", "last changed 2008-08-14"}, abuse: "protect@bt.com",
		contact: "BTCR3-RIPE technical BT Corporate Registry"},
}

// TestParseRealAnswers parses every real WHOIS answer among the shared
// samples and checks the fields a user looks for.
func TestParseRealAnswers(t *testing.T) {
	t.Parallel()
	dir := shareddata.Dir(t, "whois")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(realAnswers) {
		t.Errorf("%d sample answers, %d checked: every sample needs a case", len(files), len(realAnswers))
	}
	for _, c := range realAnswers {
		t.Run(strings.ReplaceAll(c.file, "/", "_"), func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join(dir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			reg, _ := ipatlas.ParseRegistry(filepath.Dir(c.file))
			n, err := whois.Parse(reg, c.file, body, netip.MustParseAddr(c.query))
			if err != nil {
				t.Fatal(err)
			}
			checkReal(t, c, n, reg)
		})
	}
}

func checkReal(t *testing.T, c realAnswer, n ipatlas.Network, reg ipatlas.Registry) {
	t.Helper()
	got := []string{n.Range.String(), n.Handle, n.Name, n.Country, n.Type, n.ParentHandle}
	want := []string{c.rng, c.handle, c.name, c.country, c.typ, c.parent}
	if !slices.Equal(got, want) {
		t.Errorf("range, handle, name, country, type, parent:\n got %q\nwant %q", got, want)
	}
	if n.Registry != reg || n.Port43 != whois.Servers[reg] || !slices.Equal(n.CIDRs, n.Range.Prefixes()) {
		t.Errorf("registry %s, port43 %s, cidrs %v", n.Registry, n.Port43, n.CIDRs)
	}
	var events []string
	for _, e := range n.Events {
		events = append(events, e.Action+" "+e.Date.Format(time.DateOnly))
	}
	if !slices.Equal(events, c.events) {
		t.Errorf("events %q, want %q", events, c.events)
	}
	if h := holder(n.Entities); h != c.holder {
		t.Errorf("holder %q, want %q", h, c.holder)
	}
	if c.abuse != "" && !slices.Contains(abuseMails(n.Entities), c.abuse) {
		t.Errorf("abuse addresses %q, want %q among them", abuseMails(n.Entities), c.abuse)
	}
	if c.contact != "" && !slices.Contains(describe(n.Entities), c.contact) {
		t.Errorf("entities %q, want %q among them", describe(n.Entities), c.contact)
	}
}

func holder(es []ipatlas.Entity) string {
	for _, e := range es {
		if e.HasRole(ipatlas.RoleRegistrant) {
			return e.Handle + " " + e.Contact.Name
		}
	}
	return ""
}

// abuseMails are the addresses of every entity in the abuse role, nested
// ones included.
func abuseMails(es []ipatlas.Entity) []string {
	var out []string
	for _, e := range es {
		if e.HasRole(ipatlas.RoleAbuse) {
			out = append(out, e.Contact.Email...)
		}
		out = append(out, abuseMails(e.Entities)...)
	}
	return out
}

// describe writes each entity, nested ones included, as
// "HANDLE role,role Name".
func describe(es []ipatlas.Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Handle+" "+strings.Join(e.Roles, ",")+" "+e.Contact.Name)
		out = append(out, describe(e.Entities)...)
	}
	return out
}
