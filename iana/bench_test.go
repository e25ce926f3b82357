package iana_test

import (
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas/iana"
)

// BenchmarkRegistryOfIPv6 times the lookup every simulated and planned IPv6
// query makes.
func BenchmarkRegistryOfIPv6(b *testing.B) {
	a := netip.MustParseAddr("2c00::1") // the last block: the whole table is scanned
	for b.Loop() {
		iana.RegistryOf(a)
	}
}
