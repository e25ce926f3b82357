package analytics_test

import (
	"fmt"
	"maps"
	"math/big"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/analytics"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/shareddata"
)

// recount is what a plain loop over a delegated file's records finds.
type recount struct {
	blocks    [2]int
	addresses [2]*big.Int
	sizes     [2]map[string]int // "registry /len", per family
	countries map[string]int    // IPv4 blocks per country
	nonCIDR   int
}

// recountFile counts the file's allocated and assigned address records
// one by one, cutting IPv4 ranges into prefixes by hand: the largest
// power of two the start is aligned to that still fits.
func recountFile(t *testing.T, f *delegated.File) recount {
	rc := recount{addresses: [2]*big.Int{new(big.Int), new(big.Int)}, sizes: [2]map[string]int{{}, {}}, countries: map[string]int{}}
	var spans [][2]uint64
	for _, r := range f.Records {
		if (r.Type != "ipv4" && r.Type != "ipv6") || (r.Status != "allocated" && r.Status != "assigned") {
			continue
		}
		if _, err := ipatlas.ParseRegistry(r.Registry); err != nil {
			continue
		}
		a := netip.MustParseAddr(r.Start)
		if r.Type == "ipv6" {
			rc.blocks[1]++
			rc.addresses[1].Add(rc.addresses[1], new(big.Int).Lsh(big.NewInt(1), uint(128-r.Value)))
			rc.sizes[1][fmt.Sprintf("%s /%d", r.Registry, r.Value)]++
			continue
		}
		b := a.As4()
		start := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		spans = append(spans, [2]uint64{start, start + r.Value})
		rc.blocks[0]++
		rc.countries[r.CC]++
		rc.addresses[0].Add(rc.addresses[0], new(big.Int).SetUint64(r.Value))
		n := 0
		for cur, left := start, r.Value; left > 0; n++ {
			size := uint64(1) << 32
			for cur%size != 0 || size > left {
				size /= 2
			}
			bits := 32
			for s := size; s > 1; s /= 2 {
				bits--
			}
			rc.sizes[0][fmt.Sprintf("%s /%d", r.Registry, bits)]++
			cur, left = cur+size, left-size
		}
		if n > 1 {
			rc.nonCIDR++
		}
	}
	slices.SortFunc(spans, func(x, y [2]uint64) int { return int(x[0]) - int(y[0]) })
	for i := 1; i < len(spans); i++ {
		if spans[i][0] < spans[i-1][1] {
			t.Fatalf("%s: IPv4 records overlap at %d: the recount adds them up, so it needs a file without overlaps", f.Name, spans[i][0])
		}
	}
	return rc
}

// TestRealDelegatedFiles analyses each real registry file and checks its
// figures against a recount of the file's records.
func TestRealDelegatedFiles(t *testing.T) {
	t.Parallel()
	dir := shareddata.Dir(t, "delegated")
	paths, err := filepath.Glob(filepath.Join(dir, "delegated-*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no delegated files in %s (%v)", dir, err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			// The cut file keeps its records before the cut.
			f, err := delegated.ParseFileWithOptions(path, delegated.ParseOptions{AllowTruncated: true})
			if err != nil {
				t.Fatal(err)
			}
			checkRealFile(t, f)
		})
	}
}

func checkRealFile(t *testing.T, f *delegated.File) {
	blocks, err := analytics.FromDelegated([]*delegated.File{f})
	if err != nil {
		t.Fatal(err)
	}
	r := analytics.Analyze(blocks, analytics.Options{Top: 1})
	want := recountFile(t, f)
	for i, fam := range []analytics.Family{r.IPv4, r.IPv6} {
		all := fam.Addresses.Big()
		all.Add(all, fam.Outside.Big())
		if fam.Networks != want.blocks[i] || fam.TopLevel != want.blocks[i] || all.Cmp(want.addresses[i]) != 0 {
			t.Errorf("IPv%d: %d networks, %d top level, %s addresses (+ outside); recount: %d records, %s addresses",
				[]int{4, 6}[i], fam.Networks, fam.TopLevel, all, want.blocks[i], want.addresses[i])
		}
		if got := sizesOf(fam.Sizes); !maps.Equal(got, want.sizes[i]) {
			t.Errorf("IPv%d sizes differ from the recount:\n got %v\nwant %v", []int{4, 6}[i], got, want.sizes[i])
		}
	}
	if r.IPv4.NonCIDR != want.nonCIDR {
		t.Errorf("non-CIDR %d, recount %d", r.IPv4.NonCIDR, want.nonCIDR)
	}
	checkTopCountry(t, r.IPv4.Countries.ByCount, want.countries)
	t.Logf("%s: IPv4 %d blocks, %s addresses (%.2f%% of the space), %d gaps; IPv6 %d blocks", f.Name,
		r.IPv4.TopLevel, r.IPv4.Addresses, r.IPv4.Percent, r.IPv4.Gaps.Count, r.IPv6.TopLevel)
}

func sizesOf(ss []analytics.Size) map[string]int {
	out := map[string]int{}
	for _, s := range ss {
		out[fmt.Sprintf("%s /%d", s.Registry, s.Bits)] = s.Prefixes
	}
	return out
}

// checkTopCountry: the country with most IPv4 blocks (any of them, on a
// tie) has the recount's largest count.
func checkTopCountry(t *testing.T, top []analytics.Tally, want map[string]int) {
	t.Helper()
	most := 0
	for _, n := range want {
		most = max(most, n)
	}
	if most > 0 && (len(top) != 1 || top[0].Blocks != most || want[top[0].Key] != most) {
		t.Errorf("top country by count: %+v; the recount's most is %d", top, most)
	}
}
