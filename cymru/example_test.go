package cymru_test

import (
	"fmt"

	"github.com/ipatlas/ipatlas/cymru"
)

// An answer line becomes the fields ipwhois users know, and a record's
// payload takes them after its own.
func Example() {
	a, err := cymru.ParseLine("15169   | 74.125.225.229   | 74.125.225.0/24     | US | arin     | 2007-03-13 | GOOGLE, US")
	if err != nil {
		panic(err)
	}
	fmt.Printf("AS%d %s %q\n", a.AS, a.Prefix, a.ASName)
	payload, err := cymru.SetFields([]byte(`{"registry":"arin","handle":"NET-74-125-0-0-1"}`), a.Fields())
	if err != nil {
		panic(err)
	}
	fmt.Println(string(payload))
	// Output:
	// AS15169 74.125.225.0/24 "GOOGLE, US"
	// {"registry":"arin","handle":"NET-74-125-0-0-1","asn_registry":"arin","asn":"15169","asn_cidr":"74.125.225.0/24","asn_country_code":"US","asn_date":"2007-03-13","asn_description":"GOOGLE, US"}
}
