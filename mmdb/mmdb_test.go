package mmdb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/mmdb"
	"github.com/oschwald/maxminddb-golang/v2"
)

// rec makes a record of "a - b" with a payload.
func rec(tb testing.TB, rng, payload string) ipatlas.Record {
	tb.Helper()
	r, err := ipatlas.ParseRange(rng)
	if err != nil {
		tb.Fatal(err)
	}
	return ipatlas.Record{Range: r, Payload: []byte(payload)}
}

// MustWrite writes records and opens the file.
func MustWrite(tb testing.TB, records []ipatlas.Record, cfg mmdb.Config) (*maxminddb.Reader, mmdb.Stats, []byte) {
	tb.Helper()
	var buf bytes.Buffer
	st, err := mmdb.Write(context.Background(), &buf, records, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if st.Bytes != int64(buf.Len()) {
		tb.Errorf("Stats.Bytes %d, wrote %d", st.Bytes, buf.Len())
	}
	db, err := maxminddb.OpenBytes(buf.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Verify(); err != nil {
		tb.Fatalf("maxminddb's own check: %v", err)
	}
	return db, st, buf.Bytes()
}

// worldRecords are nested, non-CIDR, special-purpose and IPv6 ranges,
// deliberately out of order.
func worldRecords(tb testing.TB) []ipatlas.Record {
	return []ipatlas.Record{
		rec(tb, "1.0.0.0 - 1.0.0.127", `{"registry":"apnic","handle":"CHILD","country":"JP"}`),
		rec(tb, "1.0.0.0 - 1.0.2.255", `{"registry":"apnic","handle":"PARENT","name":"NON-CIDR","status":["active"],"origin_as":[13335]}`),
		rec(tb, "1.0.0.64 - 1.0.0.80", `{"registry":"apnic","handle":"GRANDCHILD","asn":"4134","asn_cidr":"1.0.0.0/24","asn_description":"CHINANET"}`),
		rec(tb, "1.0.2.255 - 1.0.2.255", `{"handle":"LAST-ADDRESS"}`),
		rec(tb, "10.0.0.0 - 10.255.255.255", `{"registry":"arin","handle":"NET-10-0-0-0-1","name":"PRIVATE-ADDRESS-ABLK-RFC1918-IANA-RESERVED"}`),
		rec(tb, ":: - ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", `{"registry":"ripencc","handle":"::/0","name":"IANA-BLK"}`),
		rec(tb, "2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", `{"registry":"ripencc","name":"DOC","asn":"NA","asn_cidr":"NA","asn_registry":"ripencc"}`),
		rec(tb, "2001:db8::100 - 2001:db8::2ff", `{"registry":"ripencc","name":"DOC-INNER"}`),
		rec(tb, "2002:: - 2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", `{"name":"6TO4"}`),
		rec(tb, "::1 - ::1:0:5", `{"name":"ACROSS-THE-IPV4-TREE"}`),
	}
}

// TestLookupsFindTheMostSpecific: hand-picked addresses find what a
// reader of the registries expects, decoded with maxminddb-golang.
func TestLookupsFindTheMostSpecific(t *testing.T) {
	t.Parallel()
	records := worldRecords(t)
	db, st, _ := MustWrite(t, records, mmdb.Config{BuildTime: time.Unix(1700000000, 0)})
	if err := mmdb.Verify(db, records); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ addr, handle, name string }{
		{"1.0.0.0", "CHILD", ""}, {"1.0.0.63", "CHILD", ""}, {"1.0.0.64", "GRANDCHILD", ""}, {"1.0.0.80", "GRANDCHILD", ""},
		{"1.0.0.81", "CHILD", ""}, {"1.0.0.128", "PARENT", "NON-CIDR"}, {"1.0.2.254", "PARENT", "NON-CIDR"},
		{"1.0.2.255", "LAST-ADDRESS", ""}, {"1.0.3.0", "", ""}, {"0.255.255.255", "", ""},
		{"10.1.2.3", "NET-10-0-0-0-1", "PRIVATE-ADDRESS-ABLK-RFC1918-IANA-RESERVED"},
		{"::ffff:1.0.0.70", "GRANDCHILD", ""}, // IPv4-mapped answers from the IPv4 data
		{"2002:100:46::", "GRANDCHILD", ""},   // so does 6to4 (1.0.0.70), not the 6TO4 record
		{"::1.0.0.70", "GRANDCHILD", ""},      // and the IPv4 tree itself
		{"2001:db8::", "", "DOC"}, {"2001:db8::100", "", "DOC-INNER"}, {"2001:db8::2ff", "", "DOC-INNER"}, {"2001:db8::300", "", "DOC"},
		{"2001:db9::", "::/0", "IANA-BLK"}, {"::1:0:6", "::/0", "IANA-BLK"}, {"ffff::1", "::/0", "IANA-BLK"},
		{"::1:0:0", "", "ACROSS-THE-IPV4-TREE"}, {"::1:0:5", "", "ACROSS-THE-IPV4-TREE"}, {"::1", "", ""}, // ::1 is 0.0.0.1
	}
	for _, c := range cases {
		var got mmdb.Record
		res := db.Lookup(netip.MustParseAddr(c.addr))
		if err := res.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Handle != c.handle || got.Name != c.name || res.Found() != (c.handle+c.name != "") {
			t.Errorf("%s: found %v %q %q, want %q %q", c.addr, res.Found(), got.Handle, got.Name, c.handle, c.name)
		}
	}
	if st.Records != 9 || st.Skipped != 1 || st.Prefixes < 12 {
		t.Errorf("stats %+v: want 9 records stored, the 6to4 one skipped", st)
	}
}

// TestRecordSchema: a record decodes to every documented field.
func TestRecordSchema(t *testing.T) {
	t.Parallel()
	payload := `{"registry":"arin","handle":"NET-13-64-0-0-1","name":"MSFT","type":"DIRECT ALLOCATION","status":["active"],
		"country":"US","parent_handle":"NET-13-0-0-0-0","origin_as":[8075,8068],
		"events":[{"action":"registration","date":"2001-02-03T00:00:00Z"},{"action":"last changed","date":"2021-02-03T00:00:00Z"}],
		"entities":[{"handle":"MSFT","roles":["registrant"],"contact":{"name":"Microsoft Corporation"},
			"entities":[{"handle":"ABUSE","roles":["abuse"],"contact":{"email":["abuse@example.com"]}}]}],
		"remarks":[{"description":["left out"]}],
		"asn":"8075","asn_cidr":"13.64.0.0/11","asn_description":"MICROSOFT-CORP-MSN-AS-BLOCK, US","asn_country_code":"US",
		"asn_registry":"arin","asn_date":"2015-08-10"}`
	records := []ipatlas.Record{rec(t, "13.64.0.0 - 13.107.255.255", strings.Join(strings.Fields(payload), " "))}
	db, _, _ := MustWrite(t, records, mmdb.Config{})
	var got mmdb.Record
	if err := db.Lookup(netip.MustParseAddr("13.100.0.1")).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := mmdb.Record{Begin: "13.64.0.0", End: "13.107.255.255", Registry: "arin", Handle: "NET-13-64-0-0-1", Name: "MSFT",
		Type: "DIRECT ALLOCATION", Status: []string{"active"}, Country: "US", Holder: "Microsoft Corporation",
		AbuseEmail: "abuse@example.com", Registered: "2001-02-03T00:00:00Z", LastChanged: "2021-02-03T00:00:00Z",
		ParentHandle: "NET-13-0-0-0-0", OriginAS: []uint32{8075, 8068}, ASN: 8075, ASNCIDR: "13.64.0.0/11",
		ASNDescription: "MICROSOFT-CORP-MSN-AS-BLOCK, US", ASNCountryCode: "US", ASNRegistry: "arin", ASNDate: "2015-08-10"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n %+v\nwant\n %+v", got, want)
	}
	var raw map[string]any
	if err := db.Lookup(netip.MustParseAddr("13.64.0.0")).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 20 {
		t.Errorf("%d fields, want 20: %v", len(raw), raw)
	}
}

// TestMetadata: the file says what it is and when its snapshot was.
func TestMetadata(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 22, 0, 0, 0, 0, time.UTC)
	db, _, _ := MustWrite(t, worldRecords(t), mmdb.Config{Description: "ipatlas snapshot 4 (2024-01-22)", BuildTime: at})
	m := db.Metadata
	if m.DatabaseType != mmdb.DatabaseType || m.Description["en"] != "ipatlas snapshot 4 (2024-01-22)" ||
		!m.BuildTime().Equal(at) || m.IPVersion != 6 || m.RecordSize != 28 {
		t.Errorf("metadata %+v", m)
	}
}

// TestWriteIsDeterministic: one snapshot, one file, whatever the order
// the records come in.
func TestWriteIsDeterministic(t *testing.T) {
	t.Parallel()
	records := worldRecords(t)
	cfg := mmdb.Config{BuildTime: time.Unix(1, 0)}
	_, _, a := MustWrite(t, records, cfg)
	slices.SortFunc(records, ipatlas.CompareRecords)
	_, _, b := MustWrite(t, records, cfg)
	if !bytes.Equal(a, b) {
		t.Error("two writes of one snapshot differ")
	}
}

// TestVerifyCatchesWrongFiles: Verify fails on a file that is not of the
// records it is given: a record left out, a field changed, a record added.
func TestVerifyCatchesWrongFiles(t *testing.T) {
	t.Parallel()
	records := worldRecords(t)
	slices.SortFunc(records, ipatlas.CompareRecords)
	db, _, _ := MustWrite(t, records, mmdb.Config{})
	changed := slices.Clone(records)
	changed[3].Payload = []byte(`{"handle":"CHANGED"}`)
	extra := append(slices.Clone(records), rec(t, "1.0.0.100 - 1.0.0.100", `{}`))
	for name, want := range map[string][]ipatlas.Record{
		"LeftOut": append(slices.Clone(records[:2]), records[3:]...),
		"Changed": changed,
		"Added":   extra,
		"Empty":   nil,
	} {
		if err := mmdb.Verify(db, want); err == nil {
			t.Errorf("%s: Verify passed", name)
		}
	}
}

// TestRandomSnapshotsReadBack: seeded random snapshots of nested and
// partly overlapping ranges of both families are written, verified whole,
// and answer random lookups as a linear scan for the last record (in
// ipatlas.CompareRecords order) holding the address does.
func TestRandomSnapshotsReadBack(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 1))
			records := randomRecords(r, 300)
			db, _, _ := MustWrite(t, records, mmdb.Config{})
			if err := mmdb.Verify(db, records); err != nil {
				t.Fatal(err)
			}
			for range 2000 {
				a := randomAddr(r)
				if mmdb.AnswersFromIPv4(a) {
					continue
				}
				want := "nothing"
				for _, rc := range records {
					if rc.Range.Contains(a) {
						want = rc.Range.String()
					}
				}
				var got mmdb.Record
				if err := db.Lookup(a).Decode(&got); err != nil {
					t.Fatal(err)
				}
				g := got.Begin + " - " + got.End
				if got.Begin == "" {
					g = "nothing"
				}
				if g != want {
					t.Fatalf("%s: found %s, want %s", a, g, want)
				}
			}
		})
	}
}

// randomRecords are n ranges around a few places of both families,
// sorted: many nest, some partly overlap, some are not CIDR blocks.
func randomRecords(r *rand.Rand, n int) []ipatlas.Record {
	seen := map[ipatlas.Range]bool{}
	var out []ipatlas.Record
	for len(out) < n {
		from := randomAddr(r)
		to := from
		for range r.IntN(600) {
			if next := to.Next(); next.IsValid() {
				to = next
			}
		}
		rng := ipatlas.Range{From: from, To: to}
		if seen[rng] {
			continue
		}
		seen[rng] = true
		out = append(out, ipatlas.Record{Range: rng, Payload: fmt.Appendf(nil, `{"handle":"H%d","country":"C%d"}`, len(out), r.IntN(3))})
	}
	slices.SortFunc(out, ipatlas.CompareRecords)
	return out
}

// randomAddr is an address near one of a few places: IPv4, IPv6, and
// IPv6 next to the networks that answer from IPv4 data.
func randomAddr(r *rand.Rand) netip.Addr {
	bases := []netip.Addr{netip.MustParseAddr("1.0.0.0"), netip.MustParseAddr("255.255.250.0"),
		netip.MustParseAddr("2001:db8::"), netip.MustParseAddr("::ffff:ffff"), netip.MustParseAddr("2001:ffff:ffff::")}
	a := bases[r.IntN(len(bases))]
	for range r.IntN(3000) {
		if next := a.Next(); next.IsValid() {
			a = next
		}
	}
	return a
}

// TestWriteStopsWhenCancelled: a cancelled context stops the build, with
// its error, and nothing is written.
func TestWriteStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if _, err := mmdb.Write(ctx, &buf, worldRecords(t), mmdb.Config{}); !errors.Is(err, context.Canceled) || buf.Len() != 0 {
		t.Errorf("Write with a cancelled context: %v, %d bytes", err, buf.Len())
	}
}
