package delegated

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Block is an IP block a registry's file lists, with what the record says
// of it.
type Block struct {
	Registry ipatlas.Registry
	Range    ipatlas.Range
	Status   string // allocated, assigned, available or reserved
	CC       string
	Date     time.Time // zero when the record has none
	OpaqueID string    // the holder's opaque id, in extended files
}

// Digest sums up what the record says of the block's holder (status,
// country, date, holder id): it changes when the registry re-registers or
// transfers the block, so a refresh knows which blocks to ask about first.
func (b Block) Digest() string {
	date := ""
	if !b.Date.IsZero() {
		date = b.Date.Format("20060102")
	}
	return strings.Join([]string{b.Status, b.CC, date, b.OpaqueID}, "|")
}

// Held reports whether the block is delegated to a holder (allocated or
// assigned), rather than free (available or reserved).
func (b Block) Held() bool { return b.Status == "allocated" || b.Status == "assigned" }

// Blocks reads the IP records of the files: held blocks sorted by address
// (IPv4 first) with any that overlaps an earlier one dropped and described
// in dropped, and free blocks as listed. Rows of registries other than the
// five RIRs (IANA's, the NRO's) are skipped.
func Blocks(files []*File) (held, free []Block, dropped []string, err error) {
	for _, f := range files {
		for i, rec := range f.Records {
			b, ok, err := blockOf(rec)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s record %d: %w", f.Name, i+1, err)
			}
			switch {
			case !ok:
			case b.Held():
				held = append(held, b)
			default:
				free = append(free, b)
			}
		}
	}
	held, dropped = dropOverlaps(held)
	return held, free, dropped, nil
}

func blockOf(rec Record) (Block, bool, error) {
	if rec.Type != "ipv4" && rec.Type != "ipv6" {
		return Block{}, false, nil
	}
	switch rec.Status {
	case "allocated", "assigned", "available", "reserved":
	default:
		return Block{}, false, nil
	}
	reg, err := ipatlas.ParseRegistry(rec.Registry)
	if err != nil {
		return Block{}, false, nil // IANA's or the NRO's own rows
	}
	r, err := rec.Range()
	if err != nil {
		return Block{}, false, err
	}
	date, _ := rec.Time()
	return Block{Registry: reg, Range: r, Status: rec.Status, CC: rec.CC, Date: date, OpaqueID: rec.OpaqueID}, true, nil
}

// dropOverlaps sorts blocks and keeps the first of any that overlap.
func dropOverlaps(bs []Block) ([]Block, []string) {
	sort.SliceStable(bs, func(i, j int) bool {
		a, b := bs[i].Range.From, bs[j].Range.From
		if a.Is4() != b.Is4() {
			return a.Is4()
		}
		return a.Less(b)
	})
	var dropped []string
	out := bs[:0]
	for _, b := range bs {
		if n := len(out); n > 0 && out[n-1].Range.Overlaps(b.Range) {
			dropped = append(dropped, fmt.Sprintf("%s %s overlaps %s %s", b.Registry, b.Range, out[n-1].Registry, out[n-1].Range))
			continue
		}
		out = append(out, b)
	}
	return out, dropped
}
