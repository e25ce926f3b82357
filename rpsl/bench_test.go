package rpsl_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/ipatlas/ipatlas/rpsl"
)

// dump writes n objects shaped like a registry's split inetnum dump: 14
// attributes, one continued, one with an end-of-line comment.
func dump(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# RIPE.db.inetnum dump, synthetic\n\n")
	for i := range n {
		a, c := i>>8&0xff, i&0xff
		fmt.Fprintf(&b, "inetnum:        10.%d.%d.0 - 10.%d.%d.255\n", a, c, a, c)
		fmt.Fprintf(&b, "netname:        EXAMPLE-NET-%d\n", i)
		b.WriteString("descr:          Example Networks Ltd\n")
		b.WriteString("                Example Street 1, Exampleville\n")
		b.WriteString("country:        DE\n")
		fmt.Fprintf(&b, "org:            ORG-EX%d-RIPE\n", i%5000)
		b.WriteString("admin-c:        DUMY-RIPE\n")
		b.WriteString("tech-c:         DUMY-RIPE\n")
		b.WriteString("status:         ASSIGNED PA\n")
		b.WriteString("mnt-by:         EXAMPLE-MNT\n")
		b.WriteString("mnt-lower:      EXAMPLE-MNT\n")
		b.WriteString("created:        2008-08-14T14:54:30Z\n")
		b.WriteString("last-modified:  2019-02-01T10:11:12Z\n")
		b.WriteString("source:         RIPE # Filtered\n")
		b.WriteString("remarks:        ****************************\n\n")
	}
	return b.Bytes()
}

// BenchmarkReader reads a 10,000-object dump from memory, every object
// fully materialised.
func BenchmarkReader(b *testing.B) {
	const n = 10000
	in := dump(n)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r := rpsl.NewReader(bytes.NewReader(in), "bench")
		got := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("%d objects, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "objects/s")
}
