package whois_test

import (
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas/whois"
)

// BenchmarkParse parses each format's fixture: the cost of one answer
// beside the round trip to the registry.
func BenchmarkParse(b *testing.B) {
	for _, f := range fixtures {
		b.Run(string(f.reg), func(b *testing.B) {
			body, q := readFixture(b, f.file), netip.MustParseAddr(f.query)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := whois.Parse(f.reg, f.file, body, q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
		})
	}
}
