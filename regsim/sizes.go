package regsim

import (
	"math/rand/v2"
	"sort"

	"github.com/ipatlas/ipatlas"
)

// sizeDist is a weighted distribution of block sizes: IPv4 sizes are address
// counts, IPv6 sizes are prefix lengths.
type sizeDist struct {
	sizes []uint64
	cum   []float64 // cumulative weights
}

func newSizeDist(weights map[uint64]float64) sizeDist {
	d := sizeDist{}
	for s := range weights {
		d.sizes = append(d.sizes, s)
	}
	sort.Slice(d.sizes, func(i, j int) bool { return d.sizes[i] < d.sizes[j] })
	total := 0.0
	for _, s := range d.sizes {
		total += weights[s]
		d.cum = append(d.cum, total)
	}
	return d
}

func (d sizeDist) draw(r *rand.Rand) uint64 {
	x := r.Float64() * d.cum[len(d.cum)-1]
	return d.sizes[sort.SearchFloat64s(d.cum, x)]
}

// ipv4Sizes are the registries' IPv4 delegation sizes, weighted by how many
// delegations of each size the registry has made. ARIN's are its real counts;
// the others follow the shape of their delegated-stats files: RIPE NCC and
// AFRINIC with many non-power-of-two sizes.
var ipv4Sizes = map[ipatlas.Registry]sizeDist{
	ipatlas.ARIN: newSizeDist(map[uint64]float64{
		256: 47324, 512: 8236, 1024: 13010, 2048: 7272, 4096: 10384, 8192: 7082,
		16384: 3696, 32768: 1986, 65536: 12618, 131072: 994, 262144: 664, 524288: 334,
		1048576: 230, 2097152: 108, 4194304: 48, 8388608: 14, 16777216: 60,
	}),
	ipatlas.RIPENCC: newSizeDist(map[uint64]float64{
		256: 9000, 512: 5200, 768: 900, 1024: 14000, 1280: 300, 1536: 400, 2048: 15000,
		2560: 120, 3072: 260, 4096: 9000, 5120: 60, 6144: 90, 8192: 8500, 12288: 70,
		16384: 3500, 24576: 40, 32768: 2200, 65536: 2600, 131072: 700, 262144: 420,
		524288: 180, 1048576: 90, 2097152: 40, 4194304: 12,
	}),
	ipatlas.APNIC: newSizeDist(map[uint64]float64{
		256: 16000, 512: 5200, 1024: 11000, 2048: 3800, 4096: 4200, 8192: 3300,
		16384: 1900, 32768: 1200, 65536: 1900, 131072: 700, 262144: 480, 524288: 260,
		1048576: 160, 2097152: 60, 4194304: 20,
	}),
	ipatlas.LACNIC: newSizeDist(map[uint64]float64{
		256: 800, 512: 300, 1024: 9500, 2048: 2300, 4096: 2700, 8192: 1500,
		16384: 900, 32768: 500, 65536: 600, 131072: 200, 262144: 120, 524288: 60,
		1048576: 30, 2097152: 10,
	}),
	ipatlas.AFRINIC: newSizeDist(map[uint64]float64{
		256: 900, 512: 250, 768: 40, 1024: 1700, 1280: 15, 1536: 20, 2048: 300,
		3072: 10, 4096: 700, 8192: 450, 16384: 300, 32768: 160, 65536: 320,
		131072: 90, 262144: 60, 524288: 30, 1048576: 20, 2097152: 6,
	}),
}

// ipv6Sizes are the registries' IPv6 delegation prefix lengths, weighted by
// the shape of their delegated-stats files (RIPE's /29 default allocation,
// ARIN's and LACNIC's many /48 direct assignments).
var ipv6Sizes = map[ipatlas.Registry]sizeDist{
	ipatlas.ARIN:    newSizeDist(map[uint64]float64{28: 300, 29: 300, 32: 4200, 36: 500, 40: 700, 44: 200, 48: 6500}),
	ipatlas.RIPENCC: newSizeDist(map[uint64]float64{26: 60, 28: 200, 29: 16000, 30: 600, 31: 500, 32: 6000, 33: 100, 48: 5000}),
	ipatlas.APNIC:   newSizeDist(map[uint64]float64{28: 150, 29: 900, 32: 7600, 33: 300, 36: 400, 40: 200, 44: 100, 48: 6500}),
	ipatlas.LACNIC:  newSizeDist(map[uint64]float64{28: 40, 32: 6300, 40: 200, 44: 80, 48: 6600}),
	ipatlas.AFRINIC: newSizeDist(map[uint64]float64{29: 50, 32: 1100, 40: 20, 44: 30, 48: 450}),
}

// alignBits is the number of low zero bits a block of size must start on:
// a power of two starts on its own size, 768 on 256.
func alignBits(size uint64) uint {
	n := uint(0)
	for size&1 == 0 && size > 1 {
		size >>= 1
		n++
	}
	return n
}
