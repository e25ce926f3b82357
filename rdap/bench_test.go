package rdap_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ipatlas/ipatlas/rdap"
)

// BenchmarkParseNetwork parses ARIN's answer for 13.64.0.0: nested
// entities, jCards, cidr0 and origin AS.
func BenchmarkParseNetwork(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(sharedData(b, "rdap"), "arin", "ip-13.64.0.0.whoisit.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := rdap.ParseNetwork(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
}
