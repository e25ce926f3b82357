package rpsl_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ipatlas/ipatlas/rpsl"
)

// A lenient reader counts malformed objects and goes on with the next.
func ExampleReader() {
	dump := `inetnum:        192.0.2.0 - 192.0.2.255
netname:        EXAMPLE-NET
descr:          Example Networks
                second line of the description
source:         RIPE # Filtered

this object is broken
netname:        NEVER-SEEN

inet6num:       2001:db8::/32
netname:        EXAMPLE-V6
`
	r := rpsl.NewReader(strings.NewReader(dump), "ripe.db.inetnum")
	bad := 0
	for {
		o, err := r.Next()
		var se *rpsl.SyntaxError
		switch {
		case err == io.EOF:
			fmt.Println(bad, "bad object")
			return
		case errors.As(err, &se):
			fmt.Println("skipped:", se)
			bad++
		case err != nil:
			panic(err)
		default:
			fmt.Printf("%s %s %s %q\n", o.Class(), o.Key(), o.Get("netname"), o.Get("descr"))
		}
	}
	// Output:
	// inetnum 192.0.2.0 - 192.0.2.255 EXAMPLE-NET "Example Networks\nsecond line of the description"
	// skipped: ripe.db.inetnum:7: not an attribute, continuation or comment line: "this object is broken"
	// inet6num 2001:db8::/32 EXAMPLE-V6 ""
	// 1 bad object
}
