package iana_test

import (
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas/iana"
)

func TestIsSpecial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{"Private10", "10.0.0.1", true},
		{"Public", "8.8.8.8", false},
		{"BeforeShared", "100.63.255.255", false},
		{"SharedFirst", "100.64.0.0", true},
		{"SharedLast", "100.127.255.255", true},
		{"AfterShared", "100.128.0.0", false},
		{"Before172", "172.15.255.255", false},
		{"Private172First", "172.16.0.0", true},
		{"Private172Last", "172.31.255.255", true},
		{"After172", "172.32.0.0", false},
		{"TestNet1Last", "192.0.2.255", true},
		{"AfterTestNet1", "192.0.3.0", false},
		{"BeforeBenchmarking", "198.17.255.255", false},
		{"BenchmarkingLast", "198.19.255.255", true},
		{"AfterBenchmarking", "198.20.0.0", false},
		{"LastUnicast", "223.255.255.255", false},
		{"MulticastFirst", "224.0.0.0", true},
		{"MulticastLast", "239.255.255.255", true},
		{"Broadcast", "255.255.255.255", true},
		{"MappedPrivate", "::ffff:192.168.0.1", true},
		{"MappedPublic", "::ffff:8.8.8.8", false}, // unmapped first, so not ::/8
		{"IPv6Unspecified", "::", true},
		{"IPv6Loopback", "::1", true},
		{"IPv6Documentation", "2001:db8::1", true},
		{"IPv6AfterDocumentation", "2001:db9::1", false},
		{"IPv6Public", "2606:4700::1", false},
		{"IPv6LinkLocalLast", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"IPv6UniqueLocal", "fd12:3456::1", true},
		{"IPv6Multicast", "ff02::1", true},
		{"IPv6SRv6SIDs", "5f00::1", true},
		{"IPv6LocalNAT64", "64:ff9b:1::1", true},
		{"IPv6Discard", "100::1", true},
		{"IPv6AfterDiscard", "100:0:0:1::", false},
		{"Zero", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a netip.Addr
			if tt.addr != "" {
				a = netip.MustParseAddr(tt.addr)
			}
			if got := iana.IsSpecial(a); got != tt.want {
				t.Errorf("IsSpecial(%v) = %v, want %v", a, got, tt.want)
			}
		})
	}
}

func TestOverlapsSpecial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		want   bool
	}{
		{"Holds10", "8.0.0.0/6", true},
		{"Inside10", "10.1.0.0/16", true},
		{"Public", "13.64.0.0/11", false},
		{"Holds172", "172.0.0.0/8", true},
		{"Beside172", "172.32.0.0/11", false},
		{"Holds192Specials", "192.0.0.0/8", true},
		{"Single", "198.51.100.7/32", true},
		{"Adjacent", "198.51.101.0/24", false},
		{"WholeIPv4", "0.0.0.0/0", true},
		{"IPv6RIRHoldingDocumentation", "2001:c00::/23", true},
		{"IPv6RIR", "2a00::/12", false},
		{"WholeIPv6", "::/0", true},
		{"IPv6InsideUniqueLocal", "fd00::/8", true},
		{"HostBitsSet", "10.255.0.0/7", true}, // 10.0.0.0/7 once masked
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := netip.MustParsePrefix(tt.prefix)
			if got := iana.OverlapsSpecial(p); got != tt.want {
				t.Errorf("OverlapsSpecial(%v) = %v, want %v", p, got, tt.want)
			}
		})
	}
	if iana.OverlapsSpecial(netip.Prefix{}) {
		t.Error("OverlapsSpecial(zero Prefix) = true, want false")
	}
}

// IsSpecial and OverlapsSpecial agree with Specials.
func TestSpecialsConsistent(t *testing.T) {
	t.Parallel()
	for _, s := range iana.Specials() {
		if !s.Prefix.IsValid() || s.Prefix.Masked() != s.Prefix || s.Name == "" {
			t.Errorf("special %+v: want a masked prefix and a name", s)
		}
		if !iana.IsSpecial(s.Prefix.Addr()) {
			t.Errorf("IsSpecial(%v) = false for the first address of special %v", s.Prefix.Addr(), s.Prefix)
		}
		if !iana.OverlapsSpecial(s.Prefix) {
			t.Errorf("OverlapsSpecial(%v) = false for a special prefix", s.Prefix)
		}
	}
}
