package netjson_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
)

// TestAppendMatchesEncodingJSON holds Append to json.Marshal's bytes on
// seeded random networks that reach every field, omitted or not.
func TestAppendMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		n := randomNetwork(r)
		want, err := json.Marshal(&n)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := netjson.Append(nil, &n); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("network %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestAppendKeepsWhatIsThere(t *testing.T) {
	t.Parallel()
	n := ipatlas.Network{Registry: ipatlas.ARIN, Handle: "NET-1"}
	got, err := netjson.Append([]byte("prefix:"), &n)
	if err != nil || !bytes.HasPrefix(got, []byte(`prefix:{"registry":"arin"`)) {
		t.Fatalf("Append = %s, %v", got, err)
	}
}

func TestAppendRefusesDatesRFC3339CannotWrite(t *testing.T) {
	t.Parallel()
	for _, year := range []int{-1, 10000} {
		n := ipatlas.Network{Events: []ipatlas.Event{{Action: "registration", Date: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)}}}
		if _, err := json.Marshal(&n); err == nil {
			t.Fatalf("json.Marshal accepted year %d", year)
		}
		if _, err := netjson.Append(nil, &n); err == nil {
			t.Errorf("Append accepted year %d", year)
		}
	}
}

// tricky strings: every escape encoding/json makes, invalid UTF-8, and
// characters that pass through.
var tricky = []string{"", "plain", `q"uote`, `back\slash`, "tab\tnew\nline\rcr", "\b\f\x00\x1f\x7f", "<a href='x'>&amp;</a>",
	"caf\u00e9 \U0001F600", "line\u2028para\u2029", "bad \xff\xfe utf8", "trunc \xe2\x82", "Köln, 1 Main St\nSpringfield"}

func str(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return ""
	}
	return tricky[r.IntN(len(tricky))]
}

// strs is nil, empty, or some strings: encoding/json omits both of the first.
func strs(r *rand.Rand) []string {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+r.IntN(3))
	for i := range out {
		out[i] = str(r)
	}
	return out
}

func stamp(r *rand.Rand) time.Time {
	switch r.IntN(4) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(r.Int64N(4e9), 0).UTC()
	case 2:
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("", -5*3600))
	}
	return time.Unix(r.Int64N(4e9), 0).In(time.FixedZone("", 5*3600+1800))
}

func randomNetwork(r *rand.Rand) ipatlas.Network {
	from := netip.AddrFrom4([4]byte{byte(r.IntN(224)), byte(r.IntN(256)), 0, 0})
	if r.IntN(3) == 0 {
		from = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(r.IntN(256))})
	}
	n := ipatlas.Network{Registry: ipatlas.Registries()[r.IntN(5)], Range: ipatlas.Range{From: from, To: from.Next()},
		Handle: str(r), Name: str(r), Type: str(r), Status: strs(r), Country: str(r), ParentHandle: str(r),
		Events: events(r), Entities: entities(r, 2), Remarks: remarks(r), Port43: str(r), Notices: remarks(r), Links: links(r)}
	if r.IntN(2) == 0 {
		n.OriginAS = []uint32{r.Uint32(), 0}
	}
	if r.IntN(2) == 0 {
		n.CIDRs = n.Range.Prefixes()
	}
	if r.IntN(3) > 0 {
		n.Source = ipatlas.Source{Protocol: str(r), URL: str(r), Retrieved: stamp(r)}
	}
	return n
}

func events(r *rand.Rand) []ipatlas.Event {
	out := make([]ipatlas.Event, r.IntN(3))
	for i := range out {
		out[i] = ipatlas.Event{Action: str(r), Date: stamp(r), Actor: str(r)}
	}
	return out
}

func remarks(r *rand.Rand) []ipatlas.Remark {
	out := make([]ipatlas.Remark, r.IntN(3))
	for i := range out {
		out[i] = ipatlas.Remark{Title: str(r), Description: strs(r)}
	}
	return out
}

func links(r *rand.Rand) []ipatlas.Link {
	out := make([]ipatlas.Link, r.IntN(3))
	for i := range out {
		out[i] = ipatlas.Link{Value: str(r), Rel: str(r), Href: str(r), Type: str(r)}
	}
	return out
}

func entities(r *rand.Rand, depth int) []ipatlas.Entity {
	if depth == 0 {
		return nil
	}
	out := make([]ipatlas.Entity, r.IntN(3))
	for i := range out {
		out[i] = ipatlas.Entity{Handle: str(r), Roles: strs(r), Status: strs(r), Remarks: remarks(r), Events: events(r),
			Entities: entities(r, depth-1), Links: links(r)}
		if r.IntN(4) > 0 {
			out[i].Contact = ipatlas.Contact{Name: str(r), Kind: str(r), Org: str(r), Address: str(r), Phone: strs(r), Email: strs(r)}
		}
	}
	return out
}

// FuzzStringQuoting: AppendString gives json.Marshal's bytes; both quoters
// give JSON that reads back as the string (invalid UTF-8 as U+FFFD), and
// the plain one leaves <, > and & as they are.
func FuzzStringQuoting(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b\c`, "tab\tnl\nbs\bff\f\x00\x1f", "<a href='x'>&amp;</a>", "\u2028\u2029", "caf\xc3\xa9 \xff", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := netjson.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		plain := netjson.AppendPlainString(nil, s)
		var back, wantBack string
		json.Unmarshal(want, &wantBack)
		if err := json.Unmarshal(plain, &back); err != nil || back != wantBack {
			t.Errorf("AppendPlainString(%q) = %s, reads back as %q (%v), want %q", s, plain, back, err, wantBack)
		}
		if bytes.Contains(plain, []byte(`\u003c`)) || bytes.Contains(plain, []byte(`\u0026`)) {
			t.Errorf("AppendPlainString(%q) = %s escapes HTML characters", s, plain)
		}
	})
}
