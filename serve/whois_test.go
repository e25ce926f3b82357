package serve_test

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/serve"
	"github.com/ipatlas/ipatlas/whois"
)

func whoisDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func whoisRange(s string) ipatlas.Range {
	rg, err := ipatlas.ParseRange(s)
	if err != nil {
		panic(err)
	}
	return rg
}

// The networks the WHOIS tests look up: a RIPE NCC allocation with an
// assignment inside it that is renamed in the second snapshot, an ARIN
// network whose abuse contact sits on its organisation, an APNIC IPv6
// network, and a range loaded from a Whip file.
var (
	whoisRIPEOrg = ipatlas.Entity{Handle: "ORG-EX1-RIPE", Roles: []string{ipatlas.RoleRegistrant},
		Contact: ipatlas.Contact{Kind: "org", Name: "Example Networks B.V.", Address: "Stationsplein 11\nAmsterdam\nNETHERLANDS"}}
	whoisRIPEAbuse = ipatlas.Entity{Handle: "AR1-RIPE", Roles: []string{ipatlas.RoleAbuse},
		Contact: ipatlas.Contact{Kind: "group", Name: "Abuse Desk", Email: []string{"abuse@example.nl"}}}
	whoisRIPETech = ipatlas.Entity{Handle: "OPS1-RIPE", Roles: []string{ipatlas.RoleTechnical, ipatlas.RoleAdministrative},
		Contact: ipatlas.Contact{Kind: "group", Name: "Operations", Phone: []string{"+31 20 535 4444"}}}
	whoisAlloc = ipatlas.Network{Registry: ipatlas.RIPENCC, Range: whoisRange("193.0.0.0 - 193.0.7.255"),
		Handle: "193.0.0.0 - 193.0.7.255", Name: "EX-ALLOC", Type: "ALLOCATED PA", Country: "nl",
		Events: []ipatlas.Event{{Action: ipatlas.EventRegistration, Date: whoisDay("2003-03-17")},
			{Action: ipatlas.EventLastChanged, Date: whoisDay("2023-05-02")}},
		Entities: []ipatlas.Entity{whoisRIPEOrg, whoisRIPEAbuse, whoisRIPETech},
		Remarks:  []ipatlas.Remark{{Description: []string{"Example allocation"}}}}
	whoisARIN = ipatlas.Network{Registry: ipatlas.ARIN, Range: whoisRange("13.64.0.0 - 13.95.255.255"),
		Handle: "NET-13-64-0-0-1", Name: "MSFT", Type: "Direct Allocation", ParentHandle: "NET-13-0-0-0-0",
		OriginAS: []uint32{8075},
		Entities: []ipatlas.Entity{{Handle: "MSFT", Roles: []string{ipatlas.RoleRegistrant},
			Contact: ipatlas.Contact{Kind: "org", Name: "Microsoft Corporation"},
			Entities: []ipatlas.Entity{{Handle: "ABUSE231-ARIN", Roles: []string{ipatlas.RoleAbuse},
				Contact: ipatlas.Contact{Kind: "group", Name: "Abuse", Email: []string{"abuse@microsoft.com"}}}}}}}
	whoisAPNIC = ipatlas.Network{Registry: ipatlas.APNIC, Range: whoisRange("2001:db8::/32"), Handle: "2001:db8::/32",
		Name: "EXAMPLE-V6", Type: "ALLOCATED PORTABLE", Country: "AU"}
	whoisLoaded = historytest.Record("198.51.100.0", "198.51.100.255",
		`{"registry":"ripencc","country":"NL","asn":64500,"org":"Apex Fiber","status":"ASSIGNED PA","cidr":"198.51.100.0/24"}`)
)

func whoisAssignment(name string) ipatlas.Network {
	return ipatlas.Network{Registry: ipatlas.RIPENCC, Range: whoisRange("193.0.0.0/24"), Handle: "193.0.0.0 - 193.0.0.255",
		Name: name, Type: "ASSIGNED PA", Country: "NL", Entities: []ipatlas.Entity{whoisRIPEOrg, whoisRIPEAbuse}}
}

func whoisRecord(t testing.TB, n ipatlas.Network) ipatlas.Record {
	t.Helper()
	r, err := ipatlas.NetworkRecord(n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// whoisIndex is the fixture's history: snapshots of 2024-01-01 and, when
// both, 2024-01-08.
func whoisIndex(t testing.TB, both bool) *index.Index {
	t.Helper()
	state := func(name string) []ipatlas.Record {
		return []ipatlas.Record{whoisRecord(t, whoisARIN), whoisRecord(t, whoisAlloc), whoisRecord(t, whoisAssignment(name)),
			whoisLoaded, whoisRecord(t, whoisAPNIC)}
	}
	pending := []history.Pending{{Snapshot: ipatlas.Snapshot{At: whoisDay("2024-01-01"), Datetime: "2024-01-01"}, Records: state("EX-OLD")}}
	if both {
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: whoisDay("2024-01-08"), Datetime: "2024-01-08"}, Records: state("EX-LAN")})
	}
	return historytest.Index(t, historytest.Timeline(t, pending))
}

// startWhois runs ServeWhois on a loopback port until the test ends; the
// test fails if it returns an error.
func startWhois(t *testing.T, live *serve.Live, c serve.WhoisConfig) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve.ServeWhois(ctx, ln, live, c) }()
	var stopped bool
	var result error
	stop = func() error {
		if !stopped {
			cancel()
			result, stopped = <-done, true
		}
		return result
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("ServeWhois: %v", err)
		}
	})
	return ln.Addr().String(), stop
}

func askWhois(t *testing.T, addr, query string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, query); err != nil {
		t.Fatal(err)
	}
	return readWhois(t, c)
}

// readWhois reads until the server closes; a reset instead of a close
// fails the test, as the answer may have been lost to it.
func readWhois(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading the answer: %v (after %q)", err, b)
	}
	return string(b)
}

func whoisFixture(t *testing.T) string {
	live := serve.NewLive(whoisIndex(t, true))
	t.Cleanup(func() { live.Close() }) // after ServeWhois stops: cleanups run last first
	addr, _ := startWhois(t, live, serve.WhoisConfig{})
	return addr
}

// TestWhoisRoundTripsThroughTheRPSLParser: the answer for an address is
// its most specific network in RPSL, which our own WHOIS parser reads
// back into the network that was stored.
func TestWhoisRoundTripsThroughTheRPSLParser(t *testing.T) {
	t.Parallel()
	addr := whoisFixture(t)
	for _, c := range []struct {
		query string
		want  ipatlas.Network
		mail  string
	}{
		{"193.0.0.5", whoisAssignment("EX-LAN"), "abuse@example.nl"},
		{"193.0.4.1", whoisAlloc, "abuse@example.nl"},
		{"n + 13.64.1.1", whoisARIN, "abuse@microsoft.com"},
		{"2001:db8:1::1", whoisAPNIC, ""},
	} {
		answer := askWhois(t, addr, c.query+"\r\n")
		q, _ := netip.ParseAddr(c.query[strings.LastIndexByte(c.query, ' ')+1:])
		got, err := whois.Parse(ipatlas.RIPENCC, c.query, []byte(answer), q)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.query, err, answer)
		}
		w := c.want
		if got.Range != w.Range || got.Name != w.Name || got.Type != w.Type || got.Country != strings.ToUpper(w.Country) ||
			!got.EventDate(ipatlas.EventRegistration).Equal(w.EventDate(ipatlas.EventRegistration)) ||
			!got.EventDate(ipatlas.EventLastChanged).Equal(w.EventDate(ipatlas.EventLastChanged)) {
			t.Errorf("%s: parsed %+v\nwant %+v\n%s", c.query, got, w, answer)
		}
		if w.Registry != ipatlas.ARIN && got.Handle != w.Handle {
			t.Errorf("%s: handle %q, want %q", c.query, got.Handle, w.Handle)
		}
		if mail := whoisAbuseOf(got); mail != c.mail {
			t.Errorf("%s: abuse mailbox %q, want %q\n%s", c.query, mail, c.mail, answer)
		}
		source := map[ipatlas.Registry]string{ipatlas.RIPENCC: "RIPE", ipatlas.ARIN: "ARIN", ipatlas.APNIC: "APNIC"}[w.Registry]
		if !strings.Contains(answer, "source:         "+source+"\n") {
			t.Errorf("%s: no source naming %s\n%s", c.query, w.Registry, answer)
		}
	}
}

func whoisAbuseOf(n ipatlas.Network) string {
	for _, e := range n.Entities {
		if e.HasRole(ipatlas.RoleAbuse) && len(e.Contact.Email) > 0 {
			return e.Contact.Email[0]
		}
	}
	return ""
}

// TestWhoisAnswerText: what the answers say, query by query.
func TestWhoisAnswerText(t *testing.T) {
	t.Parallel()
	addr := whoisFixture(t)
	for _, c := range []struct {
		query        string
		want, reject []string
	}{
		{"193.0.0.5", []string{"% Snapshot 2024-01-08, the latest of 2.", "% Data from RIPE NCC, unchanged since snapshot 2024-01-08.",
			"inetnum:        193.0.0.0 - 193.0.0.255", "netname:        EX-LAN", "org:            ORG-EX1-RIPE",
			"org-name:       Example Networks B.V.", "abuse-c:        AR1-RIPE", "organisation:   ORG-EX1-RIPE",
			"role:           Abuse Desk", "abuse-mailbox:  abuse@example.nl", "nic-hdl:        AR1-RIPE",
			"% 1 larger networks hold it too: add -L to see them.", "% This query was served by the ipatlas WHOIS server"},
			[]string{"EX-ALLOC"}},
		{"-L 193.0.0.5", []string{"netname:        EX-ALLOC\ndescr:          Example allocation", "admin-c:        OPS1-RIPE"}, nil},
		{"n < 193.0.0.5", []string{"EX-ALLOC", "EX-LAN"}, nil},
		{"-l 193.0.0.0/24", []string{"netname:        EX-ALLOC"}, []string{"EX-LAN"}},
		{"-x 193.0.0.0/24", []string{"netname:        EX-LAN"}, []string{"EX-ALLOC"}},
		{"-x 193.0.0.0/23", []string{"% No entries found for '193.0.0.0/23'."}, []string{"inetnum:"}},
		{"193.0.0.0 - 193.0.1.255", []string{"netname:        EX-ALLOC"}, []string{"EX-LAN"}},
		{"-r -B 193.0.0.5", []string{"netname:        EX-LAN", "% Abuse contact for '193.0.0.0 - 193.0.0.255' is 'abuse@example.nl'"},
			[]string{"organisation:", "role:"}},
		{"-b 193.0.0.5", []string{"inetnum:        193.0.0.0 - 193.0.0.255\nabuse-mailbox:  abuse@example.nl\n"}, []string{"netname:"}},
		{"-K 193.0.0.5", []string{"inetnum:        193.0.0.0 - 193.0.0.255\n\n"}, []string{"netname:", "organisation:"}},
		{"-T inet6num 193.0.0.5", []string{"% No entries found"}, []string{"inetnum:"}},
		{"-T organisation 193.0.0.5", []string{"organisation:   ORG-EX1-RIPE"}, []string{"inetnum:"}},
		{"-s ARIN 193.0.0.5", []string{"% No entries found"}, []string{"inetnum:"}},
		{"-s ripe,arin 193.0.0.5", []string{"EX-LAN"}, nil},
		{"193.0.0.5 @2024-01-05", []string{"% Snapshot 2024-01-01, the one in force at 2024-01-05T00:00:00Z (1 of 2).", "netname:        EX-OLD"}, []string{"EX-LAN"}},
		{"193.0.0.5 @2023-12-31", []string{"% No entries found for '193.0.0.5' at 2023-12-31T00:00:00Z: the history begins at 2024-01-01."}, []string{"inetnum:"}},
		{"193.0.0.5 @all", []string{"% Version 2 of 2: from snapshot 2024-01-08 to now.", "EX-LAN", "% Version 1 of 2: from snapshot 2024-01-01 until 2024-01-08.", "EX-OLD"}, nil},
		{"193.0.4.1 @all", []string{"% Version 1 of 1: from snapshot 2024-01-01 to now."}, nil},
		{"13.64.1.1", []string{"inetnum:        13.64.0.0 - 13.95.255.255", "nethandle:      NET-13-64-0-0-1", "origin:         AS8075",
			"parent:         NET-13-0-0-0-0", "abuse-c:        ABUSE231-ARIN", "source:         ARIN", "% Data from ARIN"}, []string{"country:"}},
		{"2001:db8::/48", []string{"inet6num:       2001:db8::/32", "source:         APNIC"}, nil},
		{"198.51.100.7", []string{"org-name:       Apex Fiber", "country:        NL", "status:         ASSIGNED PA",
			"remarks:        asn: 64500", "remarks:        cidr: 198.51.100.0/24", "source:         RIPE"}, nil},
		{"192.0.2.1", []string{"% No entries found for '192.0.2.1'."}, []string{"inetnum:"}},
		{"::ffff:193.0.0.5", []string{"netname:        EX-LAN"}, nil},
		{"help", []string{"% Queries, one per connection (RFC 3912):", "QUERY @DATETIME"}, []string{"ERROR"}},
		{"-h", []string{"QUERY @all"}, nil},
		{"-q version", []string{"% ipatlas-" + ipatlas.Version}, nil},
		{"-q sources", []string{"\nARIN\n"}, nil},
	} {
		answer := askWhois(t, addr, c.query+"\r\n")
		for _, w := range c.want {
			if !strings.Contains(answer, w) {
				t.Errorf("%q: no %q in\n%s", c.query, w, answer)
			}
		}
		for _, r := range c.reject {
			if strings.Contains(answer, r) {
				t.Errorf("%q: %q in\n%s", c.query, r, answer)
			}
		}
	}
}

// TestWhoisBadQueries: a query the server cannot answer gets a "% ERROR:"
// line that says why, and nothing else but the banner and the trailer.
func TestWhoisBadQueries(t *testing.T) {
	t.Parallel()
	addr := whoisFixture(t)
	for query, want := range map[string]string{
		"":                       "no address, prefix or range",
		"example.com":            `"example.com" is not an IP address, prefix or range`,
		"NET-13-64-0-0-1":        "is not an IP address",
		"-Z 1.2.3.4":             "unknown option -Z",
		"--frobnicate 1.2.3.4":   "unknown option --frobnicate",
		"-M 1.2.3.4":             "more specific networks (-M) not supported",
		"n > 1.2.3.4":            "more specific networks (>) not supported",
		"-i org ORG-EX1-RIPE":    "inverse queries (-i) not supported",
		"-T":                     "option -T needs an argument",
		"-s NOWHERE 1.2.3.4":     `unknown source "NOWHERE"`,
		"-q everything":          "want -q version",
		"1.2.3.4 @yesterday":     `@yesterday: "yesterday" is not an ISO 8601 date`,
		"fe80::1%eth0":           "zoned addresses are not looked up",
		"1.2.3.4 5.6.7.8":        `"1.2.3.4 5.6.7.8" is not an IP address`,
		"1.2.3.4\x00":            "control character",
		"193.0.0.0 - 2001:db8::": "is not an IP address, prefix or range",
	} {
		answer := askWhois(t, addr, query+"\r\n")
		if !strings.Contains(answer, "\n% ERROR: ") || !strings.Contains(answer, want) || strings.Contains(answer, "inetnum:") {
			t.Errorf("%q: want a %q error line, got\n%s", query, want, answer)
		}
	}
}

// TestWhoisLimits: an overlong line, a connection over the limit and a
// client that sends nothing each get an error line, then the server
// closes (a close, not a reset: readWhois fails on a reset). Small limits;
// no timing is asserted.
func TestWhoisLimits(t *testing.T) {
	t.Parallel()
	live := serve.NewLive(whoisIndex(t, false))
	t.Cleanup(func() { live.Close() })
	addr, _ := startWhois(t, live, serve.WhoisConfig{MaxQuery: 40, ReadTimeout: 50 * time.Millisecond})

	for _, q := range []string{strings.Repeat("1", 41) + "\r\n", strings.Repeat("1", 60)} {
		if a := askWhois(t, addr, q); !strings.Contains(a, "% ERROR: query longer than 40 bytes") {
			t.Errorf("query of %d bytes: got\n%s", len(q), a)
		}
	}
	if a := askWhois(t, addr, strings.Repeat(" ", 31)+"193.0.0.5\r\n"); !strings.Contains(a, "EX-OLD") { // 40 bytes
		t.Errorf("a query of the longest length: got\n%s", a)
	}
	if a := askWhois(t, addr, ""); !strings.Contains(a, "% ERROR: no query line within 50ms") {
		t.Errorf("no query: got\n%s", a)
	}
	// A query without a line end is answered once the client ends its side.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "193.0.0.5")
	c.(*net.TCPConn).CloseWrite()
	if a := readWhois(t, c); !strings.Contains(a, "EX-OLD") {
		t.Errorf("a query ended by the client's close: got\n%s", a)
	}
	c.Close()
}

// TestWhoisRefusesConnectionsOverTheLimit: with one connection being
// served, the next is refused with a line saying why; the first is still
// answered.
func TestWhoisRefusesConnectionsOverTheLimit(t *testing.T) {
	t.Parallel()
	live := serve.NewLive(whoisIndex(t, false))
	t.Cleanup(func() { live.Close() })
	addr, _ := startWhois(t, live, serve.WhoisConfig{MaxConns: 1, ReadTimeout: time.Minute})
	first, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The server takes connections in order, so first is counted before
	// the second is accepted.
	if a := askWhois(t, addr, "193.0.0.5\r\n"); !strings.Contains(a, "% ERROR: too many connections (this server takes 1 at once)") {
		t.Errorf("second connection: got\n%s", a)
	}
	io.WriteString(first, "193.0.0.5\r\n")
	if a := readWhois(t, first); !strings.Contains(a, "EX-OLD") {
		t.Errorf("first connection: got\n%s", a)
	}
}

// TestWhoisShutdownAndSwap: a new index reaches the WHOIS server at once;
// a shutdown tells a client that has not asked yet, and returns.
func TestWhoisShutdownAndSwap(t *testing.T) {
	t.Parallel()
	live := serve.NewLive(whoisIndex(t, false))
	t.Cleanup(func() { live.Close() })
	addr, stop := startWhois(t, live, serve.WhoisConfig{ReadTimeout: time.Minute})
	if a := askWhois(t, addr, "193.0.0.5\r\n"); !strings.Contains(a, "the latest of 1.") || !strings.Contains(a, "EX-OLD") {
		t.Errorf("before the swap: got\n%s", a)
	}
	live.Swap(whoisIndex(t, true))
	if a := askWhois(t, addr, "193.0.0.5\r\n"); !strings.Contains(a, "the latest of 2.") || !strings.Contains(a, "EX-LAN") {
		t.Errorf("after the swap: got\n%s", a)
	}
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	// The idle connection is accepted once a later one is answered.
	askWhois(t, addr, "help\r\n")
	if err := stop(); err != nil {
		t.Errorf("ServeWhois: %v", err)
	}
	if a := readWhois(t, idle); !strings.Contains(a, "% ERROR: the server is shutting down") {
		t.Errorf("idle connection at shutdown: got\n%s", a)
	}
}

// TestWhoisConfigValidate names the bad field.
func TestWhoisConfigValidate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cfg  serve.WhoisConfig
		want string
	}{
		{serve.WhoisConfig{MaxConns: -1}, "MaxConns"},
		{serve.WhoisConfig{MaxQuery: -5}, "MaxQuery"},
		{serve.WhoisConfig{ReadTimeout: -time.Second}, "timeouts"},
	} {
		err := c.cfg.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	if err := (serve.WhoisConfig{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
