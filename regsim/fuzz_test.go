package regsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/regsim"
)

// FuzzRDAPRequest sends arbitrary paths to every registry's handler: each
// gets an answer a client can act on — a network, a redirect, or an RFC
// 9083 error — and never a crash.
func FuzzRDAPRequest(f *testing.F) {
	for _, seed := range []string{"ip/13.64.0.1", "ip/13.64.0.0/16", "ip/2001:400::1", "ip/::ffff:13.1.2.3",
		"ip/1.2.3.4/33", "ip/", "entity/ABUSE1-ARIN", "entity/%00", "help", "ip/fe80::1%eth0", "../../etc", "ip/1.2.3.4/8/9"} {
		f.Add(seed)
	}
	w := regsim.MustNew(regsim.Config{IPv4: mustPrefixes(f, "13.64.0.0/12", "41.0.0.0/12"), IPv6: mustPrefixes(f, "2001:400::/23"), IPv6PerBlock: 20})
	s, err := regsim.NewServer(w, regsim.ServerConfig{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path string) {
		for _, reg := range ipatlas.Registries() {
			base := map[ipatlas.Registry]string{ipatlas.ARIN: "/registry/", ipatlas.LACNIC: "/rdap/", ipatlas.AFRINIC: "/rdap/"}[reg]
			if base == "" {
				base = "/"
			}
			u := &url.URL{Path: base + path}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL, req.RequestURI = u, u.RequestURI()
			rec := httptest.NewRecorder()
			s.Handler(reg).ServeHTTP(rec, req)
			checkAnswer(t, reg, path, rec)
		}
	})
}

func checkAnswer(t *testing.T, reg ipatlas.Registry, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	switch rec.Code {
	case 301, 302:
		if rec.Header().Get("Location") == "" {
			t.Fatalf("%s %q: redirect without Location", reg, path)
		}
	case 200, 400, 404:
		var obj map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
			t.Fatalf("%s %q: %d with a body that is not JSON: %v", reg, path, rec.Code, err)
		}
		if rec.Code != 200 && obj["errorCode"] != float64(rec.Code) {
			t.Fatalf("%s %q: %d without a matching errorCode: %s", reg, path, rec.Code, rec.Body)
		}
	default:
		t.Fatalf("%s %q: unexpected status %d", reg, path, rec.Code)
	}
}

func mustPrefixes(tb testing.TB, ss ...string) []netipPrefix {
	tb.Helper()
	var out []netipPrefix
	for _, s := range ss {
		out = append(out, mustPrefix(s))
	}
	return out
}

// TestWorldFromRealDelegatedFiles loads a real registry's whole delegated
// file: every allocated or assigned record becomes a top-level block.
func TestWorldFromRealDelegatedFiles(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "delegated")
	f := parseReal(t, dir, "delegated-afrinic-extended-20260821")
	w, err := regsim.New(regsim.Config{Delegated: []*delegatedFile{f}})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range f.Records {
		if r.Type != "asn" && (r.Status == "allocated" || r.Status == "assigned") {
			want++
		}
	}
	top := 0
	w.Each(func(r regsim.NetRef) bool {
		if w.TopLevel(r) {
			top++
		}
		return true
	})
	if top+len(w.Warnings()) != want || top == 0 {
		t.Errorf("%d top-level blocks and %d warnings, want %d records", top, len(w.Warnings()), want)
	}
	for _, warn := range w.Warnings() {
		if !strings.Contains(warn, "overlaps") {
			t.Errorf("unexpected warning %q", warn)
		}
	}
}
