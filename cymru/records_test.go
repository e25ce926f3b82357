package cymru_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/cymru"
)

func rec(from, to, payload string) ipatlas.Record {
	return ipatlas.Record{Range: ipatlas.Range{From: addr(from), To: addr(to)}, Payload: []byte(payload)}
}

var google = cymru.Fields{Registry: "arin", ASN: "15169", CIDR: "8.8.8.0/24", CountryCode: "US", Date: "1992-12-01", Description: "GOOGLE, US"}

const googleJSON = `"asn_registry":"arin","asn":"15169","asn_cidr":"8.8.8.0/24","asn_country_code":"US","asn_date":"1992-12-01","asn_description":"GOOGLE, US"`

func TestSetFields(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"Appended", `{"registry":"arin","handle":"NET-8-8-8-0-1"}`, `{"registry":"arin","handle":"NET-8-8-8-0-1",` + googleJSON + `}`},
		{"Empty", `{}`, `{` + googleJSON + `}`},
		{"Replaced", `{"asn":64500,"org":"X","asn_description":"OLD","z":[1,{"a":null}]}`, `{"org":"X","z":[1,{"a":null}],` + googleJSON + `}`},
		{"Escapes", `{"name":"a\"b<c>","n":1.5e3}`, `{"name":"a\"b<c>","n":1.5e3,` + googleJSON + `}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cymru.SetFields([]byte(c.in), google)
			if err != nil || string(got) != c.want {
				t.Fatalf("SetFields(%s) = %s, %v\nwant %s", c.in, got, err, c.want)
			}
			if again, err := cymru.SetFields(got, google); err != nil || string(again) != string(got) {
				t.Errorf("set again: %s, %v; want the same bytes", again, err)
			}
		})
	}
	for _, bad := range []string{`[1]`, `{"a":}`, `{"a":1} x`, ``} {
		if _, err := cymru.SetFields([]byte(bad), google); err == nil || !strings.Contains(err.Error(), "payload") {
			t.Errorf("SetFields(%q): %v, want a payload error", bad, err)
		}
	}
}

// TestOriginAddrs: each record is asked about at its first address no
// nested record holds, or its first when they cover it whole.
func TestOriginAddrs(t *testing.T) {
	t.Parallel()
	records := []ipatlas.Record{
		rec("10.0.0.0", "10.0.0.255", `{}`),  // children at its start: asked at .32
		rec("10.0.0.0", "10.0.0.15", `{}`),   // a child
		rec("10.0.0.0", "10.0.0.3", `{}`),    // a grandchild at the child's start: the child is asked at .4
		rec("10.0.0.16", "10.0.0.31", `{}`),  // a second child, right after
		rec("10.0.0.64", "10.0.0.127", `{}`), // a child past the gap
		rec("10.0.1.0", "10.0.1.255", `{}`),  // covered whole by its two children: asked at its first
		rec("10.0.1.0", "10.0.1.127", `{}`),
		rec("10.0.1.128", "10.0.1.255", `{}`),
		rec("10.0.2.0", "10.0.2.255", `{}`), // no children
		rec("2001:db8::", "2001:db8::ffff", `{}`),
		rec("2001:db8::", "2001:db8::ff", `{}`),
	}
	want := []string{"10.0.0.32", "10.0.0.4", "10.0.0.0", "10.0.0.16", "10.0.0.64", "10.0.1.0", "10.0.1.0", "10.0.1.128",
		"10.0.2.0", "2001:db8::100", "2001:db8::"}
	got := cymru.OriginAddrs(records)
	for i, w := range want {
		if got[i] != netip.MustParseAddr(w) {
			t.Errorf("record %s: asked at %s, want %s", records[i].Range, got[i], w)
		}
	}
}

func TestEnrich(t *testing.T) {
	t.Parallel()
	records := []ipatlas.Record{rec("8.8.8.0", "8.8.8.255", `{"registry":"arin"}`), rec("9.9.9.0", "9.9.9.255", `{"org":"Q"}`)}
	answers := []cymru.Answer{{AS: 15169, Addr: addr("8.8.8.8"), Prefix: prefix("8.8.8.0/24"), Country: "US", Registry: "arin",
		Allocated: day("1992-12-01"), ASName: "GOOGLE, US", Verbose: true}, {Addr: addr("9.9.9.0"), Registry: "arin", Verbose: true}}
	got, err := cymru.Enrich(records, answers)
	want := []string{`{"registry":"arin",` + googleJSON + `}`,
		`{"org":"Q","asn_registry":"arin","asn":"NA","asn_cidr":"NA","asn_country_code":"","asn_date":"","asn_description":"NA"}`}
	if err != nil || len(got) != 2 || string(got[0].Payload) != want[0] || string(got[1].Payload) != want[1] {
		t.Fatalf("Enrich: %v\n%s\n%s", err, got[0].Payload, got[1].Payload)
	}
	if string(records[0].Payload) != `{"registry":"arin"}` {
		t.Errorf("Enrich changed its input: %s", records[0].Payload)
	}
	if _, err := cymru.Enrich(records, answers[:1]); err == nil {
		t.Error("Enrich with an answer missing: no error")
	}
}

// TestCarry: a record of the next snapshot takes the origin fields of the
// record with its range before, unless it has its own or that one has
// none of Cymru's.
func TestCarry(t *testing.T) {
	t.Parallel()
	prev := []ipatlas.Record{
		rec("8.8.8.0", "8.8.8.255", `{"h":"A",`+googleJSON+`}`),
		rec("9.9.9.0", "9.9.9.255", `{"h":"B","asn":64500}`), // a Whip file's own asn: not Cymru's
		rec("10.0.0.0", "10.0.0.255", `{"h":"C",`+googleJSON+`}`),
	}
	next := []ipatlas.Record{
		rec("8.8.8.0", "8.8.8.255", `{"h":"A2"}`),
		rec("8.8.8.0", "8.8.8.127", `{"h":"new"}`),
		rec("9.9.9.0", "9.9.9.255", `{"h":"B"}`),
		rec("10.0.0.0", "10.0.0.255", `{"h":"C","asn_registry":"ripencc"}`),
	}
	before := slices.Clone(next)
	got, n, err := cymru.Carry(prev, next)
	want := []string{`{"h":"A2",` + googleJSON + `}`, `{"h":"new"}`, `{"h":"B"}`, `{"h":"C","asn_registry":"ripencc"}`}
	if err != nil || n != 1 {
		t.Fatalf("Carry: %d filled, %v; want 1", n, err)
	}
	for i, w := range want {
		if string(got[i].Payload) != w || !slices.EqualFunc(next, before, ipatlas.Record.Same) {
			t.Errorf("record %s: %s, want %s (input left alone)", got[i].Range, got[i].Payload, w)
		}
	}
}
