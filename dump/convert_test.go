package dump_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/rpsl"
)

// objects reads every object of an RPSL text, failing on a syntax error.
func objects(tb testing.TB, text string) []rpsl.Object {
	tb.Helper()
	r := rpsl.NewReader(strings.NewReader(text), "test")
	var out []rpsl.Object
	for {
		o, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, o)
	}
}

const holdersText = `organisation:   ORG-EX1-RIPE
org-name:       Example Networks B.V.
address:        Dummy address for ORG-EX1-RIPE
e-mail:         unread@ripe.net
abuse-c:        AR1-RIPE

role:           Abuse-C Role
nic-hdl:        AR1-RIPE
abuse-mailbox:  abuse@example.net
abuse-mailbox:  abuse2@example.net
e-mail:         unread@ripe.net

role:           Example NOC
nic-hdl:        NOC1-RIPE

irt:            IRT-EXAMPLE-NL
abuse-mailbox:  irt@example.net
`

// TestNetworkReadsWhatADumpGives: every attribute a network takes, with
// continuation lines, comments, placeholders and the dummifier's block.
func TestNetworkReadsWhatADumpGives(t *testing.T) {
	t.Parallel()
	h := dump.NewHolders()
	for _, o := range objects(t, holdersText) {
		if !h.Add(o) {
			t.Fatalf("%s not taken as a holder", o.Class())
		}
	}
	o := objects(t, `inetnum:        192.0.2.0 -   192.0.2.255
netname:        EXAMPLE-NET # a comment
descr:          Example Networks
                Amsterdam
country:        nl
org:            ORG-EX1-RIPE
admin-c:        DUMY-RIPE
tech-c:         noc1-ripe
admin-c:        NOC1-RIPE
mnt-irt:        IRT-EXAMPLE-NL
tech-c:         UNKNOWN-RIPE
status:         ASSIGNED PA
remarks:        before
remarks:        ****************************
remarks:        * THIS OBJECT IS MODIFIED
remarks:        * data has been removed from this object.
remarks:        ****************************
remarks:        after
created:        2001-02-03T04:05:06Z
last-modified:  2021-02-03T04:05:06+01:00
source:         RIPE-NONAUTH # Filtered
`)[0]
	n, err := dump.Network(o, "x/ripe.db.inetnum.gz", h)
	if err != nil {
		t.Fatal(err)
	}
	want := ipatlas.Network{Registry: ipatlas.RIPENCC, Handle: "192.0.2.0 - 192.0.2.255", Name: "EXAMPLE-NET", Type: "ASSIGNED PA", Country: "NL",
		Events: []ipatlas.Event{{Action: "registration", Date: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)},
			{Action: "last changed", Date: time.Date(2021, 2, 3, 3, 5, 6, 0, time.UTC)}},
		Entities: []ipatlas.Entity{
			{Handle: "ORG-EX1-RIPE", Roles: []string{"registrant"}, Contact: ipatlas.Contact{Name: "Example Networks B.V.", Kind: "org"}},
			{Handle: "noc1-ripe", Roles: []string{"technical", "administrative"}, Contact: ipatlas.Contact{Name: "Example NOC", Kind: "group"}},
			{Handle: "IRT-EXAMPLE-NL", Roles: []string{"abuse"}, Contact: ipatlas.Contact{Name: "IRT-EXAMPLE-NL", Kind: "group", Email: []string{"irt@example.net"}}},
			{Handle: "UNKNOWN-RIPE", Roles: []string{"technical"}},
		},
		Remarks: []ipatlas.Remark{{Description: []string{"Example Networks", "Amsterdam"}}, {Description: []string{"before", "after"}}},
	}
	want.Range, _ = ipatlas.ParseRange("192.0.2.0 - 192.0.2.255")
	n.Source = ipatlas.Source{}
	if g, w := mustJSON(t, n), mustJSON(t, want); g != w {
		t.Errorf("got  %s\nwant %s", g, w)
	}
}

// TestNetworkTakesTheHoldersAbuseContact: an object naming no abuse
// contact gets its organisation's abuse-c; one with no source takes its
// registry from the file name; an inet6num's handle is its prefix.
func TestNetworkTakesTheHoldersAbuseContact(t *testing.T) {
	t.Parallel()
	h := dump.NewHolders()
	for _, o := range objects(t, holdersText) {
		h.Add(o)
	}
	o := objects(t, "inet6num: 2001:DB8::/32\nnetname: EX6\nstatus: ALLOCATED-BY-RIR\norg: ORG-EX1-RIPE\n")[0]
	n, err := dump.Network(o, "https://example.net/dumps/afrinic.db.inet6num.gz", h)
	if err != nil {
		t.Fatal(err)
	}
	if n.Registry != ipatlas.AFRINIC || n.Handle != "2001:db8::/32" || n.Range.To.String() != "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff" {
		t.Errorf("got %s %q %s", n.Registry, n.Handle, n.Range)
	}
	if len(n.Entities) != 2 || n.Entities[1].Handle != "AR1-RIPE" || n.Entities[1].Contact.Email[1] != "abuse2@example.net" {
		t.Errorf("entities %+v: want the holder, then its abuse-c", n.Entities)
	}
}

// TestNetworkNamesWhatIsWrong: each malformed network says what and where.
func TestNetworkNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	base := "netname: X\nstatus: ASSIGNED PA\nsource: RIPE\n"
	for _, c := range []struct{ text, file, want string }{
		{"inetnum: 10.0.0.9 - 10.0.0.1\n" + base, "ripe.db.inetnum", "f:1: inetnum \"10.0.0.9 - 10.0.0.1\": not an IPv4 range"},
		{"inetnum: 2001:db8::/32\n" + base, "ripe.db.inetnum", "not an IPv4 range"},
		{"inet6num: 10.0.0.0/8\n" + base, "ripe.db.inet6num", "not an IPv6 prefix"},
		{"inetnum: 10.0.0.0/8\nstatus: X\nsource: RIPE\n", "ripe.db.inetnum", "f:1: inetnum \"10.0.0.0/8\": no netname"},
		{"inetnum: 10.0.0.0/8\nnetname: X\nsource: RIPE\n", "ripe.db.inetnum", "no status"},
		{"inetnum: 10.0.0.0/8\n" + base + "created: yesterday\n", "ripe.db.inetnum", "f:5: inetnum \"10.0.0.0/8\": created \"yesterday\" is not an RFC 3339 time"},
		{"inetnum: 10.0.0.0/8\nnetname: X\nstatus: Y\nsource: RADB\n", "ripe.db.inetnum", "f:4: inetnum \"10.0.0.0/8\": source \"RADB\" names no registry"},
		{"inetnum: 10.0.0.0/8\nnetname: X\nstatus: Y\n", "dump.txt", "no source, and the file name \"dump.txt\" names no registry"},
	} {
		o := objects(t, c.text)[0]
		_, err := dump.Network(o, c.file, dump.NewHolders())
		var de *dump.Error
		if !errors.As(err, &de) || !strings.Contains(strings.Replace(err.Error(), c.file, "f", 1), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// FuzzNetwork: whatever an object holds, Network either says what is
// wrong with it or gives a network a snapshot can keep: a valid range of
// the class's IP version, a registry, a handle, and a payload the fast
// encoder writes exactly as ipatlas.NetworkRecord does.
func FuzzNetwork(f *testing.F) {
	f.Add([]byte("inetnum: 192.0.2.0 - 192.0.2.255\nnetname: X\nstatus: ASSIGNED PA\norg: ORG-EX1-RIPE\nadmin-c: AR1-RIPE\nsource: RIPE\ncreated: 2001-02-03T04:05:06Z\n"))
	f.Add([]byte("inet6num: 2001:db8::/32\nnetname: X\nstatus: ALLOCATED-BY-RIR\nmnt-irt: IRT-X\ndescr: a\n+ b\nremarks: ****\nremarks: * THIS OBJECT IS MODIFIED\n"))
	f.Add([]byte("inetnum: 10.0.0.0/8\nnetname: \"<q>\"\nstatus: \xff\ncountry: nl\nlast-modified: 2021-02-03T04:05:06+01:00\n"))
	h := dump.NewHolders()
	for _, o := range objects(f, holdersText) {
		h.Add(o)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := rpsl.NewReader(bytes.NewReader(data), "fuzz")
		for range 16 {
			o, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			checkConverted(t, o, h)
		}
	})
}

func checkConverted(t *testing.T, o rpsl.Object, h *dump.Holders) {
	n, err := dump.Network(o, "ripe.db.inetnum.gz", h)
	if err != nil {
		var de *dump.Error
		if !errors.As(err, &de) || de.Line < o.Line {
			t.Fatalf("error %v: want a *dump.Error at or after line %d", err, o.Line)
		}
		return
	}
	if !dump.IsNetwork(o.Class()) || !n.Range.IsValid() || n.Range.Is4() != (o.Class() == "inetnum") || !n.Registry.Valid() || n.Handle == "" {
		t.Fatalf("%s %q gave %+v", o.Class(), o.Key(), n)
	}
	want, err := ipatlas.NetworkRecord(n)
	if err != nil {
		return // a date JSON cannot write; the loader reports it as malformed
	}
	got, err := netjson.AppendRecord(nil, &n)
	if err != nil || !bytes.Equal(got, want.Payload) {
		t.Fatalf("payload %s, %v\nwant %s", got, err, want.Payload)
	}
}
