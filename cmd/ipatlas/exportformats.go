package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/flat"
	"github.com/ipatlas/ipatlas/mmdb"
)

const exportAbout = `Export a snapshot of the history: the latest, or the one --at names. From a
PostgreSQL database (a fleet's), export its latest run's networks; so does an
embedded database whose first crawl has made no snapshot yet.

--format jsonl writes one JSON object per network in Whip's layout
({"begin", "end", "datetime", …}, the snapshot's datetime on every line, the
fields as the history keeps them), IPv4 before IPv6, a network before the
networks nested in it: 'ipatlas load' of the file gives back the snapshot.

--format csv writes one row per network, in the same order, with the header
  ` + csvHeader + `
prefixes are the range split exactly into CIDR blocks; status, prefixes and
origin_as are lists joined with ","; holder is the registrant's organisation
or name (a loaded range's "org"); abuse_email the abuse contact's first
mailbox; registered and last_changed the events' dates; the asn_* columns
are those of 'enrich asn' as it wrote them (NA: no route). RFC 4180 quoting.

--format mmdb writes a MaxMind DB (IPv4 and IPv6 in one file) in which every
address finds the most specific network holding it, with the fields above
but prefixes (asn a number, NA left out); docs/mmdb.md documents its record.

The output is written whole or not at all: a failed export leaves no file.
Exit status: 2 for usage (a bad flag, format or --at), 1 for the rest.`

// csvColumns are the CSV export's columns, each with how a record fills
// it.
var csvColumns = []struct {
	name  string
	value func(r ipatlas.Record, f *flat.Fields) string
}{
	{"begin", func(r ipatlas.Record, _ *flat.Fields) string { return r.Range.From.String() }},
	{"end", func(r ipatlas.Record, _ *flat.Fields) string { return r.Range.To.String() }},
	{"prefixes", func(r ipatlas.Record, _ *flat.Fields) string { return joinPrefixes(r.Range.Prefixes()) }},
	{"registry", func(_ ipatlas.Record, f *flat.Fields) string { return f.Registry }},
	{"handle", func(_ ipatlas.Record, f *flat.Fields) string { return f.Handle }},
	{"name", func(_ ipatlas.Record, f *flat.Fields) string { return f.Name }},
	{"country", func(_ ipatlas.Record, f *flat.Fields) string { return f.Country }},
	{"type", func(_ ipatlas.Record, f *flat.Fields) string { return f.Type }},
	{"status", func(_ ipatlas.Record, f *flat.Fields) string { return strings.Join(f.Status, ",") }},
	{"holder", func(_ ipatlas.Record, f *flat.Fields) string { return f.Holder }},
	{"abuse_email", func(_ ipatlas.Record, f *flat.Fields) string { return f.AbuseEmail }},
	{"registered", func(_ ipatlas.Record, f *flat.Fields) string { return f.Registered }},
	{"last_changed", func(_ ipatlas.Record, f *flat.Fields) string { return f.LastChanged }},
	{"parent_handle", func(_ ipatlas.Record, f *flat.Fields) string { return f.ParentHandle }},
	{"origin_as", func(_ ipatlas.Record, f *flat.Fields) string { return joinASes(f.OriginAS) }},
	{"asn", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASN }},
	{"asn_cidr", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASNCIDR }},
	{"asn_description", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASNDescription }},
	{"asn_country_code", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASNCountryCode }},
	{"asn_registry", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASNRegistry }},
	{"asn_date", func(_ ipatlas.Record, f *flat.Fields) string { return f.ASNDate }},
}

// csvHeader is the header row, for the help; a test holds it to the
// columns.
const csvHeader = "begin,end,prefixes,registry,handle,name,country,type,status,holder,abuse_email,registered,last_changed," +
	"parent_handle,origin_as,asn,asn_cidr,asn_description,asn_country_code,asn_registry,asn_date"

// writeCSV writes the header and a row per record.
func writeCSV(ctx context.Context, store *database, src exportSource, w io.Writer) (int, error) {
	cw := csv.NewWriter(w)
	row := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		row[i] = c.name
	}
	if err := cw.Write(row); err != nil {
		return 0, err
	}
	n := 0
	err := src.each(ctx, store, func(r ipatlas.Record) error {
		f, err := flat.Read(r.Payload)
		if err != nil {
			return fmt.Errorf("record %s: %w", r.Range, err)
		}
		for i, c := range csvColumns {
			row[i] = c.value(r, &f)
		}
		n++
		return cw.Write(row)
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

func joinPrefixes(ps []netip.Prefix) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.AppendTo(b)
	}
	return string(b)
}

func joinASes(ases []uint32) string {
	var b []byte
	for i, as := range ases {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(as), 10)
	}
	return string(b)
}

// writeMMDB writes the source as a MaxMind DB. The file of a snapshot is
// built at the snapshot's moment, so exporting it again gives the same
// bytes.
func writeMMDB(ctx context.Context, store *database, src exportSource, w io.Writer) (string, error) {
	records := src.records
	if src.fromRun {
		err := src.each(ctx, store, func(r ipatlas.Record) error {
			records = append(records, r)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	// The tree is most of the heap and stays live to the end: at the
	// default pace the last collections re-mark all of it, a second or
	// more of CPU that frees little. Collecting half as often saves most
	// of that for ~15% more memory at the peak (bench/mmdb).
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	st, err := mmdb.Write(ctx, w, records, mmdb.Config{Description: "ipatlas: " + src.about, BuildTime: src.at})
	if err != nil {
		return "", err
	}
	about := fmt.Sprintf("%d networks as %d prefixes, %.1f MiB", st.Records, st.Prefixes, float64(st.Bytes)/(1<<20))
	if st.Skipped > 0 {
		about += fmt.Sprintf("; %d IPv6 networks left out, wholly where lookups answer from IPv4 data (docs/mmdb.md)", st.Skipped)
	}
	return about, nil
}
