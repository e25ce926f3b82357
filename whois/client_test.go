package whois_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/whois"
)

// smallWorld has every registry, nesting, IPv4 and IPv6, and transfers.
func smallWorld(tb testing.TB) *regsim.World {
	tb.Helper()
	return regsim.MustNew(regsim.Config{Seed: 5, IPv6PerBlock: 12, TransferShare: 0.1,
		IPv4: []netip.Prefix{mustPrefix("13.64.0.0/16"), mustPrefix("62.0.0.0/16"), mustPrefix("1.0.0.0/16"),
			mustPrefix("200.57.0.0/16"), mustPrefix("41.0.0.0/16")},
		IPv6: []netip.Prefix{mustPrefix("2001:400::/23"), mustPrefix("2001:600::/23"), mustPrefix("2001:200::/23"),
			mustPrefix("2001:1200::/23"), mustPrefix("2001:4200::/23")}})
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// newClient is a client of the simulator's WHOIS servers.
func newClient(tb testing.TB, srv *regsim.Server, c whois.ClientConfig) *whois.Client {
	tb.Helper()
	c.Servers = map[ipatlas.Registry]string{}
	for _, r := range ipatlas.Registries() {
		c.Servers[r] = srv.WhoisAddr(r)
	}
	client, err := whois.NewClient(c)
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

// TestClientParsesWhatTheSimulatorServes asks every question of a perfect
// walk over WHOIS and checks the answers against the world's WHOIS view,
// field by field, for every registry.
func TestClientParsesWhatTheSimulatorServes(t *testing.T) {
	t.Parallel()
	w := smallWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	client := newClient(t, srv, whois.ClientConfig{})
	var got []ipatlas.Network
	perReg := map[ipatlas.Registry]int{}
	for _, step := range w.Truth().Steps {
		reg := w.Registry(step.Net)
		ans, err := client.QueryIP(context.Background(), reg, step.Query)
		if err != nil {
			t.Fatalf("%s %s: %v", reg, step.Query, err)
		}
		if ans.Network.Source.Protocol != ipatlas.ProtocolWHOIS || ans.Network.Source.URL != ans.URL ||
			!strings.HasPrefix(ans.URL, "whois://"+srv.WhoisAddr(reg)+"/") || len(ans.Body) == 0 {
			t.Fatalf("%s %s: answer %s, source %+v", reg, step.Query, ans.URL, ans.Network.Source)
		}
		got = append(got, ans.Network)
		perReg[reg]++
	}
	if report := w.CheckView(got, regsim.View{Render: w.WhoisNetwork}); !report.OK() {
		t.Fatal(report)
	}
	for _, r := range ipatlas.Registries() {
		if perReg[r] < 5 {
			t.Errorf("%s: only %d networks asked about", r, perReg[r])
		}
	}
}
