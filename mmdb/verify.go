package mmdb

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"reflect"
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/oschwald/maxminddb-golang/v2"
)

// Verify reads a file Write made of records back, all of it, and checks
// that every address finds what Write promises: every network in the file
// lies where its record is the most specific (the last in
// ipatlas.CompareRecords order to hold it) and holds that record, field
// for field; the networks cover exactly the addresses some record holds;
// and lookups of the first and last address of every stretch of one
// record, or of none, find it, or nothing. Addresses that answer from the
// IPv4 data (AnswersFromIPv4) are not IPv6 records'.
func Verify(db *maxminddb.Reader, records []ipatlas.Record) error {
	v := verifier{db: db, records: sorted(records), checked: map[uintptr]int{}}
	v.index = make(map[ipatlas.Range]int, len(v.records))
	for i, r := range v.records {
		v.index[r.Range] = i
	}
	v.segs = [2][]segment{owners(v.records, true), owners(v.records, false)}
	if err := v.networks(); err != nil {
		return err
	}
	return v.lookups()
}

// segment is a stretch of one family's space where the same record is the
// most specific. It runs from from to the next segment's start (or the
// family's last address). owner is the record's index, none where no
// record holds the stretch, or fromIPv4 where lookups answer from the
// IPv4 data.
type segment struct {
	from  netip.Addr
	owner int
}

const (
	none     = -1
	fromIPv4 = -2
)

// owners cuts a family's space into segments, by the slow, plain way:
// at every range's first address and after its last, the owner is the
// last record pushed that is still open.
func owners(records []ipatlas.Record, is4 bool) []segment {
	zero := netip.IPv6Unspecified()
	var bounds []netip.Addr
	if is4 {
		zero = netip.IPv4Unspecified()
	} else {
		for _, t := range ipv4Tree {
			bounds = append(bounds, t.From, t.To.Next())
		}
	}
	bounds = append(bounds, zero)
	for _, r := range records {
		if r.Range.Is4() == is4 {
			bounds = append(bounds, r.Range.From)
			if next := r.Range.To.Next(); next.IsValid() {
				bounds = append(bounds, next)
			}
		}
	}
	slices.SortFunc(bounds, netip.Addr.Compare)
	bounds = slices.Compact(bounds)
	segs := make([]segment, len(bounds))
	var open []int
	k := firstOf(records, is4)
	for i, b := range bounds {
		for ; k < len(records) && records[k].Range.Is4() == is4 && records[k].Range.From == b; k++ {
			open = append(open, k)
		}
		for len(open) > 0 && records[open[len(open)-1]].Range.To.Less(b) {
			open = open[:len(open)-1]
		}
		segs[i] = segment{from: b, owner: none}
		switch {
		case !is4 && AnswersFromIPv4(b):
			segs[i].owner = fromIPv4
		case len(open) > 0:
			segs[i].owner = open[len(open)-1]
		}
	}
	return segs
}

// firstOf is the index of the family's first record: IPv4 sort first.
func firstOf(records []ipatlas.Record, is4 bool) int {
	if is4 {
		return 0
	}
	if i := slices.IndexFunc(records, func(r ipatlas.Record) bool { return !r.Range.Is4() }); i >= 0 {
		return i
	}
	return len(records)
}

// verifier is one Verify's state.
type verifier struct {
	db      *maxminddb.Reader
	records []ipatlas.Record
	index   map[ipatlas.Range]int
	segs    [2][]segment    // IPv4, IPv6
	checked map[uintptr]int // record index by data offset: a record is shared by its prefixes
}

func (v *verifier) family(is4 bool) []segment {
	if is4 {
		return v.segs[0]
	}
	return v.segs[1]
}

// networks checks every network the file holds, and that together they
// cover what the records own.
func (v *verifier) networks() error {
	var covered, owned [2]big.Int
	for res := range v.db.Networks() {
		if err := res.Err(); err != nil {
			return fmt.Errorf("reading the networks: %w", err)
		}
		p := res.Prefix()
		k, err := v.recordOf(res)
		if err != nil {
			return fmt.Errorf("network %s: %w", p, err)
		}
		if err := v.within(p, k); err != nil {
			return err
		}
		covered[famIndex(p.Addr().Is4())].Add(&covered[famIndex(p.Addr().Is4())], ipatlas.PrefixRange(p).Size())
	}
	for f, is4 := range []bool{true, false} {
		v.ownedSize(is4, &owned[f])
		if covered[f].Cmp(&owned[f]) != 0 {
			return fmt.Errorf("the IPv%d networks cover %s addresses; the records own %s", 4+2*f, &covered[f], &owned[f])
		}
	}
	return nil
}

func famIndex(is4 bool) int {
	if is4 {
		return 0
	}
	return 1
}

// within checks that every segment a network overlaps is its record's.
func (v *verifier) within(p netip.Prefix, k int) error {
	segs := v.family(p.Addr().Is4())
	last := ipatlas.LastAddr(p)
	i, found := slices.BinarySearchFunc(segs, p.Addr(), func(s segment, a netip.Addr) int { return s.from.Compare(a) })
	if !found {
		i--
	}
	for ; i < len(segs) && !last.Less(segs[i].from); i++ {
		if segs[i].owner != k {
			return fmt.Errorf("network %s holds %s, but %s belongs to %s", p, v.records[k].Range, segs[i].from, v.ownerName(segs[i].owner))
		}
	}
	return nil
}

func (v *verifier) ownerName(owner int) string {
	switch owner {
	case none:
		return "no record"
	case fromIPv4:
		return "the IPv4 data"
	}
	return v.records[owner].Range.String()
}

// ownedSize adds up the addresses some record owns.
func (v *verifier) ownedSize(is4 bool, sum *big.Int) {
	segs := v.family(is4)
	for i, s := range segs {
		if s.owner < 0 {
			continue
		}
		last := ipatlas.LastAddr(netip.PrefixFrom(s.from, 0))
		if i+1 < len(segs) {
			last = segs[i+1].from.Prev()
		}
		sum.Add(sum, ipatlas.Range{From: s.from, To: last}.Size())
	}
}

// lookups looks up the first and last address of every segment.
func (v *verifier) lookups() error {
	for _, is4 := range []bool{true, false} {
		segs := v.family(is4)
		for i, s := range segs {
			if s.owner == fromIPv4 {
				continue
			}
			last := ipatlas.LastAddr(netip.PrefixFrom(s.from, 0))
			if i+1 < len(segs) {
				last = segs[i+1].from.Prev()
			}
			for _, a := range []netip.Addr{s.from, last} {
				if err := v.lookup(a, s.owner); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// lookup checks what a lookup of a finds: the owner's record, or nothing.
func (v *verifier) lookup(a netip.Addr, owner int) error {
	res := v.db.Lookup(a)
	if owner == none {
		if res.Found() || res.Err() != nil {
			return fmt.Errorf("lookup %s: found %v (%v), want nothing", a, res.Prefix(), res.Err())
		}
		return nil
	}
	if !res.Found() {
		return fmt.Errorf("lookup %s: found nothing (%v), want %s", a, res.Err(), v.records[owner].Range)
	}
	k, err := v.recordOf(res)
	if err != nil || k != owner {
		return fmt.Errorf("lookup %s: found %v (%v), want %s", a, res.Prefix(), err, v.records[owner].Range)
	}
	return nil
}

// recordOf decodes a result's record, checks it field for field against
// the record of the range it names, and returns that record's index.
func (v *verifier) recordOf(res maxminddb.Result) (int, error) {
	if k, ok := v.checked[res.Offset()]; ok {
		return k, nil
	}
	var got Record
	if err := res.Decode(&got); err != nil {
		return 0, err
	}
	rng, err := ipatlas.ParseRange(got.Begin + " - " + got.End)
	if err != nil {
		return 0, fmt.Errorf("record of %q - %q: %w", got.Begin, got.End, err)
	}
	k, ok := v.index[rng]
	if !ok {
		return 0, fmt.Errorf("record of %s, which no input record has", rng)
	}
	want, err := NewRecord(v.records[k])
	if err != nil {
		return 0, err
	}
	if !reflect.DeepEqual(got, want) {
		return 0, fmt.Errorf("%w: %+v, want %+v", errMismatch, got, want)
	}
	v.checked[res.Offset()] = k
	return k, nil
}

var errMismatch = errors.New("record differs")
