package index_test

import (
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
)

// smallIndex builds a seeded world's index and returns its bytes.
func smallIndex(t testing.TB, seed uint64) (string, []byte) {
	w := randomWorld(rand.New(rand.NewPCG(seed, 1)), 3, 20)
	path := filepath.Join(t.TempDir(), "small.index")
	if _, err := index.Build(path, index.FromTimeline(w.timeline(t))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func writeFile(t testing.TB, data []byte) string {
	path := filepath.Join(t.TempDir(), "x.index")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRefusesWhatIsNotAnIndex(t *testing.T) {
	_, good := smallIndex(t, 1)
	le32 := func(b []byte, off int, v uint32) []byte {
		b = append([]byte(nil), b...)
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		return b
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, "invalid argument"},
		"not an index":  {[]byte(strings.Repeat("begin,end\n", 100)), "no index header"},
		"truncated":     {good[:len(good)-8], "truncated"},
		"newer version": {le32(good, 8, 99), "format version 99"},
		"section past the end": {func() []byte {
			b := append([]byte(nil), good...)
			b[40+16*9+8] = 0xff // records' length
			b[40+16*9+9] = 0xff
			b[40+16*9+10] = 0xff
			return b
		}(), "out of the file"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := writeFile(t, c.data)
			ix, err := index.Open(path)
			if err == nil {
				ix.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q: want the path and %q", err, c.want)
			}
		})
	}
	if _, err := index.Open(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	_, good := smallIndex(t, 2)
	ix, err := index.Open(writeFile(t, good))
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Verify(); err != nil {
		t.Fatalf("a fresh index: %v", err)
	}
	ix.Close()
	// One flipped bit anywhere past the header is a checksum mismatch.
	for _, off := range []int{256, len(good) / 2, len(good) - 1} {
		b := append([]byte(nil), good...)
		b[off] ^= 0x10
		if err := openAndVerify(t, b); err == nil || !errors.Is(err, index.ErrFormat) {
			t.Fatalf("bit flipped at %d: %v", off, err)
		}
	}
	// Damage with a matching checksum is still found by the structure
	// checks: point the first IPv4 segment's latest reference elsewhere.
	b := append([]byte(nil), good...)
	latest := int(le64(b[40+16*3:]))
	b[latest] ^= 0x01
	putCRC(b)
	if err := openAndVerify(t, b); err == nil || !strings.Contains(err.Error(), "segment 0") {
		t.Fatalf("latest reference changed: %v", err)
	}
}

func le64(b []byte) uint64 {
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

func putCRC(b []byte) {
	sum := crc32.Checksum(b[256:], crc32.MakeTable(crc32.Castagnoli))
	b[24], b[25], b[26], b[27] = byte(sum), byte(sum>>8), byte(sum>>16), byte(sum>>24)
}

func openAndVerify(t testing.TB, data []byte) error {
	ix, err := index.Open(writeFile(t, data))
	if err != nil {
		return err
	}
	defer ix.Close()
	return ix.Verify()
}

func TestEmptyHistoryFindsNothing(t *testing.T) {
	ix := build(t, &world{})
	if err := ix.Verify(); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"0.0.0.0", "1.2.3.4", "::", "2001:db8::1"} {
		addr := netip.MustParseAddr(a)
		if ix.Latest(addr).Found() || ix.At(addr, time.Now()).Found() || len(ix.History(addr, nil)) != 0 {
			t.Fatalf("%s found in an empty index", a)
		}
	}
	if ix.Latest(netip.Addr{}).Found() {
		t.Fatal("the zero address found")
	}
}

func TestBuildRefusesACorruptHistory(t *testing.T) {
	r := ipatlas.Range{From: netip.MustParseAddr("10.0.0.0"), To: netip.MustParseAddr("10.0.0.255")}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string][]history.Op{
		"removes what is not there": {{Range: r}},
		"payload not an object":     {{Range: r, Payload: []byte(`"x"`)}},
	}
	for name, ops := range cases {
		path := filepath.Join(t.TempDir(), "x.index")
		_, err := index.Build(path, index.FromTimeline([]history.Stored{{Snapshot: ipatlas.Snapshot{ID: 1, At: at, Datetime: "2024-01-01"}, Ops: ops}}))
		if !errors.Is(err, history.ErrCorrupt) || !strings.Contains(err.Error(), "10.0.0.0") {
			t.Errorf("%s: %v", name, err)
		}
		if _, serr := os.Stat(path); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("%s: a file was left at %s", name, path)
		}
	}
}

func TestRebuildKeepsOpenReadersWorking(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	w := randomWorld(rng, 2, 20)
	path := filepath.Join(t.TempDir(), "live.index")
	if _, err := index.Build(path, index.FromTimeline(w.timeline(t))); err != nil {
		t.Fatal(err)
	}
	old, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	probes := w.probes(rng)
	before := map[netip.Addr]string{}
	for _, a := range probes {
		before[a] = string(old.Latest(a).Record())
	}
	if _, err := index.Build(path, index.FromTimeline(randomWorld(rng, 3, 30).timeline(t))); err != nil {
		t.Fatal(err)
	}
	for _, a := range probes {
		if got := string(old.Latest(a).Record()); got != before[a] {
			t.Fatalf("%s changed under an open reader: %q, was %q", a, got, before[a])
		}
	}
}

// FuzzOpen feeds damaged index files to Open, the lookups and Verify: an
// error is fine, a panic or a read out of bounds is not. Each input is a
// list of edits (4-byte offset, byte to xor) to one good file, whose
// checksum is then fixed so the damage reaches the structure checks.
func FuzzOpen(f *testing.F) {
	_, good := smallIndex(f, 4)
	f.Add([]byte{0x2c, 0x01, 0, 0, 1})
	f.Add([]byte{0x40, 0, 0, 0, 0x80, 0x10, 0x01, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, edits []byte) {
		b := append([]byte(nil), good...)
		for ; len(edits) >= 5; edits = edits[5:] {
			off := int(uint32(edits[0]) | uint32(edits[1])<<8 | uint32(edits[2])<<16 | uint32(edits[3])<<24)
			b[off%len(b)] ^= edits[4]
		}
		putCRC(b)
		ix, err := index.Open(writeFile(t, b))
		if err != nil {
			return
		}
		defer ix.Close()
		_ = ix.Verify()
		for _, a := range []string{"0.0.0.0", "0.0.0.60", "10.0.0.7", "255.255.255.255", "::", "2001:db8::9", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} {
			addr := netip.MustParseAddr(a)
			h := ix.Latest(addr)
			_, _ = h.Record(), h.Parents(nil)
			_ = ix.At(addr, time.Date(2024, 1, 9, 0, 0, 0, 0, time.UTC)).Record()
			for _, v := range ix.History(addr, nil) {
				_ = v.Record()
			}
		}
	})
}
