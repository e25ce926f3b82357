package regsim_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// cymruSession sends one query to the Cymru service and returns the whole
// answer.
func cymruSession(tb testing.TB, addr, query string) string {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, query); err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		tb.Fatalf("reading the answer: %v (read %q)", err, out)
	}
	return string(out)
}

// bulkQuery is a verbose bulk session asking about addrs.
func bulkQuery(addrs []netip.Addr) string {
	var b strings.Builder
	b.WriteString("begin\nverbose\n")
	for _, a := range addrs {
		b.WriteString(a.String() + "\n")
	}
	b.WriteString("end\n")
	return b.String()
}

// routeColumns are the columns of the verbose line the service should
// write for a and rt, trimmed.
func routeColumns(a netip.Addr, rt regsim.Route) []string {
	as, prefix, name := "NA", "NA", "NA"
	if rt.Routed() {
		as, prefix, name = fmt.Sprint(rt.AS), rt.Prefix.String(), rt.ASName
	}
	date := ""
	if !rt.Allocated.IsZero() {
		date = rt.Allocated.Format(time.DateOnly)
	}
	reg := string(rt.Registry)
	if reg == "" {
		reg = "other"
	}
	return []string{as, a.String(), prefix, rt.Country, reg, date, name}
}

func columns(line string) []string {
	v := strings.SplitN(line, "|", 7)
	for i := range v {
		v[i] = strings.TrimSpace(v[i])
	}
	return v
}

var bannerRE = regexp.MustCompile(`^Bulk mode; whois\.cymru\.com \[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\]$`)

// TestCymruBulkAnswersTheWorldsRoutes asks one bulk session about each
// network's origin address, a few unrouted ones and an address no
// registry delegated: the banner, then one line per address as the world
// routes it, and one session counted.
func TestCymruBulkAnswersTheWorldsRoutes(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv4: []netipPrefix{mustPrefix("62.0.0.0/14"), mustPrefix("13.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 20})
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	var addrs []netip.Addr
	w.Each(func(r regsim.NetRef) bool { addrs = append(addrs, w.OriginAddr(r)); return true })
	addrs = append(addrs, netip.MustParseAddr("10.1.2.3"))
	out := cymruSession(t, srv.CymruAddr(), bulkQuery(addrs))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(addrs)+1 || !bannerRE.MatchString(lines[0]) {
		t.Fatalf("%d lines, first %q: want the banner and %d answers", len(lines), lines[0], len(addrs))
	}
	unrouted := 0
	for i, a := range addrs {
		rt := w.RouteOf(a)
		if !rt.Routed() {
			unrouted++
		}
		if got, want := columns(lines[i+1]), routeColumns(a, rt); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want columns %q", a, lines[i+1], want)
		}
	}
	if unrouted < 2 {
		t.Errorf("%d unrouted addresses: the world should leave some space unrouted", unrouted)
	}
	if st := srv.CymruStats(); st.Sessions != 1 || st.Addresses != int64(len(addrs)) || st.MaxPerSession != int64(len(addrs)) {
		t.Errorf("stats %+v: want 1 session of %d addresses", st, len(addrs))
	}
}

// TestCymruRefusesSessionsOverTheCap: a session asking about more than
// MaxPerSession addresses gets the banner and an error line only.
func TestCymruRefusesSessionsOverTheCap(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv4: []netipPrefix{mustPrefix("13.0.0.0/16")}, IPv6: []netipPrefix{}})
	srv := simtest.Serve(t, w, regsim.ServerConfig{Cymru: regsim.CymruConfig{MaxPerSession: 5}})
	addrs := make([]netip.Addr, 6)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{13, 0, byte(i), 1})
	}
	out := cymruSession(t, srv.CymruAddr(), bulkQuery(addrs))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || !bannerRE.MatchString(lines[0]) || !strings.HasPrefix(lines[1], "Error: ") || !strings.Contains(lines[1], "5") {
		t.Errorf("answer %q: want the banner and an error naming the cap", out)
	}
	if out := cymruSession(t, srv.CymruAddr(), bulkQuery(addrs[:5])); strings.Count(out, "\n") != 6 {
		t.Errorf("5 addresses: %q, want the banner and 5 lines", out)
	}
	if st := srv.CymruStats(); st.Sessions != 2 || st.OverCap != 1 || st.Addresses != 5 {
		t.Errorf("stats %+v: want 2 sessions, 1 over the cap, 5 addresses answered", st)
	}
}

// TestCymruCutsChosenSessions: a session listed in CutSessions ends in the
// middle of a line; the next is whole.
func TestCymruCutsChosenSessions(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv4: []netipPrefix{mustPrefix("13.0.0.0/16")}, IPv6: []netipPrefix{}})
	srv := simtest.Serve(t, w, regsim.ServerConfig{Cymru: regsim.CymruConfig{CutSessions: []int{1}}})
	addrs := make([]netip.Addr, 10)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{13, 0, byte(i), 1})
	}
	cut := cymruSession(t, srv.CymruAddr(), bulkQuery(addrs))
	if strings.HasSuffix(cut, "\n") || strings.Count(cut, "\n") != 6 {
		t.Errorf("cut session %q: want the banner, 5 lines and half of the 6th", cut)
	}
	if whole := cymruSession(t, srv.CymruAddr(), bulkQuery(addrs)); strings.Count(whole, "\n") != 11 || !strings.HasSuffix(whole, "\n") {
		t.Errorf("second session %q: want it whole", whole)
	}
	if st := srv.CymruStats(); st.Cut != 1 || st.Sessions != 2 {
		t.Errorf("stats %+v: want 2 sessions, 1 cut", st)
	}
}

// TestCymruAnswersSingleQueriesAndBadLines: the whois client's one-line
// form gets the header and no banner; a bulk line that is no address gets
// the service's error naming its line.
func TestCymruAnswersSingleQueriesAndBadLines(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv4: []netipPrefix{mustPrefix("13.0.0.0/16")}, IPv6: []netipPrefix{}})
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	a := netip.MustParseAddr("13.0.0.1")
	out := cymruSession(t, srv.CymruAddr(), " -v 13.0.0.1\r\n")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "AS      | IP  ") ||
		strings.Join(columns(lines[1]), "|") != strings.Join(routeColumns(a, w.RouteOf(a)), "|") {
		t.Errorf("single query: %q", out)
	}
	out = cymruSession(t, srv.CymruAddr(), "begin\nnoheader\n13.0.0.1\nbanana\nend\n")
	lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || len(columns(lines[1])) != 3 || lines[2] != "Error: no ASN or IP match on line 4." {
		t.Errorf("bulk without verbose, with a bad line: %q", out)
	}
}

// TestOriginAgreesWithRDAP: every ARIN network's origin AS is the one its
// RDAP answer publishes; each network's origin address is one the network
// answers for itself, and for some nested networks the first address
// would have asked about another route.
func TestOriginAgreesWithRDAP(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{Seed: 5, IPv4: []netipPrefix{mustPrefix("23.0.0.0/11"), mustPrefix("62.0.0.0/11")},
		IPv6: []netipPrefix{mustPrefix("2001:400::/23"), mustPrefix("2001:600::/23")}})
	arin, decided := 0, 0
	w.Each(func(r regsim.NetRef) bool {
		o := w.OriginAddr(r)
		if w.Lookup(o) != r && o != w.Range(r).From {
			t.Errorf("%s: origin address %s is another network's, and not the first address", w.Range(r), o)
		}
		if w.Lookup(o) == r && o != w.Range(r).From && w.RouteOf(o) != w.RouteOf(w.Range(r).From) {
			decided++
		}
		if w.Registry(r) == ipatlas.ARIN && w.Lookup(o) == r { // not covered whole by nested networks
			arin++
			n := w.Network(r)
			if rt := w.Origin(r); len(n.OriginAS) != 1 || rt.AS != n.OriginAS[0] || !rt.Prefix.Contains(o) {
				t.Errorf("%s: Cymru says AS%d %s, RDAP says %v", n.Range, rt.AS, rt.Prefix, n.OriginAS)
			}
		}
		return true
	})
	if arin == 0 || decided == 0 {
		t.Errorf("%d ARIN networks, %d whose first address has another route: want some of each", arin, decided)
	}
}
