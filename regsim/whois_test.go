package regsim_test

import (
	"bufio"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
)

// ask sends one WHOIS query from src ("" for the default address) and
// reads the answer to the end.
func ask(tb testing.TB, srv *regsim.Server, reg ipatlas.Registry, src, query string) string {
	tb.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp", srv.WhoisAddr(reg))
	if err != nil {
		tb.Fatalf("dial %s whois: %v", reg, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, query+"\r\n"); err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(c)
	if err != nil {
		tb.Fatalf("read %s whois answer: %v", reg, err)
	}
	return string(body)
}

// attrNames are the attribute names an answer uses, lower-cased.
func attrNames(body string) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		name, _, ok := strings.Cut(line, ":")
		if ok && name != "" && !strings.ContainsAny(name, " %#\t+") {
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

// whoisExtras are attributes the simulator writes that a registry's real
// samples lack, each for a reason: the samples date from 2015, before
// RIPE NCC, APNIC and AFRINIC put abuse-c and org on every network and
// APNIC wrote last-modified; they show no organisation object (RIPE NCC,
// APNIC) and no abuse role; ARIN's show no Comment lines and no OrgNOC
// contact (but RNOC ones).
var whoisExtras = map[ipatlas.Registry][]string{
	ipatlas.RIPENCC: {"org", "abuse-c", "organisation", "org-name", "org-type", "mnt-ref", "e-mail"},
	ipatlas.APNIC:   {"org", "last-modified", "organisation", "org-name", "org-type", "mnt-ref"},
	ipatlas.AFRINIC: {"abuse-c", "e-mail", "abuse-mailbox"},
	ipatlas.ARIN:    {"comment", "orgnochandle", "orgnocname", "orgnocphone", "orgnocemail", "orgnocref"},
}

// TestWhoisAnswersUseTheRealAttributes checks that every attribute the
// simulator writes in a registry's answers (contacts and details asked
// for) appears in that registry's real answers, bar the listed extras.
func TestWhoisAnswersUseTheRealAttributes(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "whois")
	w := regsim.MustNew(regsim.Config{IPv4: mustPrefixes(t, "13.64.0.0/14", "62.0.0.0/14", "1.0.0.0/14", "200.0.0.0/14", "41.0.0.0/14"),
		IPv6: mustPrefixes(t, "2001:400::/23"), IPv6PerBlock: 8})
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	query := map[ipatlas.Registry]string{ipatlas.ARIN: "n + ", ipatlas.LACNIC: "", ipatlas.RIPENCC: "-B ", ipatlas.APNIC: "-B ", ipatlas.AFRINIC: "-B "}
	for _, reg := range ipatlas.Registries() {
		real := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(dir, registryDirs[reg], "*.txt"))
		for _, f := range files {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for n := range attrNames(string(body)) {
				real[n] = true
			}
		}
		for _, x := range whoisExtras[reg] {
			real[x] = true
		}
		nested := pick(t, w, func(r regsim.NetRef) bool {
			return w.Registry(r) == reg && !w.TopLevel(r) && w.Range(r).Is4()
		})
		var unknown []string
		for n := range attrNames(ask(t, srv, reg, "", query[reg]+w.Range(nested).From.String())) {
			if !real[n] {
				unknown = append(unknown, n)
			}
		}
		sort.Strings(unknown)
		if len(unknown) > 0 {
			t.Errorf("%s: the simulator writes %q, which the real answers never do", reg, unknown)
		}
	}
}

// TestWhoisLimitsEachClientAddress runs every registry at one query per
// client address: the second query from an address gets the registry's
// real refusal, another address is still answered, and the counters say
// so per registry and per client.
func TestWhoisLimitsEachClientAddress(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{IPv4: mustPrefixes(t, "13.64.0.0/16", "62.0.0.0/16", "1.0.0.0/16", "200.0.0.0/16", "41.0.0.0/16"),
		IPv6: []netip.Prefix{}})
	limits := map[ipatlas.Registry]regsim.Limit{}
	for _, r := range ipatlas.Registries() {
		limits[r] = regsim.Limit{Rate: 1.0 / 3600, Burst: 1}
	}
	lacnic := limits[ipatlas.LACNIC]
	lacnic.BlockFor = time.Hour
	limits[ipatlas.LACNIC] = lacnic
	srv := simtest.Serve(t, w, regsim.ServerConfig{Limits: limits})
	refusal := map[ipatlas.Registry]string{ipatlas.ARIN: "Query rate limit exceeded", ipatlas.LACNIC: "% Rate Limit Notice",
		ipatlas.RIPENCC: "%ERROR:201: access denied for 127.0.0.1", ipatlas.APNIC: "%ERROR:201: access denied for 127.0.0.1",
		ipatlas.AFRINIC: "%ERROR:201: access denied for 127.0.0.1"}
	for _, reg := range ipatlas.Registries() {
		a := w.Range(pick(t, w, held(w, reg, true, true))).From.String()
		q := map[ipatlas.Registry]string{ipatlas.ARIN: "n + " + a, ipatlas.LACNIC: a}[reg]
		if q == "" {
			q = "-r -B " + a
		}
		if first := ask(t, srv, reg, "", q); strings.Contains(first, refusal[reg]) {
			t.Fatalf("%s: first query refused:\n%s", reg, first)
		}
		for range 2 { // LACNIC's block refuses the third too
			if again := ask(t, srv, reg, "", q); !strings.Contains(again, refusal[reg]) {
				t.Errorf("%s: over the limit, answered without %q:\n%s", reg, refusal[reg], again)
			}
		}
		if other := ask(t, srv, reg, "127.0.0.2", q); strings.Contains(other, "rate limit") || strings.Contains(other, "%ERROR:201") {
			t.Errorf("%s: another client address refused:\n%s", reg, other)
		}
		st := srv.WhoisStats()
		c := st.Clients[reg]["127.0.0.1"]
		limited := c.RateLimited + c.WhileBlocked
		if st.Registries[reg].Requests != 4 || c.Requests != 3 || limited != 2 || c.ByStatus[429] != 2 || c.ByStatus[200] != 1 {
			t.Errorf("%s: counters %+v, client %+v", reg, st.Registries[reg], c)
		}
	}
	if n := srv.Stats().Registries[ipatlas.ARIN].Requests; n != 0 {
		t.Errorf("WHOIS queries counted as %d RDAP requests", n)
	}
}

// TestWhoisRefusesWhatServersRefuse checks the answers to queries a server
// does not take.
func TestWhoisRefusesWhatServersRefuse(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{IPv4: mustPrefixes(t, "62.0.0.0/16"), IPv6: []netip.Prefix{}})
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	cases := []struct {
		reg         ipatlas.Registry
		query, want string
	}{
		{ipatlas.RIPENCC, "-q version 62.0.0.1", "%ERROR:111: invalid option supplied: -q"},
		{ipatlas.RIPENCC, "-r -B example.net", "%ERROR:101: no entries found"},
		{ipatlas.ARIN, "n + not-an-address", "No match found for n + not-an-address."},
		{ipatlas.LACNIC, "-r 62.0.0.1", "% No match found for -r 62.0.0.1"},
	}
	for _, c := range cases {
		if got := ask(t, srv, c.reg, "", c.query); !strings.Contains(got, c.want) {
			t.Errorf("%s %q: answer lacks %q:\n%s", c.reg, c.query, c.want, got)
		}
	}
	st := srv.WhoisStats().Registries[ipatlas.RIPENCC]
	if st.ByStatus[400] != 1 || st.ByStatus[404] != 1 {
		t.Errorf("RIPE NCC counters %+v: want a refused query and a miss", st)
	}
}

// TestWhoisCloseCutsSlowAnswers closes the server while an answer waits
// on a slow fault: Close returns, and the client sees the connection end.
func TestWhoisCloseCutsSlowAnswers(t *testing.T) {
	t.Parallel()
	w := regsim.MustNew(regsim.Config{IPv4: mustPrefixes(t, "62.0.0.0/16"), IPv6: []netip.Prefix{}})
	srv, err := regsim.NewServer(w, regsim.ServerConfig{Faults: map[ipatlas.Registry]regsim.Faults{
		ipatlas.RIPENCC: {Slow: 1, SlowDelay: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.WhoisAddr(ipatlas.RIPENCC))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "-r -B 62.0.0.1\r\n")
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(c); done <- b }()
	// Give the server a moment to read the query and start its slow
	// answer; if it has not, Close cuts an idle connection instead, which
	// must not hang either.
	time.Sleep(50 * time.Millisecond)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if b := <-done; len(b) != 0 {
		t.Errorf("an answer arrived after Close: %q", b)
	}
}
