package delegated_test

import (
	"fmt"
	"strings"

	"github.com/ipatlas/ipatlas/delegated"
)

func ExampleParse() {
	const data = `2|ripencc|1404165599|1|19830705|20140630|+0200
ripencc|*|ipv4|*|1|summary
ripencc|NL|ipv4|193.0.0.0|768|19930901|allocated
`
	f, err := delegated.Parse(strings.NewReader(data), "delegated-ripencc-latest")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range f.Records {
		ps, _ := r.Prefixes()
		fmt.Println(r.CC, r.Status, ps)
	}
	fmt.Println(f.Quirks)
	// Output:
	// NL allocated [193.0.0.0/23 193.0.2.0/24]
	// [serial-seconds: serial 1404165599 is a Unix time in seconds (2014-06-30T21:59:59Z), not yyyymmdd]
}
