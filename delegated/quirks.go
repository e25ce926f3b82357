package delegated

import (
	"fmt"
	"strconv"
	"time"
)

// addQuirks records every tolerated deviation. All but QuirkMissingOpaqueID
// and QuirkTruncated follow from the File's contents alone, so a File that
// Write wrote re-parses with the same quirks.
func (p *parser) addQuirks() {
	f := p.f
	add := func(code, format string, args ...any) {
		f.Quirks = append(f.Quirks, code+": "+fmt.Sprintf(format, args...))
	}
	counts := countTypes(f.Records)
	if n := len(f.Records); n != f.Header.Records {
		add(QuirkHeaderCount, "header says %d records, file has %d", f.Header.Records, n)
	}
	for i, t := range types {
		s, ok := f.Summaries[t]
		switch {
		case ok && s != counts[i]:
			add(QuirkSummaryCount, "%s summary says %d, file has %d %s records", t, s, counts[i], t)
		case !ok && counts[i] > 0:
			add(QuirkSummaryCount, "no %s summary line for %d %s records", t, counts[i], t)
		}
	}
	p.headerQuirks(add)
	undated, noCC := 0, 0
	for i := range f.Records {
		r := &f.Records[i]
		if r.Status != "allocated" && r.Status != "assigned" {
			continue
		}
		if r.Date == "" || r.Date == "00000000" {
			undated++
		}
		if r.CC == "" {
			noCC++
		}
	}
	if undated > 0 {
		add(QuirkUndated, "%d allocated or assigned records dated 00000000 or undated", undated)
	}
	if noCC > 0 {
		add(QuirkNoCC, "%d allocated or assigned records without a country code", noCC)
	}
	if f.Extended && p.seven > 0 {
		add(QuirkMissingOpaqueID, "%d records of an extended file lack the opaque-id column", p.seven)
	}
}

func (p *parser) headerQuirks(add func(code, format string, args ...any)) {
	h := p.f.Header
	switch h.StartDate {
	case "", "00000000":
		add(QuirkStartDate, "header start date is %q", h.StartDate)
	case "19700101":
		add(QuirkStartDate, "header start date is the Unix epoch 19700101, not the earliest record's date")
	}
	if h.EndDate == "" || h.EndDate == "00000000" {
		add(QuirkEndDate, "header end date is %q", h.EndDate)
	}
	if !isOffset(h.UTCOffset) {
		add(QuirkUTCOffset, "header UTC offset %q is not ±hhmm", h.UTCOffset)
	}
	// Serials are digits (checked); their length tells the convention.
	n, _ := strconv.ParseInt(h.Serial, 10, 64)
	switch len(h.Serial) {
	case 10:
		add(QuirkSerialSeconds, "serial %s is a Unix time in seconds (%s), not yyyymmdd",
			h.Serial, time.Unix(n, 0).UTC().Format(time.RFC3339))
	case 13:
		add(QuirkSerialMillis, "serial %s is a Unix time in milliseconds (%s), not yyyymmdd",
			h.Serial, time.UnixMilli(n).UTC().Format(time.RFC3339))
	}
}

// countTypes counts records by type, in the order of types.
func countTypes(rs []Record) (counts [len(types)]int) {
	for i := range rs {
		if t := typeIndex(rs[i].Type); t >= 0 {
			counts[t]++
		}
	}
	return counts
}
