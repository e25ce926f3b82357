package analytics_test

import (
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/delegated"
)

// The figures of a delegated-stats file: RIPE NCC's 768-address
// allocation counts a /23 and a /24 in the size histogram.
func ExampleAnalyze() {
	const data = `2|ripencc|1404165599|2|19830705|20140630|+0200
ripencc|*|ipv4|*|2|summary
ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated
ripencc|DE|ipv4|193.0.4.0|1024|19930901|assigned
`
	f, err := delegated.Parse(strings.NewReader(data), "delegated-ripencc-latest")
	if err != nil {
		fmt.Println(err)
		return
	}
	blocks, err := analytics.FromDelegated([]*delegated.File{f})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := analytics.Analyze(blocks, analytics.Options{Top: 1})
	fmt.Printf("%s of %s addresses, %d gaps\n", r.IPv4.Addresses, r.IPv4.Space, r.IPv4.Gaps.Count)
	for _, s := range r.IPv4.Sizes {
		fmt.Printf("%s /%d: %d\n", s.Registry, s.Bits, s.Prefixes)
	}
	fmt.Println("most addresses:", r.IPv4.Countries.ByAddresses[0].Key)
	// Output:
	// 1792 of 3702258432 addresses, 97 gaps
	// ripencc /22: 1
	// ripencc /23: 1
	// ripencc /24: 1
	// most addresses: DE
}
