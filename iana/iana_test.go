package iana_test

import (
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/iana"
)

func TestIPv4Slash8sOrder(t *testing.T) {
	t.Parallel()
	rows := iana.IPv4Slash8s()
	if len(rows) != 256 {
		t.Fatalf("IPv4Slash8s() has %d rows, want 256", len(rows))
	}
	for i, row := range rows {
		if row.Octet != i {
			t.Errorf("IPv4Slash8s()[%d].Octet = %d, want %d", i, row.Octet, i)
		}
		if got := iana.IPv4Slash8(byte(i)); got != row {
			t.Errorf("IPv4Slash8(%d) = %+v, want %+v", i, got, row)
		}
		want := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(i), 0, 0, 0}), 8)
		if got := row.Prefix(); got != want {
			t.Errorf("row %d Prefix() = %v, want %v", i, got, want)
		}
	}
	// The rows are a copy: changing them does not change the table.
	rows[13].Registry = ipatlas.APNIC
	if got := iana.IPv4Slash8(13).Registry; got != ipatlas.ARIN {
		t.Errorf("IPv4Slash8(13).Registry = %q after changing a copy, want %q", got, ipatlas.ARIN)
	}
}

func TestIPv4Slash8sStatus(t *testing.T) {
	t.Parallel()
	for _, row := range iana.IPv4Slash8s() {
		switch row.Status {
		case iana.StatusAllocated, iana.StatusLegacy:
			if !row.Registry.Valid() {
				t.Errorf("%v is %s but has registry %q", row.Prefix(), row.Status, row.Registry)
			}
		case iana.StatusReserved:
			if row.Registry != "" {
				t.Errorf("%v is RESERVED but has registry %q", row.Prefix(), row.Registry)
			}
		default:
			t.Errorf("%v has unknown status %q", row.Prefix(), row.Status)
		}
		if row.Designation == "" || len(row.Date) != len("yyyy-mm") {
			t.Errorf("%v: designation %q, date %q; want both set, date as yyyy-mm", row.Prefix(), row.Designation, row.Date)
		}
	}
}

func TestIPv6Blocks(t *testing.T) {
	t.Parallel()
	blocks := iana.IPv6Blocks()
	if len(blocks) == 0 {
		t.Fatal("IPv6Blocks() is empty")
	}
	global := netip.MustParsePrefix("2000::/3")
	for i, b := range blocks {
		if !b.Prefix.IsValid() || !b.Prefix.Addr().Is6() || b.Prefix.Masked() != b.Prefix {
			t.Errorf("block %d: %v is not a masked IPv6 prefix", i, b.Prefix)
		}
		if !global.Contains(b.Prefix.Addr()) || b.Prefix.Bits() < global.Bits() {
			t.Errorf("block %d: %v is outside global unicast %v", i, b.Prefix, global)
		}
		if !b.Registry.Valid() {
			t.Errorf("block %d: %v has registry %q", i, b.Prefix, b.Registry)
		}
		if iana.OverlapsSpecial(b.Prefix) {
			// An RIR block may hold special space (2001:db8::/32 sits in
			// APNIC's 2001:c00::/23) but may not lie inside it.
			for _, s := range iana.Specials() {
				if s.Prefix.Overlaps(b.Prefix) && s.Prefix.Bits() <= b.Prefix.Bits() {
					t.Errorf("block %d: %v lies inside special %v", i, b.Prefix, s.Prefix)
				}
			}
		}
		if i > 0 {
			prev := blocks[i-1].Prefix
			if !prev.Addr().Less(b.Prefix.Addr()) || prev.Overlaps(b.Prefix) {
				t.Errorf("blocks %v and %v are out of order or overlap", prev, b.Prefix)
			}
		}
	}
	blocks[0].Registry = "mutated"
	if iana.IPv6Blocks()[0].Registry == "mutated" {
		t.Error("IPv6Blocks() shares its slice between calls")
	}
}

func TestRegistryOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		want ipatlas.Registry
	}{
		// Special-purpose space has no registry, even inside an RIR's /8.
		{"Private10", "10.1.2.3", ""},
		{"Private172", "172.16.0.1", ""},
		{"Private172Last", "172.31.255.255", ""},
		{"Private192", "192.168.1.1", ""},
		{"Loopback", "127.0.0.1", ""},
		{"ThisNetwork", "0.0.0.0", ""},
		{"SharedAddressSpace", "100.64.0.1", ""},
		{"LinkLocal", "169.254.1.1", ""},
		{"TestNet1", "192.0.2.1", ""},
		{"TestNet2", "198.51.100.1", ""},
		{"TestNet3", "203.0.113.1", ""},
		{"Benchmarking", "198.18.0.1", ""},
		{"Multicast", "224.0.0.1", ""},
		{"Broadcast", "255.255.255.255", ""},
		{"MappedPrivate", "::ffff:10.0.0.1", ""},
		// Registries, from IANA's ipv4-address-space.xml (whois server).
		{"ARINLegacy", "13.64.0.1", ipatlas.ARIN},
		{"ARINAllocated", "8.8.8.8", ipatlas.ARIN},
		{"ARINBesideShared", "100.63.255.255", ipatlas.ARIN},
		{"ARINBesideLinkLocal", "169.253.0.1", ipatlas.ARIN},
		{"APNIC", "1.1.1.1", ipatlas.APNIC},
		{"AFRINIC", "41.0.0.1", ipatlas.AFRINIC},
		{"LACNIC", "200.0.0.1", ipatlas.LACNIC},
		{"RIPENCC", "193.0.0.1", ipatlas.RIPENCC},
		{"MappedARIN", "::ffff:13.64.0.1", ipatlas.ARIN},
		// IPv6, from ipv6-unicast-address-assignments.xml.
		{"IPv6RIPENCC", "2a00::1", ipatlas.RIPENCC},
		{"IPv6APNIC", "2001:200::1", ipatlas.APNIC},
		{"IPv6ARIN", "2600::1", ipatlas.ARIN},
		{"IPv6ARINSlash23", "2610:1ff:ffff::1", ipatlas.ARIN},
		{"IPv6AfterARINSlash23", "2610:200::1", ""}, // 2610::/23 ends at 2610:1ff:…
		{"IPv6LACNIC", "2800::1", ipatlas.LACNIC},
		{"IPv6AFRINIC", "2c00::1", ipatlas.AFRINIC},
		{"IPv6Documentation", "2001:db8::1", ""},
		{"IPv6Documentation3fff", "3fff::1", ""},
		{"IPv6IETF", "2001::1", ""},
		{"IPv66to4", "2002::1", ""},
		{"IPv6IANAReserved", "2d00::1", ""},
		{"IPv6OutsideGlobalUnicast", "4000::1", ""},
		{"IPv6Loopback", "::1", ""},
		{"IPv6LinkLocal", "fe80::1", ""},
		{"IPv6UniqueLocal", "fd00::1", ""},
		{"IPv6Multicast", "ff02::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := netip.MustParseAddr(tt.addr)
			if got := iana.RegistryOf(a); got != tt.want {
				t.Errorf("RegistryOf(%v) = %q, want %q", a, got, tt.want)
			}
		})
	}
	if got := iana.RegistryOf(netip.Addr{}); got != "" {
		t.Errorf("RegistryOf(zero Addr) = %q, want \"\"", got)
	}
}

// RegistryOf agrees with the tables it is built from.
func TestRegistryOfMatchesTables(t *testing.T) {
	t.Parallel()
	for _, row := range iana.IPv4Slash8s() {
		// Outside special space, a /8's registry answers for all of it.
		a := netip.AddrFrom4([4]byte{byte(row.Octet), 255, 255, 254})
		want := row.Registry
		if iana.IsSpecial(a) {
			want = ""
		}
		if got := iana.RegistryOf(a); got != want {
			t.Errorf("RegistryOf(%v) = %q, want %q", a, got, want)
		}
	}
	for _, b := range iana.IPv6Blocks() {
		for _, a := range []netip.Addr{b.Prefix.Addr(), ipatlas.LastAddr(b.Prefix)} {
			if got := iana.RegistryOf(a); got != b.Registry {
				t.Errorf("RegistryOf(%v) = %q, want %q (block %v)", a, got, b.Registry, b.Prefix)
			}
		}
	}
}
