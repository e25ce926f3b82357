package flat_test

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/flat"
)

// TestCrawledNetwork: a crawled network's record, as a snapshot keeps it,
// gives every field, the holder and abuse mailbox from the entities
// nearest the network.
func TestCrawledNetwork(t *testing.T) {
	t.Parallel()
	reg := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	n := ipatlas.Network{
		Registry: ipatlas.ARIN, Range: ipatlas.Range{From: netip.MustParseAddr("13.64.0.0"), To: netip.MustParseAddr("13.107.255.255")},
		Handle: "NET-13-64-0-0-1", Name: "MSFT", Type: "DIRECT ALLOCATION", Status: []string{"active", "locked"},
		Country: "US", ParentHandle: "NET-13-0-0-0-0", OriginAS: []uint32{8075, 8068},
		Events: []ipatlas.Event{{Action: "last changed", Date: reg.AddDate(20, 0, 0)}, {Action: "registration", Date: reg},
			{Action: "registration", Date: reg.AddDate(1, 0, 0)}},
		Entities: []ipatlas.Entity{
			{Handle: "TECH-1", Roles: []string{"technical"}, Entities: []ipatlas.Entity{
				{Handle: "DEEP-ORG", Roles: []string{"registrant"}, Contact: ipatlas.Contact{Name: "Too Deep"}},
			}},
			{Handle: "MSFT", Roles: []string{"registrant"}, Contact: ipatlas.Contact{Name: "Microsoft", Org: "Microsoft Corporation"},
				Entities: []ipatlas.Entity{{Handle: "ABUSE-1", Roles: []string{"abuse"}, Contact: ipatlas.Contact{Email: []string{"abuse@microsoft.example", "second@example"}}}}},
			{Handle: "ABUSE-NOMAIL", Roles: []string{"abuse"}},
		},
	}
	rec, err := ipatlas.NetworkRecord(n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := flat.Read(rec.Payload)
	if err != nil {
		t.Fatal(err)
	}
	want := flat.Fields{Registry: "arin", Handle: "NET-13-64-0-0-1", Name: "MSFT", Type: "DIRECT ALLOCATION",
		Status: []string{"active", "locked"}, Country: "US", ParentHandle: "NET-13-0-0-0-0",
		Holder: "Microsoft Corporation", AbuseEmail: "abuse@microsoft.example",
		Registered: "2001-02-03T04:05:06Z", LastChanged: "2021-02-03T04:05:06Z", OriginAS: []uint32{8075, 8068}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read\n got %+v\nwant %+v", got, want)
	}
}

// TestWhipPayloads: a loaded file's fields are whatever its writer chose;
// known names of another type are left out, not errors.
func TestWhipPayloads(t *testing.T) {
	t.Parallel()
	cases := []struct {
		payload string
		want    flat.Fields
	}{
		{`{"registry":"apnic","country":"AU","asn":13335,"org":"Example Pty Ltd","cidr":"1.0.0.0/24"}`,
			flat.Fields{Registry: "apnic", Country: "AU", ASN: "13335", Holder: "Example Pty Ltd"}},
		{`{"asn":"NA","asn_cidr":"NA","asn_description":"NA","asn_registry":"ripencc","asn_country_code":"NL","asn_date":"1993-09-01"}`,
			flat.Fields{ASN: "NA", ASNCIDR: "NA", ASNDescription: "NA", ASNRegistry: "ripencc", ASNCountryCode: "NL", ASNDate: "1993-09-01"}},
		{`{"country":5,"status":"active","origin_as":[1,"x",-2,4294967296,7],"events":{},"entities":"none","holder":"H","name":null}`,
			flat.Fields{Status: []string{"active"}, OriginAS: []uint32{1, 7}, Holder: "H"}},
		{`{"org":"The Org","entities":[{"roles":"registrant","contact":{"name":"Ignored"}},{"roles":["ABUSE"],"contact":{"email":"a@b"}}]}`,
			flat.Fields{Holder: "The Org", AbuseEmail: "a@b"}},
		{`{}`, flat.Fields{}},
	}
	for _, c := range cases {
		got, err := flat.Read([]byte(c.payload))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Read(%s) = %+v, %v; want %+v", c.payload, got, err, c.want)
		}
	}
	for _, bad := range []string{``, `[]`, `{"a":1`, `{"a":1} x`} {
		if _, err := flat.Read([]byte(bad)); err == nil {
			t.Errorf("Read(%q) accepted", bad)
		}
	}
}
