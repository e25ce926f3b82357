package dump_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/netip"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/rpsl"
)

// BenchmarkLoad reads the split dumps of the simulator's default world
// (about 185,000 objects, 69,000 of them networks) from files: gunzip,
// RPSL, conversion and record encoding, on every core.
func BenchmarkLoad(b *testing.B) {
	w := regsim.MustNew(regsim.Config{})
	paths, err := w.WriteDumps(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	var objects int
	for b.Loop() {
		res, err := dump.Load(context.Background(), paths, dump.Options{})
		if err != nil {
			b.Fatal(err)
		}
		objects += res.Objects
	}
	b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkNetwork turns one RIPE NCC inetnum object into a network and
// its record payload, holders resolved: the per-object work of a load
// besides reading.
func BenchmarkNetwork(b *testing.B) {
	w := regsim.MustNew(regsim.Config{IPv4: []netip.Prefix{netip.MustParsePrefix("62.0.0.0/12")}, IPv6: []netip.Prefix{}})
	objs, holders := readDump(b, w, ipatlas.RIPENCC)
	b.ReportAllocs()
	i := 0
	var buf []byte
	for b.Loop() {
		n, err := dump.Network(objs[i%len(objs)], "ripe.db.inetnum.gz", holders)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = netjson.AppendRecord(buf[:0], &n); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// readDump reads a registry's inetnum objects and its holders.
func readDump(tb testing.TB, w *regsim.World, reg ipatlas.Registry) ([]rpsl.Object, *dump.Holders) {
	tb.Helper()
	h := dump.NewHolders()
	var objs []rpsl.Object
	for _, name := range regsim.DumpFiles(reg) {
		body, err := w.Dump(reg, name)
		if err != nil {
			tb.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		r := rpsl.NewReader(zr, name)
		for {
			o, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				tb.Fatal(err)
			}
			if !h.Add(o) && o.Class() == "inetnum" {
				objs = append(objs, o)
			}
		}
	}
	return objs, h
}
