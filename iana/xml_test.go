package iana_test

import (
	"encoding/xml"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

// ianaDir holds copies of IANA's registries, shared between checkouts.
var ianaDir = filepath.Join("..", "..", "shared", "data", "iana")

// record is the union of the fields of a <record> in the IANA registries this
// file reads.
type record struct {
	Prefix  string `xml:"prefix"`  // address-space and unicast-assignment registries
	Address string `xml:"address"` // special-purpose registries
	Name    string `xml:"name"`
	Desc    string `xml:"description"`
	Whois   string `xml:"whois"`
	Status  string `xml:"status"`
	Global  string `xml:"global"`
}

// readRecords returns every <record> in one of IANA's XML registries, however
// deeply nested, skipping the test when the shared data is absent.
func readRecords(tb testing.TB, name string) []record {
	tb.Helper()
	f, err := os.Open(filepath.Join(ianaDir, name))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("IANA data not present: %v (these checks need ../../shared/data/iana)", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []record
	d := xml.NewDecoder(f)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "record" {
			var r record
			if err := d.DecodeElement(&r, &se); err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no records", name)
	}
	return out
}

// whoisRegistry maps the WHOIS server IANA lists to the registry it belongs to.
func whoisRegistry(tb testing.TB, server string) ipatlas.Registry {
	tb.Helper()
	switch strings.TrimSpace(server) {
	case "":
		return ""
	case "whois.afrinic.net":
		return ipatlas.AFRINIC
	case "whois.apnic.net":
		return ipatlas.APNIC
	case "whois.arin.net":
		return ipatlas.ARIN
	case "whois.lacnic.net":
		return ipatlas.LACNIC
	case "whois.ripe.net":
		return ipatlas.RIPENCC
	}
	tb.Fatalf("unknown WHOIS server %q", server)
	return ""
}

func TestIPv4Slash8sMatchIANA(t *testing.T) {
	t.Parallel()
	recs := readRecords(t, "ipv4-address-space.xml")
	if len(recs) != 256 {
		t.Fatalf("ipv4-address-space.xml has %d records, want 256", len(recs))
	}
	seen := map[int]bool{}
	for _, r := range recs {
		octet, ok := strings.CutSuffix(strings.TrimSpace(r.Prefix), "/8")
		n, err := strconv.Atoi(octet)
		if !ok || err != nil || n < 0 || n > 255 || seen[n] {
			t.Fatalf("ipv4-address-space.xml: bad or repeated prefix %q", r.Prefix)
		}
		seen[n] = true
		row := iana.IPv4Slash8(byte(n))
		if got, want := row.Status, iana.Status(strings.TrimSpace(r.Status)); got != want {
			t.Errorf("%d/8: status %q, IANA says %q", n, got, want)
		}
		if got, want := row.Registry, whoisRegistry(t, r.Whois); got != want {
			t.Errorf("%d/8: registry %q, IANA's WHOIS server %q means %q", n, got, r.Whois, want)
		}
	}
}

func TestIPv6BlocksMatchIANA(t *testing.T) {
	t.Parallel()
	want := map[netip.Prefix]ipatlas.Registry{}
	for _, r := range readRecords(t, "ipv6-unicast-address-assignments.xml") {
		if strings.TrimSpace(r.Status) != "ALLOCATED" {
			continue
		}
		if w := strings.TrimSpace(r.Whois); w == "" || w == "whois.iana.org" {
			continue // IANA's own 2001::/23, 6to4's 2002::/16
		}
		reg := whoisRegistry(t, r.Whois)
		p, err := netip.ParsePrefix(strings.TrimSpace(r.Prefix))
		if err != nil {
			t.Fatalf("ipv6-unicast-address-assignments.xml: %v", err)
		}
		want[p] = reg
	}
	if len(want) == 0 {
		t.Fatal("no RIR allocations in ipv6-unicast-address-assignments.xml")
	}
	got := map[netip.Prefix]ipatlas.Registry{}
	for _, b := range iana.IPv6Blocks() {
		got[b.Prefix] = b.Registry
		if w, ok := want[b.Prefix]; !ok {
			t.Errorf("IPv6Blocks has %v (%s), which IANA does not list as allocated to an RIR", b.Prefix, b.Registry)
		} else if w != b.Registry {
			t.Errorf("IPv6Blocks has %v as %s, IANA says %s", b.Prefix, b.Registry, w)
		}
	}
	for p, reg := range want {
		if _, ok := got[p]; !ok {
			t.Errorf("IANA allocated %v to %s; IPv6Blocks does not have it", p, reg)
		}
	}
}

// specialExtras are the Specials that are not records of IANA's
// special-purpose registries: Specials documents that it adds multicast and
// the IPv6 space outside global unicast (::/8 holds the unspecified, loopback
// and IPv4-mapped records).
var specialExtras = map[netip.Prefix]bool{
	netip.MustParsePrefix("224.0.0.0/4"): true,
	netip.MustParsePrefix("ff00::/8"):    true,
	netip.MustParsePrefix("::/8"):        true,
}

func TestSpecialsMatchIANA(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		file string
	}{
		{"IPv4", "iana-ipv4-special-registry.xml"},
		{"IPv6", "iana-ipv6-special-registry.xml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSpecials(t, readRecords(t, tt.file))
		})
	}
}

func checkSpecials(t *testing.T, recs []record) {
	t.Helper()
	is4 := strings.Contains(recs[0].Address, ".")
	listed := map[netip.Prefix]string{} // prefix → IANA's "global" value
	for _, r := range recs {
		// One record can hold several prefixes ("192.0.0.170/32, 192.0.0.171/32").
		for _, s := range strings.Split(r.Address, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				t.Fatalf("record %q: %v", r.Name, err)
			}
			global := strings.TrimSpace(r.Global)
			listed[p] = global
			if global != "False" {
				continue
			}
			covered := false
			for _, sp := range iana.Specials() {
				covered = covered || (sp.Prefix.Bits() <= p.Bits() && sp.Prefix.Contains(p.Addr()))
			}
			if !covered {
				t.Errorf("IANA lists %v (%s) as not globally reachable; no Special covers it", p, r.Name)
			}
			if !iana.IsSpecial(p.Addr()) || !iana.OverlapsSpecial(p) {
				t.Errorf("IsSpecial/OverlapsSpecial miss %v (%s)", p, r.Name)
			}
		}
	}
	// And the other way: every Special of this version is an IANA record that
	// is not globally reachable, or one of the documented extras.
	for _, sp := range iana.Specials() {
		if sp.Prefix.Addr().Is4() != is4 || specialExtras[sp.Prefix] {
			continue
		}
		global, ok := listed[sp.Prefix]
		switch {
		case !ok:
			t.Errorf("Special %v (%s) is not in IANA's registry nor a documented extra", sp.Prefix, sp.Name)
		case global == "True":
			t.Errorf("Special %v (%s) is globally reachable according to IANA", sp.Prefix, sp.Name)
		}
	}
}
