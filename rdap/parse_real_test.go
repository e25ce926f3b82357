package rdap_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/shareddata"
	"github.com/ipatlas/ipatlas/rdap"
)

func sharedData(tb testing.TB, sub string) string { return shareddata.Dir(tb, sub) }

// rawAnswer is the part of an answer the test reads independently of the
// parser, to derive what the parser must return.
type rawAnswer struct {
	Handle, StartAddress, EndAddress, Name, Country, ParentHandle string
	Events                                                        []struct{ EventAction, EventDate string }
	Entities                                                      []rawEntity
	CIDR0                                                         []struct {
		V4prefix, V6prefix string
		Length             int
	} `json:"cidr0_cidrs"`
}

type rawEntity struct {
	Handle   string
	Roles    []string
	Entities []rawEntity
}

func realAnswers(t *testing.T) []string {
	t.Helper()
	dir := sharedData(t, "rdap")
	paths, _ := filepath.Glob(filepath.Join(dir, "*", "ip-*.json"))
	var out []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".headers.json") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatal("no real ip answers found")
	}
	return out
}

func TestParsesEveryRealAnswer(t *testing.T) {
	t.Parallel()
	for _, path := range realAnswers(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			n, err := rdap.ParseNetwork(body)
			if strings.Contains(path, "_history") {
				if err == nil || !errors.Is(err, rdap.ErrMalformed) {
					t.Fatalf("an RDAP history answer parsed as a network: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var raw rawAnswer
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			checkAgainstRaw(t, n, raw)
		})
	}
}

func checkAgainstRaw(t *testing.T, n ipatlas.Network, raw rawAnswer) {
	t.Helper()
	if n.Range.From != rawAddr(t, raw.StartAddress) || n.Range.To != rawAddr(t, raw.EndAddress) {
		t.Errorf("range %s, want %s - %s", n.Range, raw.StartAddress, raw.EndAddress)
	}
	if n.Handle != raw.Handle || n.Name != raw.Name || n.ParentHandle != raw.ParentHandle || n.Country != strings.ToUpper(raw.Country) {
		t.Errorf("handle/name/parent/country %q %q %q %q, want %q %q %q %q", n.Handle, n.Name, n.ParentHandle, n.Country,
			raw.Handle, raw.Name, raw.ParentHandle, raw.Country)
	}
	if len(n.Events) != len(raw.Events) {
		t.Fatalf("%d events, want %d", len(n.Events), len(raw.Events))
	}
	for i, e := range raw.Events {
		want, _ := time.Parse(time.RFC3339, e.EventDate)
		if n.Events[i].Action != e.EventAction || !n.Events[i].Date.Equal(want) {
			t.Errorf("event %d = %+v, want %s %s", i, n.Events[i], e.EventAction, e.EventDate)
		}
	}
	checkCIDRs(t, n, raw)
	checkEntities(t, "entities", n.Entities, raw.Entities)
}

// rawAddr reads an address as the answer wrote it, host prefix ("/32") and
// zero-padded octets ("074.125.000.000") included, without the parser.
func rawAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	s, _, _ = strings.Cut(s, "/")
	if !strings.Contains(s, ":") {
		var b [4]byte
		for i, p := range strings.Split(s, ".") {
			v, err := strconv.Atoi(p)
			if err != nil || i > 3 {
				t.Fatalf("bad IPv4 %q in sample", s)
			}
			b[i] = byte(v)
		}
		return netip.AddrFrom4(b)
	}
	return netip.MustParseAddr(s)
}

func checkCIDRs(t *testing.T, n ipatlas.Network, raw rawAnswer) {
	t.Helper()
	if len(raw.CIDR0) == 0 {
		if len(n.CIDRs) != len(n.Range.Prefixes()) {
			t.Errorf("computed CIDRs %v, want %v", n.CIDRs, n.Range.Prefixes())
		}
		return
	}
	if len(n.CIDRs) != len(raw.CIDR0) {
		t.Fatalf("CIDRs %v, want %d from cidr0_cidrs", n.CIDRs, len(raw.CIDR0))
	}
	for i, c := range raw.CIDR0 {
		addr := c.V4prefix + c.V6prefix
		if n.CIDRs[i] != netip.PrefixFrom(netip.MustParseAddr(addr), c.Length) {
			t.Errorf("CIDR %d = %s, want %s/%d", i, n.CIDRs[i], addr, c.Length)
		}
	}
}

func checkEntities(t *testing.T, field string, got []ipatlas.Entity, want []rawEntity) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entities, want %d", field, len(got), len(want))
	}
	for i, w := range want {
		if got[i].Handle != w.Handle || strings.Join(got[i].Roles, ",") != strings.Join(w.Roles, ",") {
			t.Errorf("%s[%d] = %s %v, want %s %v", field, i, got[i].Handle, got[i].Roles, w.Handle, w.Roles)
		}
		checkEntities(t, field+"."+w.Handle, got[i].Entities, w.Entities)
	}
}

// TestContactsFromRealAnswers checks the jCard styles of each registry.
func TestContactsFromRealAnswers(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "rdap")
	cases := []struct {
		file, handle string
		want         ipatlas.Contact
	}{
		{"arin/ip-13.64.0.0.whoisit.json", "MSFT", ipatlas.Contact{Name: "Microsoft Corporation", Kind: "org",
			Address: "One Microsoft Way\nRedmond\nWA\n98052\nUnited States"}},
		{"lacnic/ip-200.57.141.161.ipwhois.json", "RYT2", ipatlas.Contact{Name: "Arturo Alejandro Rodriguez Garcia",
			Kind: "individual", Org: "Triara.com, S.A. de C.V.", Address: "Futuro Apodaca\nLibramiento Norte 111\nApodaca\n66600\nMX",
			Phone: []string{"52  8181962393"}, Email: []string{"operacion.redes@TRIARA.COM"}}},
	}
	for _, c := range cases {
		body, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		n, err := rdap.ParseNetwork(body)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := findEntity(n.Entities, c.handle)
		if !ok {
			t.Fatalf("%s: no entity %s", c.file, c.handle)
		}
		gotJSON, _ := json.Marshal(e.Contact)
		wantJSON, _ := json.Marshal(c.want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s %s contact\n got %s\nwant %s", c.file, c.handle, gotJSON, wantJSON)
		}
	}
}

func findEntity(es []ipatlas.Entity, handle string) (ipatlas.Entity, bool) {
	for _, e := range es {
		if e.Handle == handle {
			return e, true
		}
		if f, ok := findEntity(e.Entities, handle); ok {
			return f, true
		}
	}
	return ipatlas.Entity{}, false
}

func TestErrorBodiesAndRateLimitNotice(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "rdap")
	paths, _ := filepath.Glob(filepath.Join(dir, "errors", "*.json"))
	for _, p := range paths {
		body, _ := os.ReadFile(p)
		eb, ok := rdap.ParseErrorBody(body)
		want := 404
		if strings.Contains(filepath.Base(p), "-400-") {
			want = 400
		}
		if !ok || eb.ErrorCode != want || rdap.IsRateLimitNotice(body) {
			t.Errorf("%s: %+v %v, want errorCode %d and no rate-limit notice", filepath.Base(p), eb, ok, want)
		}
	}
	frag, err := os.ReadFile(filepath.Join(dir, "errors", "lacnic-rate-limit-notice.fragment.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !rdap.IsRateLimitNotice([]byte("{" + string(frag) + "}")) {
		t.Error("LACNIC's Rate Limit Notice not recognised")
	}
}
