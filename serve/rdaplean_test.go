package serve_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas/serve"
)

// rdapRequests: RDAP queries the lean path answers, then ones it hands to
// net/http.
var (
	leanRDAP = []string{
		"GET /rdap/ip/13.64.0.1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/13.65.0.1?datetime=2024-01-01 HTTP/1.1\r\nHost: x:8080\r\nAccept: application/rdap+json\r\n\r\n",
		"GET /rdap/ip/62.0.1.1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/62.0.1.1?datetime=2024-01-02 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/13.64.0.1?datetime=2023-01-01 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/1.2.3 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/1.2.3.4?datetime=all HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/1.2.3.4?datetime=never HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/2001:db8::1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/::ffff:13.64.0.1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/192.0.2.9 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
		"GET /rdap/ip/13.64.0.1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	}
	handedOffRDAP = []string{
		"GET /rdap/ip/13.64.0.0/24 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/13.64.0.1 HTTP/1.1\r\nHost: a/b\r\n\r\n",
		"GET /rdap/ip/13.64.0.1 HTTP/1.1\r\n\r\n",
		"HEAD /rdap/ip/13.64.0.1 HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/entity/MSFT HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/help HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /rdap/ip/13.64.0.1?datetime=2024-01-08T00%3A00%3A00Z HTTP/1.1\r\nHost: x\r\n\r\n",
	}
)

// TestRDAPLeanPathAnswersAsTheHandler: the lean path takes plain GET
// /rdap/ip/{addr} queries and answers each with the status, type and body
// net/http's handler gives; what it does not take it hands over, and it
// reads on where the request it handed over ended.
func TestRDAPLeanPathAnswersAsTheHandler(t *testing.T) {
	live := serve.NewLive(rdapIndex(t))
	t.Cleanup(func() { live.Close() })
	ref := httptest.NewServer(serve.Handler(live, serve.Options{}))
	defer ref.Close()
	refAddr := strings.TrimPrefix(ref.URL, "http://")
	addr := startServe(t, live, serve.Options{}, 5*time.Second).addr
	lean := serve.LeanAnswerer(live, serve.Options{})
	for i, raw := range append(append([]string{}, leanRDAP...), handedOffRDAP...) {
		if answered := len(lean([]byte(raw), nil)) > 0; answered != (i < len(leanRDAP)) {
			t.Errorf("%q: lean path answered it: %v", raw, answered)
		}
		method, _, _ := strings.Cut(raw, " ")
		want := roundTrips(t, refAddr, raw, 1, len(raw), method)[0]
		if want.close {
			if got := roundTrips(t, addr, raw, 1, len(raw), method)[0]; got != want {
				t.Errorf("%q:\n got %+v\nwant %+v", raw, got, want)
			}
			continue
		}
		got := roundTrips(t, addr, raw+leanRDAP[0], 2, 7, method, "GET")
		if got[0] != want || got[1].status != 200 || !strings.Contains(got[1].body, `"NET-13-64-0-0-2"`) {
			t.Errorf("%q, then a lean query:\n got %+v\nwant %+v", raw, got, want)
		}
	}
}

// TestRDAPCounted: RDAP queries count under route rdap, on the lean path
// and in net/http alike; reload requests under admin.
func TestRDAPCounted(t *testing.T) {
	live := serve.NewLive(rdapIndex(t))
	t.Cleanup(func() { live.Close() })
	c := &serve.Counters{}
	addr := startServe(t, live, serve.Options{Counters: c}, 5*time.Second).addr
	roundTrips(t, addr, strings.Join(leanRDAP[:6], ""), 6, 1<<10)
	roundTrips(t, addr, handedOffRDAP[0]+handedOffRDAP[4], 2, 1<<10)
	roundTrips(t, addr, "POST /admin/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 1, 1<<10, "POST")
	want := map[string]int64{"rdap OK": 5, "rdap Not Found": 2, "rdap Bad Request": 1, "admin Not Found": 1}
	got := counts(c.Snapshot())
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
