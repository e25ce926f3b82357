package mmdb_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/mmdb"
	"github.com/oschwald/maxminddb-golang/v2"
)

// A snapshot of an allocation and an assignment nested in it, written as an
// MMDB and looked up with maxminddb-golang: each address finds the most
// specific network holding it.
func ExampleWrite() {
	records := []ipatlas.Record{
		{Range: ipatlas.PrefixRange(netip.MustParsePrefix("193.0.0.0/21")),
			Payload: []byte(`{"registry":"ripencc","name":"RIPE-NCC","country":"NL"}`)},
		{Range: ipatlas.PrefixRange(netip.MustParsePrefix("193.0.6.0/24")),
			Payload: []byte(`{"registry":"ripencc","name":"RIPE-NCC-SERVICES","country":"NL","asn":"3333"}`)},
	}
	var buf bytes.Buffer
	if _, err := mmdb.Write(context.Background(), &buf, records, mmdb.Config{}); err != nil {
		panic(err)
	}
	db, err := maxminddb.OpenBytes(buf.Bytes())
	if err != nil {
		panic(err)
	}
	for _, a := range []string{"193.0.1.1", "193.0.6.139", "193.0.8.1"} {
		var rec mmdb.Record
		res := db.Lookup(netip.MustParseAddr(a))
		if err := res.Decode(&rec); err != nil {
			panic(err)
		}
		fmt.Printf("%s: %v %q AS%d %s-%s\n", a, res.Found(), rec.Name, rec.ASN, rec.Begin, rec.End)
	}
	// Output:
	// 193.0.1.1: true "RIPE-NCC" AS0 193.0.0.0-193.0.7.255
	// 193.0.6.139: true "RIPE-NCC-SERVICES" AS3333 193.0.6.0-193.0.6.255
	// 193.0.8.1: false "" AS0 -
}
