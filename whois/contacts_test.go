package whois_test

import (
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/whois"
)

// rawQuery sends a query line of our choosing to the simulator.
func rawQuery(t *testing.T, addr, q string) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, q+"\r\n")
	body, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestParseResolvesContactObjects asks the RPSL servers without -r, so
// their answers carry the organisation, role and irt objects the network
// references: the parse describes each entity from them, with e-mail
// addresses only when the query also asked for no filtering (-B).
func TestParseResolvesContactObjects(t *testing.T) {
	t.Parallel()
	w := smallWorld(t)
	srv := simtest.Serve(t, w, regsim.ServerConfig{})
	for _, reg := range []ipatlas.Registry{ipatlas.RIPENCC, ipatlas.APNIC, ipatlas.AFRINIC} {
		for _, flags := range []string{"-B ", ""} {
			var ref regsim.NetRef
			w.Each(func(r regsim.NetRef) bool {
				ref = r
				return !(w.Registry(r) == reg && w.Lookup(w.Range(r).From) == r && len(w.WhoisNetwork(r).Entities) == 3)
			})
			view := w.WhoisNetwork(ref)
			a := view.Range.From
			n, err := whois.Parse(reg, "answer", rawQuery(t, srv.WhoisAddr(reg), flags+a.String()), a)
			if err != nil {
				t.Fatalf("%s %q: %v", reg, flags+a.String(), err)
			}
			checkContacts(t, reg, flags != "", view, n)
		}
	}
}

func checkContacts(t *testing.T, reg ipatlas.Registry, unfiltered bool, view, n ipatlas.Network) {
	t.Helper()
	if len(n.Entities) != len(view.Entities) {
		t.Fatalf("%s: entities %s, want those of %s", reg, describe(n.Entities), describe(view.Entities))
	}
	for i, e := range n.Entities {
		want := view.Entities[i]
		if e.Handle != want.Handle || !slices.Equal(e.Roles, want.Roles) || e.Contact.Name == "" {
			t.Errorf("%s: entity %s %v %q, want %s %v with a name", reg, e.Handle, e.Roles, e.Contact.Name, want.Handle, want.Roles)
		}
		kind := map[string]string{ipatlas.RoleRegistrant: "org", ipatlas.RoleAdministrative: "group", ipatlas.RoleAbuse: "group"}[e.Roles[0]]
		if e.Contact.Kind != kind || e.Contact.Address == "" {
			t.Errorf("%s: %s is a %q at %q, want a %q with an address", reg, e.Handle, e.Contact.Kind, e.Contact.Address, kind)
		}
	}
	tech, abuse := n.Entities[1], n.Entities[2]
	hasNOC := slices.ContainsFunc(tech.Contact.Email, func(m string) bool { return strings.HasPrefix(m, "noc@") })
	if !strings.HasSuffix(tech.Contact.Name, "Network Operations") || hasNOC != unfiltered {
		t.Errorf("%s: technical contact %+v (unfiltered: %v)", reg, tech.Contact, unfiltered)
	}
	if !slices.Equal(abuse.Contact.Email, view.Entities[2].Contact.Email) {
		t.Errorf("%s: abuse addresses %q, want %q", reg, abuse.Contact.Email, view.Entities[2].Contact.Email)
	}
}
