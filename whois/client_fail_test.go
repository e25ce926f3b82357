package whois_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/rdap"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/whois"
)

// fakeServer answers every connection on 127.0.0.1 with answer(query)
// and closes it; it records the queries.
type fakeServer struct {
	addr    string
	mu      sync.Mutex
	queries []string
}

func serveFake(t *testing.T, answer func(query string) string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	fs := &fakeServer{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go fs.handle(c, answer)
		}
	}()
	return fs
}

func (fs *fakeServer) handle(c net.Conn, answer func(string) string) {
	defer c.Close()
	buf := make([]byte, 512)
	n, _ := c.Read(buf)
	q := strings.TrimSpace(string(buf[:n]))
	fs.mu.Lock()
	fs.queries = append(fs.queries, q)
	fs.mu.Unlock()
	io.WriteString(c, answer(q))
}

// clientOf is a client with every registry at the fake server.
func clientOf(t *testing.T, addr string, c whois.ClientConfig) *whois.Client {
	t.Helper()
	c.Servers = map[ipatlas.Registry]string{}
	for _, r := range ipatlas.Registries() {
		c.Servers[r] = addr
	}
	client, err := whois.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

const (
	ripeTrailer = "\n% This query was served by the RIPE Database Query Service version 1.114 (SHETLAND)\n\n\n"
	arinTerms   = "\n#\n# ARIN WHOIS data and services are subject to the Terms of Use\n#\n"
	ripeNetwork = "inetnum:        192.0.2.0 - 192.0.2.255\nnetname:        EXAMPLE\ncountry:        NL\nsource:         RIPE\n"
)

// TestClientClassifiesAnswers checks that every refusal, miss and broken
// answer becomes the kind of error the crawler acts on.
func TestClientClassifiesAnswers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		reg    ipatlas.Registry
		answer string
		kind   rdap.Kind
	}{
		{"RIPEAccessDenied", ipatlas.RIPENCC, "%ERROR:201: access denied for 127.0.0.1\n%\n% Queries from your IP address have passed the daily limit of controlled objects.\n" + ripeTrailer, rdap.KindRateLimited},
		{"ARINRateLimit", ipatlas.ARIN, arinTerms + "\nQuery rate limit exceeded. Please wait.\n" + arinTerms, rdap.KindRateLimited},
		{"LACNICRateLimitNotice", ipatlas.LACNIC, "\r\n% Joint Whois - whois.lacnic.net\r\n% Rate Limit Notice\r\n% Query rate limit exceeded\r\n", rdap.KindRateLimited},
		{"RIPENoEntries", ipatlas.RIPENCC, "%ERROR:101: no entries found\n%\n% No entries found in source RIPE.\n" + ripeTrailer, rdap.KindNotFound},
		{"ARINNoMatch", ipatlas.ARIN, arinTerms + "\nNo match found for n + 192.0.2.1.\n" + arinTerms, rdap.KindNotFound},
		{"LACNICNoMatch", ipatlas.LACNIC, "% Joint Whois - whois.lacnic.net\r\n% No match found for 192.0.2.1\r\n", rdap.KindNotFound},
		{"InternalError", ipatlas.APNIC, "%ERROR:100: internal software error\n", rdap.KindServer},
		{"BadOption", ipatlas.AFRINIC, "%ERROR:111: invalid option supplied\n\n\n", rdap.KindBadRequest},
		{"CutBeforeTrailer", ipatlas.RIPENCC, "% Information related to '192.0.2.0 - 192.0.2.255'\n\n" + ripeNetwork, rdap.KindTruncated},
		{"CutMidLine", ipatlas.AFRINIC, "inetnum:        192.0.2.0 - 192.0.2.255\nnetname:   EXA", rdap.KindTruncated},
		{"Empty", ipatlas.ARIN, "", rdap.KindTransport},
		{"NotWhois", ipatlas.RIPENCC, ripeNetwork + "<html>oops</html>\n" + ripeTrailer, rdap.KindMalformed},
		{"OtherNetwork", ipatlas.RIPENCC, strings.ReplaceAll(ripeNetwork, "192.0.2.", "198.51.100.") + ripeTrailer, rdap.KindMalformed},
		{"TooLarge", ipatlas.RIPENCC, ripeNetwork + strings.Repeat("remarks:        padding\n", 400) + ripeTrailer, rdap.KindMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs := serveFake(t, func(string) string { return c.answer })
			client := clientOf(t, fs.addr, whois.ClientConfig{MaxAnswer: 4096})
			_, err := client.QueryIP(context.Background(), c.reg, netip.MustParseAddr("192.0.2.1"))
			var qe *rdap.QueryError
			if !errors.As(err, &qe) || qe.Kind != c.kind {
				t.Fatalf("error %v, want a %s", err, c.kind)
			}
			if want := "whois://" + fs.addr + "/" + whois.Query(c.reg, netip.MustParseAddr("192.0.2.1")); qe.URL != want ||
				!strings.HasPrefix(err.Error(), "whois "+want+": "+c.kind.String()) {
				t.Errorf("error %q, URL %q; want it to name %s", err, qe.URL, want)
			}
		})
	}
}

// TestClientSendsEachRegistrysQuery checks the query lines on the wire.
func TestClientSendsEachRegistrysQuery(t *testing.T) {
	t.Parallel()
	fs := serveFake(t, func(string) string { return "%ERROR:101: no entries found\n" })
	client := clientOf(t, fs.addr, whois.ClientConfig{})
	a := netip.MustParseAddr("::ffff:192.0.2.1") // asked as the IPv4 address it maps
	for _, r := range ipatlas.Registries() {
		client.QueryIP(context.Background(), r, a) //nolint:errcheck // the queries are what is checked
	}
	want := []string{"-r -B 192.0.2.1", "-r -B 192.0.2.1", "n + 192.0.2.1", "192.0.2.1", "-r -B 192.0.2.1"}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if strings.Join(fs.queries, "|") != strings.Join(want, "|") {
		t.Errorf("queries %q, want %q", fs.queries, want)
	}
}

// TestClientGivesUpOnASilentServer bounds a server that accepts and never
// answers by the timeout, and a cancelled query by its context.
func TestClientGivesUpOnASilentServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	client := clientOf(t, ln.Addr().String(), whois.ClientConfig{Timeout: 100 * time.Millisecond})
	_, err = client.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr("192.0.2.1"))
	var qe *rdap.QueryError
	if !errors.As(err, &qe) || qe.Kind != rdap.KindTransport {
		t.Errorf("silent server: %v, want a transport error", err)
	}
	slow := clientOf(t, ln.Addr().String(), whois.ClientConfig{Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := slow.QueryIP(ctx, ipatlas.ARIN, netip.MustParseAddr("192.0.2.1")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled query: %v, want context.Canceled", err)
	}
	closed := clientOf(t, "127.0.0.1:1", whois.ClientConfig{})
	if _, err := closed.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr("192.0.2.1")); !errors.As(err, &qe) || qe.Kind != rdap.KindTransport {
		t.Errorf("nothing listening: %v, want a transport error", err)
	}
}

// TestClientStopsReferralLoops sends the client round in circles: ARIN
// refers to RIPE NCC, whose placeholder sends it back to ARIN (IANA's
// registry for 13/8).
func TestClientStopsReferralLoops(t *testing.T) {
	t.Parallel()
	fs := serveFake(t, func(q string) string {
		if strings.HasPrefix(q, "n + ") {
			return arinTerms + "NetRange: 13.0.0.0 - 13.255.255.255\nReferralServer: whois://whois.ripe.net\n" + arinTerms
		}
		return "inetnum: 13.0.0.0 - 13.255.255.255\nnetname: NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK\n" + ripeTrailer
	})
	client := clientOf(t, fs.addr, whois.ClientConfig{MaxReferrals: 3})
	ans, err := client.QueryIP(context.Background(), ipatlas.ARIN, netip.MustParseAddr("13.1.2.3"))
	var qe *rdap.QueryError
	if !errors.As(err, &qe) || qe.Kind != rdap.KindRedirect || ans.Redirects != 3 {
		t.Errorf("%d referrals, error %v; want a refused redirect after 3", ans.Redirects, err)
	}
}

func TestNewClientRefusesBadServers(t *testing.T) {
	t.Parallel()
	for _, servers := range []map[ipatlas.Registry]string{
		{ipatlas.ARIN: "whois.arin.net"},
		{"moon": "127.0.0.1:43"},
	} {
		if _, err := whois.NewClient(whois.ClientConfig{Servers: servers}); err == nil {
			t.Errorf("NewClient(%v) accepted", servers)
		}
	}
	c, err := whois.NewClient(whois.ClientConfig{Servers: map[ipatlas.Registry]string{ipatlas.LACNIC: "127.0.0.1:4343"}})
	if err != nil || c.Server(ipatlas.LACNIC) != "127.0.0.1:4343" || c.Server(ipatlas.RIPENCC) != "whois.ripe.net:43" {
		t.Errorf("servers: %v %q %q", err, c.Server(ipatlas.LACNIC), c.Server(ipatlas.RIPENCC))
	}
}

// TestClientFollowsReferralsBetweenRegistries asks registries about space
// they do not hold: ARIN refers, LACNIC names the holder's server, the
// RPSL servers answer with a placeholder. Each ends at the holder, with
// the holder's network.
func TestClientFollowsReferralsBetweenRegistries(t *testing.T) {
	t.Parallel()
	w := smallWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	client := newClient(t, srv, whois.ClientConfig{})
	cases := []struct {
		ask  ipatlas.Registry
		addr string
	}{
		{ipatlas.ARIN, firstOf(t, w, ipatlas.RIPENCC, "62.0.0.0/16")},
		{ipatlas.LACNIC, firstOf(t, w, ipatlas.ARIN, "13.64.0.0/16")},
		{ipatlas.RIPENCC, firstOf(t, w, ipatlas.ARIN, "13.64.0.0/16")},
		{ipatlas.APNIC, firstOf(t, w, ipatlas.LACNIC, "2001:1200::/23")},
		{ipatlas.AFRINIC, firstOf(t, w, ipatlas.APNIC, "1.0.0.0/16")},
	}
	for _, c := range cases {
		a := netip.MustParseAddr(c.addr)
		ans, err := client.QueryIP(context.Background(), c.ask, a)
		want := w.WhoisNetwork(w.Lookup(a))
		if err != nil || ans.Redirects != 1 || ans.Network.Handle != want.Handle || ans.Network.Registry != want.Registry {
			t.Errorf("%s about %s: %s %s after %d referrals, %v; want %s %s", c.ask, a, ans.Network.Registry, ans.Network.Handle,
				ans.Redirects, err, want.Registry, want.Handle)
		}
	}
	_, err := client.QueryIP(context.Background(), ipatlas.RIPENCC, netip.MustParseAddr("62.255.255.1"))
	var qe *rdap.QueryError
	if !errors.As(err, &qe) || qe.Kind != rdap.KindNotFound {
		t.Errorf("unregistered space: %v, want not found", err)
	}
}

// firstOf is the first address of a network reg holds inside block.
func firstOf(t *testing.T, w *regsim.World, reg ipatlas.Registry, block string) string {
	t.Helper()
	p := netip.MustParsePrefix(block)
	var out string
	w.Each(func(r regsim.NetRef) bool {
		if rg := w.Range(r); w.Registry(r) == reg && p.Contains(rg.From) {
			out = rg.From.String()
			return false
		}
		return true
	})
	if out == "" {
		t.Fatalf("%s holds nothing in %s", reg, block)
	}
	return out
}

// TestClientMeetsSimulatedFaults checks each fault the simulator injects
// arrives as the kind of error the crawler retries.
func TestClientMeetsSimulatedFaults(t *testing.T) {
	t.Parallel()
	w := smallWorld(t)
	cases := []struct {
		name   string
		faults regsim.Faults
		kinds  map[ipatlas.Registry]rdap.Kind
	}{
		{"Truncate", regsim.Faults{Truncate: 1}, nil},
		{"Reset", regsim.Faults{Reset: 1}, nil},
		{"Malformed", regsim.Faults{Malformed: 1}, nil},
		{"ServerError", regsim.Faults{ServerError: 1}, map[ipatlas.Registry]rdap.Kind{
			ipatlas.RIPENCC: rdap.KindServer, ipatlas.APNIC: rdap.KindServer, ipatlas.AFRINIC: rdap.KindServer,
			ipatlas.ARIN: rdap.KindTransport, ipatlas.LACNIC: rdap.KindTransport}},
	}
	want := map[string]rdap.Kind{"Truncate": rdap.KindTruncated, "Reset": rdap.KindTransport, "Malformed": rdap.KindMalformed}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			faults := map[ipatlas.Registry]regsim.Faults{}
			for _, r := range ipatlas.Registries() {
				faults[r] = c.faults
			}
			srv := simtest.Serve(t, w, regsim.ServerConfig{Faults: faults})
			client := newClient(t, srv, whois.ClientConfig{})
			for _, step := range w.Truth().Steps[:40] {
				reg := w.Registry(step.Net)
				kind := want[c.name]
				if c.kinds != nil {
					kind = c.kinds[reg]
				}
				_, err := client.QueryIP(context.Background(), reg, step.Query)
				var qe *rdap.QueryError
				if !errors.As(err, &qe) || qe.Kind != kind || !qe.Kind.Retryable() {
					t.Fatalf("%s %s: %v, want a %s", reg, step.Query, err, kind)
				}
			}
			if st := srv.WhoisStats(); st.Registries[w.Registry(w.Truth().Steps[0].Net)].Faults == 0 {
				t.Errorf("no faults counted: %+v", st.Registries)
			}
		})
	}
}
