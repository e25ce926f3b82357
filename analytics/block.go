package analytics

import (
	"fmt"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/internal/parallel"
)

// Block is a network or a delegated block, with what the figures group it
// by. Empty fields are unknown (ARIN publishes a network's country only on
// its organisation, for example) and are grouped together.
type Block struct {
	Range    ipatlas.Range
	Registry ipatlas.Registry
	Country  string // ISO 3166 code
	Holder   string // see FromRecord and FromDelegated
	Type     string // the registry's type ("ALLOCATED PA", "DIRECT ASSIGNMENT")
	Status   string // RDAP status values joined by ",", or a delegated record's status
}

// FromRecord reads a snapshot record. Its payload may be a crawled
// network's (ipatlas.NetworkRecord) or any Whip-layout object; the fields
// read are registry, country, type, status (a string or a list) and the
// holder: the payload's "org" when it has one (Whip's files do), else the
// first entity with the registrant role, nearest the top first, by its
// contact's organisation, its name, or else its handle.
func FromRecord(rec ipatlas.Record) (Block, error) {
	var d decoder
	return d.block(rec)
}

// chunk is how many records FromRecords reads in one piece of work.
const chunk = 8192

// FromRecords reads a snapshot's records as FromRecord does, side by
// side on every processor: decoding the payloads is most of the work of
// analysing a snapshot. Blocks share the strings they repeat (registries,
// countries, types, holders). The first error in record order wins.
func FromRecords(recs []ipatlas.Record) ([]Block, error) {
	out := make([]Block, len(recs))
	errs := make([]error, (len(recs)+chunk-1)/chunk)
	parallel.For(len(errs), func(c int) {
		d := decoder{strs: map[string]string{}}
		for i := c * chunk; i < min(len(recs), (c+1)*chunk) && errs[c] == nil; i++ {
			out[i], errs[c] = d.block(recs[i])
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FromDelegated reads the allocated and assigned address records of
// delegated-stats files. The holder is the record's opaque id (extended
// files only: it is all they say of the holder); the type is left empty.
// Available and reserved records hold nothing, and asn records and rows
// of registries other than the five RIRs (IANA's, the NRO's) are not
// blocks: all are left out.
func FromDelegated(files []*delegated.File) ([]Block, error) {
	var out []Block
	for _, f := range files {
		for i, rec := range f.Records {
			b, ok, err := delegatedBlock(rec)
			if err != nil {
				return nil, fmt.Errorf("%s record %d: %w", f.Name, i+1, err)
			}
			if ok {
				out = append(out, b)
			}
		}
	}
	return out, nil
}

func delegatedBlock(rec delegated.Record) (Block, bool, error) {
	if (rec.Type != "ipv4" && rec.Type != "ipv6") || (rec.Status != "allocated" && rec.Status != "assigned") {
		return Block{}, false, nil
	}
	reg, err := ipatlas.ParseRegistry(rec.Registry)
	if err != nil {
		return Block{}, false, nil
	}
	r, err := rec.Range()
	if err != nil {
		return Block{}, false, err
	}
	return Block{Range: r, Registry: reg, Country: rec.CC, Holder: rec.OpaqueID, Status: rec.Status}, true, nil
}
