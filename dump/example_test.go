package dump_test

import (
	"context"
	"fmt"
	"os"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/regsim"
)

// Load reads a registry's split dump, written here by the simulator, into
// records a snapshot keeps, and says what it covered.
func Example() {
	dir, err := os.MkdirTemp("", "dump-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	w := regsim.MustNew(regsim.Config{Seed: 3, IPv4: mustPrefixes("193.0.0.0/16"), IPv6: mustPrefixes()})
	paths, err := w.WriteDumps(dir, ipatlas.RIPENCC)
	if err != nil {
		panic(err)
	}
	res, err := dump.Load(context.Background(), paths, dump.Options{})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Covered {
		fmt.Printf("%s IPv%d: %d networks, dated %s\n", c.Registry, c.IPVersion, c.Networks, res.Date.Format("2006-01-02"))
	}
	fmt.Println(res.Records[0].Range, string(res.Records[0].Payload[:24]))
	// Output:
	// ripencc IPv4: 431 networks, dated 2026-01-01
	// 193.0.6.0 - 193.0.7.255 {"registry":"ripencc","h
}
