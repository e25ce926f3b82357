package serve

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/whipfile"
)

// FuzzRDAPAnswer: whatever JSON object a record's payload is (a loaded
// file's may hold anything), its RDAP answer is valid JSON that an RDAP
// client parses, with the record's range; so are the entity answers of
// the entities in it. Nothing panics.
func FuzzRDAPAnswer(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"org":"Example","status":"ALLOCATED","country":7,"handle":null}`,
		`{"registry":"arin","handle":"NET-1","status":["active",3],"origin_as":[1,-2],"events":[{"action":"registration","date":"yesterday"},{"action":"last changed","date":"2024-01-01T00:00:00Z"},5]}`,
		`{"entities":[{"handle":"A\"<b>","roles":["abuse"],"contact":{"name":"N","phone":["+1"],"email":"x"},"entities":[{"handle":"B","contact":{"kind":1}}]},"junk"]}`,
		`{"remarks":[{"title":"t","description":"not a list"},{"description":["a","b"]}],"entities":{"handle":"x"}}`,
		`{"registry":"ripencc","parent_handle":"P","remarks":[{"title":1,"description":["\u0000"]}],"x":{"y":[1,{"z":null}]}}`,
	} {
		f.Add([]byte(seed))
	}
	ix := historytest.Index(f, historytest.Timeline(f, []history.Pending{{Snapshot: ipatlas.Snapshot{At: time.Unix(0, 0), Datetime: "1970-01-01"}}}))
	c := answerCtx{ix: ix, base: linkBase{host: []byte("h")}}
	first, last := netip.MustParseAddr("10.0.0.0"), netip.MustParseAddr("10.0.2.255")
	f.Fuzz(func(t *testing.T, payload []byte) {
		var obj map[string]any
		var compact bytes.Buffer
		if json.Unmarshal(payload, &obj) != nil || obj == nil || json.Compact(&compact, payload) != nil {
			t.Skip("not a JSON object: a record's payload always is one, compact")
		}
		rec := whipfile.AppendLine(nil, first, last, "1970-01-01", compact.Bytes())
		var n netRecord
		if err := readRecord(rec, &n); err != nil {
			t.Fatalf("%s: %v", rec, err)
		}
		body := appendNetwork(nil, &c, &n, &n)
		got, err := rdap.ParseNetwork(body)
		if err != nil || got.Range != (ipatlas.Range{From: first, To: last}) {
			t.Fatalf("%s\nanswer %s\nparsed %+v, %v", rec, body, got.Range, err)
		}
		for handle, ent := range buildEntitiesOf(rec) {
			if b := appendEntityAnswer(nil, &c, ent); !json.Valid(b) {
				t.Fatalf("entity %q of %s: not JSON: %s", handle, rec, b)
			}
		}
	})
}

// buildEntitiesOf is the entity table of one record, as buildEntities
// makes it of every record; its networks are left out, as the record is
// not in the index.
func buildEntitiesOf(rec []byte) map[string]*entityEntry {
	m := map[string]*entityEntry{}
	var n netRecord
	if readRecord(rec, &n) == nil {
		addEntities(m, 0, n.entities, 0)
	}
	for _, e := range m {
		e.nets = nil
	}
	return m
}

// TestCIDRsMatchPrefixes: cidr0_cidrs and the links' first prefix are
// ipatlas.Range.Prefixes, on the ends of both families and seeded random
// ranges.
func TestCIDRsMatchPrefixes(t *testing.T) {
	ranges := [][2]string{{"0.0.0.0", "255.255.255.255"}, {"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"255.255.255.255", "255.255.255.255"}, {"::", "::"}, {"62.0.0.0", "62.0.2.255"}, {"0.0.0.1", "255.255.255.254"}}
	rnd := rand.New(rand.NewPCG(5, 5))
	for range 2000 {
		is4 := rnd.IntN(2) == 0
		a, b := randomAddr(is4, rnd), randomAddr(is4, rnd)
		if b.Less(a) {
			a, b = b, a
		}
		ranges = append(ranges, [2]string{a.String(), b.String()})
	}
	for _, r := range ranges {
		n := netRecord{begin: netip.MustParseAddr(r[0]), end: netip.MustParseAddr(r[1])}
		var got struct {
			CIDRs []struct {
				V4     string `json:"v4prefix"`
				V6     string `json:"v6prefix"`
				Length int
			} `json:"cidr0_cidrs"`
		}
		body := append(appendCIDRs([]byte(`{"x":0`), &n), '}')
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var prefixes []netip.Prefix
		for _, c := range got.CIDRs {
			prefixes = append(prefixes, netip.PrefixFrom(netip.MustParseAddr(c.V4+c.V6), c.Length))
		}
		want := ipatlas.Range{From: n.begin, To: n.end}.Prefixes()
		if !slices.Equal(prefixes, want) || firstPrefix(n.begin, n.end) != want[0] {
			t.Fatalf("%v: %s, first %s; want %v", r, body, firstPrefix(n.begin, n.end), want)
		}
	}
}

// randomAddr is a random IPv4 or IPv6 address, often near a block's edge
// so ranges have long runs of aligned bits.
func randomAddr(is4 bool, rnd *rand.Rand) netip.Addr {
	var b [16]byte
	for i := range b {
		b[i] = byte(rnd.UintN(256))
	}
	if k := rnd.IntN(17); k < 16 {
		for i := k; i < 16; i++ {
			b[i] = []byte{0, 255}[rnd.IntN(2)]
		}
	}
	if is4 {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}
