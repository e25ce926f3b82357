package whipfile_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ipatlas/ipatlas/whipfile"
)

// BenchmarkRead reads a file shaped like gen_ranges.py's: 100,000 IPv4
// ranges with registry, country, asn, org and cidr.
func BenchmarkRead(b *testing.B) {
	var in bytes.Buffer
	for i := range 100_000 {
		a, c := i>>8, i&0xff
		fmt.Fprintf(&in, `{"begin":"%d.%d.%d.0","end":"%d.%d.%d.255","datetime":"2024-01-01","registry":"ripencc","country":"NL","asn":%d,"org":"Apex Fiber Networks B.V.","cidr":"%d.%d.%d.0/24"}`+"\n",
			1+a>>8, a&0xff, c, 1+a>>8, a&0xff, c, 64000+i%1000, 1+a>>8, a&0xff, c)
	}
	data := in.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := whipfile.Read("bench", bytes.NewReader(data))
		if err != nil || len(f.Records) != 100_000 {
			b.Fatal(len(f.Records), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100_000), "ns/line")
}
