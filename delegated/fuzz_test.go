package delegated_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipatlas/ipatlas/delegated"
)

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(goodHead + "arin|US|asn|1|1|20200101|assigned\r\n"))
	f.Add([]byte("2|x|1|0|||\nx|*|ipv6|*|0|summary\n#\n x|CC|ipv6|::|0||reserved|\r|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		delegated.Parse(bytes.NewReader(data), "fuzz") // must not panic
		file, err := delegated.ParseWithOptions(bytes.NewReader(data), "fuzz", delegated.ParseOptions{AllowTruncated: true})
		if err != nil {
			if file != nil {
				t.Fatalf("File with error %v", err)
			}
			return
		}
		again, out := roundTrip(t, file)
		if d := sameFile(file, again); d != "" {
			t.Fatalf("Write→Parse differs in %s\ninput %q\noutput %q", d, data, out)
		}
		if _, out2 := roundTrip(t, again); !bytes.Equal(out, out2) {
			t.Fatalf("Write is not stable:\n%q\n%q", out, out2)
		}
	})
}

// benchData is a generated extended file of n records, RIPE-shaped.
func benchData(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "2|ripencc|1700000000|%d|19700101|20231114|+0100\n", n)
	fmt.Fprintf(&b, "ripencc|*|ipv4|*|%d|summary\nripencc|*|asn|*|%d|summary\nripencc|*|ipv6|*|%d|summary\n", n-2*(n/3), n/3, n/3)
	for i := range n {
		id := fmt.Sprintf("%08x-9ae3-4366-9955-724793725bb5", i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "ripencc|NL|ipv4|%d.%d.%d.0|768|20071126|allocated|%s\n", 1+i>>16, i>>8&255, i&255, id)
		case 1:
			fmt.Fprintf(&b, "ripencc|DE|asn|%d|1|19930901|allocated|%s\n", 1000+i, id)
		default:
			fmt.Fprintf(&b, "ripencc||ipv6|2a%02x:%x::|32||available|\n", i>>16&255, i&0xffff)
		}
	}
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	data := benchData(100_000)
	if _, err := delegated.Parse(bytes.NewReader(data), "bench"); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := delegated.Parse(bytes.NewReader(data), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
