// Package delegated reads and writes the Regional Internet Registries'
// delegated-stats files (the "RIR statistics exchange format"), both the
// standard 7-column form and the extended form with an opaque-id column.
//
// That is its one job: turn the bytes a registry publishes into a [File] of
// records, and back. It does not download, merge or interpret the data.
//
// A file is "#" comments and blank lines (skipped anywhere), then one header
// line
//
//	version|registry|serial|records|startdate|enddate|UTCoffset
//
// then summary lines
//
//	registry|*|type|*|count|summary
//
// then records
//
//	registry|cc|type|start|value|date|status[|opaque-id[|extensions…]]
//
// where value is a count of ASNs for "asn", a count of addresses for "ipv4"
// (not always a power of two: RIPE NCC and AFRINIC publish 768- and
// 1280-address ranges) and a prefix length for "ipv6".
//
// The registries do not all follow the format to the letter. The deviations
// seen in real files parse without error, and each is recorded in
// [File.Quirks] so that nothing is accepted silently (see the Quirk constants):
//
//   - LACNIC's header record count and asn summary count exceed the records
//     the file really has (every standard file 2023–2026), and the IANA file
//     and NRO test excerpts have counts that do not add up either
//     ([QuirkHeaderCount], [QuirkSummaryCount]);
//   - AFRINIC writes the header start date as 00000000 and the UTC offset as
//     00000; RIPE NCC's and ARIN's extended headers start at 19700101; the
//     NRO's APNIC test excerpt leaves it empty ([QuirkStartDate],
//     [QuirkUTCOffset]);
//   - ARIN's serial is a Unix time in milliseconds, RIPE NCC's a Unix time in
//     seconds, where the others use yyyymmdd ([QuirkSerialMillis],
//     [QuirkSerialSeconds]);
//   - allocated or assigned records dated 00000000 (ARIN's early ASNs), or
//     with no country code (one APNIC assignment) ([QuirkUndated],
//     [QuirkNoCC]); available and reserved rows have neither by design;
//   - LACNIC's extended file leaves the opaque-id column out of its
//     "available" rows ([QuirkMissingOpaqueID]).
//
// A download that was cut off (the last line has no newline, and either does
// not parse or leaves the file short of the records it announces; RIPE NCC's
// cut file ends in a valid-looking record with half an opaque-id) is a
// [*TruncatedError] unless [ParseOptions.AllowTruncated] is set; either way
// the records before the cut are kept. Anything else malformed is a
// [*ParseError] naming the file, the line and the field.
package delegated

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Header is the version line. Fields are kept as written (except Records) so
// that registry-specific serials and dates survive a round trip.
type Header struct {
	Version   string // "2" or "2.3"
	Registry  string // "afrinic", …, "ripencc"; "iana" or "nro" in combined files
	Serial    string // yyyymmdd, or a Unix time in seconds (RIPE NCC) or ms (ARIN)
	Records   int    // number of records the registry says the file has
	StartDate string // yyyymmdd, possibly 00000000, 19700101 or empty
	EndDate   string // yyyymmdd
	UTCOffset string // +hhmm or -hhmm; AFRINIC writes 00000
}

// Record is one delegation line. Strings are kept exactly as written so that
// Write reproduces them; use Range, Prefixes and Time for parsed values.
type Record struct {
	Registry   string   // as written in the file ("ripencc", "arin", "iana")
	CC         string   // ISO 3166 code, "ZZ", or empty (reserved/available rows)
	Type       string   // "asn", "ipv4", "ipv6"
	Start      string   // first ASN or address, as written
	Value      uint64   // ASN count, IPv4 address count, or IPv6 prefix length
	Date       string   // yyyymmdd as written, may be "" or "00000000"
	Status     string   // allocated, assigned, available, reserved (ietf, iana in IANA's file)
	OpaqueID   string   // extended format: the holder's opaque id, may be ""
	Extensions []string // fields after the opaque id (IANA's file has one); nil when none
}

// File is a parsed delegated-stats file.
type File struct {
	Name      string         // name used in errors (base file name for ParseFile)
	Header    Header         // the version line
	Summaries map[string]int // summary count by type ("asn", "ipv4", "ipv6"); never nil after Parse
	// SummaryOrder is the order the summary lines came in (LACNIC writes
	// ipv4, ipv6, asn; RIPE NCC ipv4, asn, ipv6), so Write can keep it.
	SummaryOrder []string
	Records      []Record // in file order
	// Extended is set when any record has the opaque-id column; Write then
	// writes that column for every record.
	Extended bool
	// Quirks lists deviations from the format that were tolerated, one
	// "code: detail" string each; test them with HasQuirk.
	Quirks []string
}

// Quirk codes: the part of a File.Quirks entry before ": ".
const (
	QuirkHeaderCount     = "header-count"      // header record count ≠ records in the file
	QuirkSummaryCount    = "summary-count"     // a summary count ≠ records of that type (or summary missing)
	QuirkStartDate       = "start-date"        // header start date 00000000, 19700101 or empty
	QuirkEndDate         = "end-date"          // header end date 00000000 or empty
	QuirkUTCOffset       = "utc-offset"        // header UTC offset not ±hhmm (AFRINIC: 00000)
	QuirkSerialSeconds   = "serial-seconds"    // serial is a Unix time in seconds (RIPE NCC)
	QuirkSerialMillis    = "serial-millis"     // serial is a Unix time in milliseconds (ARIN)
	QuirkUndated         = "undated"           // allocated/assigned records dated 00000000 or ""
	QuirkNoCC            = "no-cc"             // allocated/assigned records without a country code
	QuirkMissingOpaqueID = "missing-opaque-id" // extended file with 7-field records (LACNIC)
	QuirkTruncated       = "truncated"         // last line cut off (only with AllowTruncated)
)

// HasQuirk reports whether f.Quirks has an entry with the given code.
func (f *File) HasQuirk(code string) bool {
	for _, q := range f.Quirks {
		if strings.HasPrefix(q, code+":") {
			return true
		}
	}
	return false
}

// ErrNotAddress is wrapped by Range and Prefixes for asn records.
var ErrNotAddress = errors.New("not an address record")

// Range is the address range the record covers: start..start+value-1 for
// ipv4 (which need not be CIDR-aligned), start/value for ipv6.
func (r Record) Range() (ipatlas.Range, error) {
	if r.Type != "ipv4" && r.Type != "ipv6" {
		return ipatlas.Range{}, fmt.Errorf("delegated: %s record %s: %w", r.Type, r.Start, ErrNotAddress)
	}
	a, err := netip.ParseAddr(r.Start)
	if err != nil {
		return ipatlas.Range{}, fmt.Errorf("delegated: record start: %w", err)
	}
	if r.Type == "ipv4" {
		if !a.Is4() || r.Value == 0 || uint64(v4Uint(a))+r.Value-1 > math.MaxUint32 {
			return ipatlas.Range{}, fmt.Errorf("delegated: %s + %d addresses is not an IPv4 range", r.Start, r.Value)
		}
		return ipatlas.NewRange(a, v4Addr(v4Uint(a)+uint32(r.Value-1)))
	}
	p, err := v6Prefix(a, r.Value)
	if err != nil {
		return ipatlas.Range{}, fmt.Errorf("delegated: %s/%d: %w", r.Start, r.Value, err)
	}
	return ipatlas.PrefixRange(p), nil
}

// Prefixes is the exact CIDR cover of Range, in address order: 768
// addresses at 193.0.0.0 are 193.0.0.0/23 and 193.0.2.0/24.
func (r Record) Prefixes() ([]netip.Prefix, error) {
	rg, err := r.Range()
	if err != nil {
		return nil, err
	}
	return rg.Prefixes(), nil
}

// ASNs is the inclusive range of AS numbers an asn record covers.
func (r Record) ASNs() (first, last uint32, err error) {
	if r.Type != "asn" {
		return 0, 0, fmt.Errorf("delegated: %s record is not an asn record", r.Type)
	}
	first, msg := asnRange(r.Start, r.Value)
	if msg != "" {
		return 0, 0, fmt.Errorf("delegated: asn %s+%d: %s", r.Start, r.Value, msg)
	}
	return first, first + uint32(r.Value-1), nil
}

// Time is the record's date at midnight UTC. ok is false when the date is
// empty, 00000000 (both used for "unknown"), or not a calendar date. The
// header's UTC offset is deliberately not applied: a date is a day, not an
// instant.
func (r Record) Time() (t time.Time, ok bool) {
	if r.Date == "" || r.Date == "00000000" {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", r.Date)
	return t, err == nil
}

func v4Uint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func v4Addr(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// v6Prefix checks that a/bits is an IPv6 prefix with no host bits set.
func v6Prefix(a netip.Addr, bits uint64) (netip.Prefix, error) {
	if !a.Is6() || a.Zone() != "" {
		return netip.Prefix{}, errors.New("not an IPv6 address")
	}
	if bits > 128 {
		return netip.Prefix{}, errors.New("prefix length over 128")
	}
	p := netip.PrefixFrom(a, int(bits))
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("start is not aligned to /%d", bits)
	}
	return p, nil
}
