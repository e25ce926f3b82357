package analytics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/delegated"
)

func mustNetworkRecord(tb testing.TB, n ipatlas.Network) ipatlas.Record {
	tb.Helper()
	rec, err := ipatlas.NetworkRecord(n)
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

func registrant(handle, name, org string, nested ...ipatlas.Entity) ipatlas.Entity {
	return ipatlas.Entity{Handle: handle, Roles: []string{ipatlas.RoleRegistrant}, Contact: ipatlas.Contact{Name: name, Org: org}, Entities: nested}
}

func TestFromRecordReadsCrawledNetworks(t *testing.T) {
	t.Parallel()
	rg := mustRange(t, "193.0.0.0/21")
	abuse := ipatlas.Entity{Handle: "AR1-RIPE", Roles: []string{ipatlas.RoleAbuse}, Contact: ipatlas.Contact{Name: "Abuse"},
		Entities: []ipatlas.Entity{registrant("EX-MNT", "", "")}}
	cases := []struct {
		name     string
		entities []ipatlas.Entity
		holder   string
	}{
		// RIPE NCC: the organisation, and a maintainer with the registrant
		// role under the abuse contact: the organisation holds it.
		{"RegistrantBeforeNested", []ipatlas.Entity{abuse, registrant("ORG-EX1-RIPE", "Example B.V.", "")}, "Example B.V."},
		{"OrgBeforeName", []ipatlas.Entity{registrant("EX-1", "Ops", "Example Org")}, "Example Org"},
		{"NestedWhenNoneAtTop", []ipatlas.Entity{abuse}, "EX-MNT"},
		{"NoRegistrant", []ipatlas.Entity{{Handle: "X", Roles: []string{"technical"}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := ipatlas.Network{Registry: ipatlas.RIPENCC, Range: rg, Country: "NL", Type: "ALLOCATED PA",
				Status: []string{"active", "validated"}, Entities: c.entities}
			b, err := analytics.FromRecord(mustNetworkRecord(t, n))
			if err != nil {
				t.Fatal(err)
			}
			want := analytics.Block{Range: rg, Registry: ipatlas.RIPENCC, Country: "NL", Holder: c.holder, Type: "ALLOCATED PA", Status: "active,validated"}
			if b != want {
				t.Errorf("got %+v, want %+v", b, want)
			}
		})
	}
}

func TestFromRecordReadsWhipPayloads(t *testing.T) {
	t.Parallel()
	rg := mustRange(t, "1.0.0.0/24")
	cases := []struct {
		payload string
		want    analytics.Block
	}{
		{`{"registry":"apnic","country":"AU","asn":13335,"org":"Example Pty Ltd","cidr":"1.0.0.0/24"}`,
			analytics.Block{Registry: ipatlas.APNIC, Country: "AU", Holder: "Example Pty Ltd"}},
		{`{"registry":"RIPE NCC","status":"ALLOCATED PA","org":"O","entities":[{"roles":["registrant"],"handle":"H"}]}`,
			analytics.Block{Registry: ipatlas.RIPENCC, Status: "ALLOCATED PA", Holder: "O"}},
		{`{"registry":"Mars NIC","country":7,"status":null,"type":["x"],"entities":"none"}`,
			analytics.Block{Registry: "mars nic"}},
		{`{}`, analytics.Block{}},
	}
	for _, c := range cases {
		b, err := analytics.FromRecord(ipatlas.Record{Range: rg, Payload: []byte(c.payload)})
		c.want.Range = rg
		if err != nil || b != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.payload, b, err, c.want)
		}
	}
	for _, bad := range []string{`{"registry":`, `[1]`, `{"a":1} x`} {
		_, err := analytics.FromRecord(ipatlas.Record{Range: rg, Payload: []byte(bad)})
		if err == nil || !strings.Contains(err.Error(), "1.0.0.0 - 1.0.0.255") {
			t.Errorf("payload %s: error %v, want one naming the record", bad, err)
		}
	}
}

const delegatedSample = `2.3|ripencc|1700000000|9|19700101|20231114|+0100
ripencc|*|ipv4|*|5|summary
ripencc|*|ipv6|*|2|summary
ripencc|*|asn|*|1|summary
ripencc|NL|asn|3333|1|19930901|allocated|id-1
ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated|id-1
ripencc|FR|ipv4|193.0.4.0|1280|20010102|assigned|id-2
ripencc|ZZ|ipv4|193.0.9.0|256||reserved|
ripencc||ipv4|193.0.10.0|256||available|
iana|ZZ|ipv4|0.0.0.0|16777216|19810901|reserved|
ripencc|NL|ipv6|2001:67c::|32|20021105|allocated|id-1
ripencc||ipv6|2a10::|12||available|
`

func mustParseDelegated(tb testing.TB, data, name string) *delegated.File {
	tb.Helper()
	f, err := delegated.Parse(strings.NewReader(data), name)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func TestFromDelegated(t *testing.T) {
	t.Parallel()
	blocks, err := analytics.FromDelegated([]*delegated.File{mustParseDelegated(t, delegatedSample, "sample")})
	if err != nil {
		t.Fatal(err)
	}
	want := []analytics.Block{
		{Range: mustRange(t, "193.0.0.0 - 193.0.2.255"), Registry: ipatlas.RIPENCC, Country: "NL", Holder: "id-1", Status: "allocated"},
		{Range: mustRange(t, "193.0.4.0 - 193.0.8.255"), Registry: ipatlas.RIPENCC, Country: "FR", Holder: "id-2", Status: "assigned"},
		{Range: mustRange(t, "2001:67c::/32"), Registry: ipatlas.RIPENCC, Country: "NL", Holder: "id-1", Status: "allocated"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("got %+v, want %+v", blocks, want)
	}
	for i := range want {
		if blocks[i] != want[i] {
			t.Errorf("block %d: %+v, want %+v", i, blocks[i], want[i])
		}
	}
	r := analytics.Analyze(blocks, analytics.Options{})
	// 768 = /23 + /24; 1280 at 193.0.4.0 = /22 + /24.
	if r.IPv4.NonCIDR != 2 || r.IPv4.Addresses.String() != "2048" || tallies(r.IPv4.Holders.ByAddresses) != "id-2:1/1/1280 id-1:1/1/768" {
		t.Errorf("analysis: non-CIDR %d, addresses %s, holders %s", r.IPv4.NonCIDR, r.IPv4.Addresses, tallies(r.IPv4.Holders.ByAddresses))
	}
}

func TestFromDelegatedNamesBadRecords(t *testing.T) {
	t.Parallel()
	f := &delegated.File{Name: "delegated-x", Records: []delegated.Record{
		{Registry: "ripencc", Type: "ipv4", Start: "255.255.255.0", Value: 512, Status: "allocated"}}}
	if _, err := analytics.FromDelegated([]*delegated.File{f}); err == nil || !strings.Contains(err.Error(), "delegated-x record 1") {
		t.Errorf("a range past 255.255.255.255: %v, want an error naming the file and record", err)
	}
}

// TestFromRecordsMatchesFromRecord: reading side by side, with shared
// strings, gives each record's block; a bad payload anywhere is named.
func TestFromRecordsMatchesFromRecord(t *testing.T) {
	t.Parallel()
	recs := worldRecords(1) // more records than one piece of FromRecords' work
	blocks, err := analytics.FromRecords(recs)
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		if b, err := analytics.FromRecord(rec); err != nil || b != blocks[i] {
			t.Fatalf("record %d: FromRecords %+v, FromRecord %+v, %v", i, blocks[i], b, err)
		}
	}
	bad, at := slices.Clone(recs), len(recs)*3/4
	bad[at] = ipatlas.Record{Range: bad[at].Range, Payload: []byte(`{"registry":}`)}
	if _, err := analytics.FromRecords(bad); err == nil || !strings.Contains(err.Error(), bad[at].Range.String()) {
		t.Errorf("a bad payload at record %d of %d: %v, want an error naming %s", at, len(recs), err, bad[at].Range)
	}
}
