package delegated

import (
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// The checks here are shared by the parser and Write, so that Write refuses
// exactly what Parse would refuse and its output always re-parses.

// headerFields are the names of the version line's fields, used in errors.
var headerFields = [...]string{"version", "registry", "serial", "records", "startdate", "enddate", "UTCoffset"}

func parseHeader(fs []string) (Header, *fieldError) {
	if len(fs) != len(headerFields) {
		return Header{}, bad("header", strings.Join(fs, "|"),
			"want 7 |-separated fields version|registry|serial|records|startdate|enddate|UTCoffset, got "+strconv.Itoa(len(fs)))
	}
	n, ferr := parseCount("records", fs[3])
	if ferr != nil {
		return Header{}, ferr
	}
	h := Header{Version: fs[0], Registry: fs[1], Serial: fs[2], Records: n,
		StartDate: fs[4], EndDate: fs[5], UTCOffset: fs[6]}
	return h, checkHeader(h)
}

func checkHeader(h Header) *fieldError {
	switch {
	case h.Version != "2" && h.Version != "2.3":
		return bad("version", h.Version, `unsupported version (want "2" or "2.3")`)
	case h.Registry == "" || h.Registry[0] == '#':
		return bad("registry", h.Registry, "want a registry name")
	case !isDigits(h.Serial):
		return bad("serial", h.Serial, "not a number")
	case h.Records < 0:
		return bad("records", strconv.Itoa(h.Records), "negative count")
	case !isDate(h.StartDate):
		return bad("startdate", h.StartDate, "want yyyymmdd")
	case !isDate(h.EndDate):
		return bad("enddate", h.EndDate, "want yyyymmdd")
	case !isOffset(h.UTCOffset) && !isDigits(h.UTCOffset) && h.UTCOffset != "":
		return bad("UTCoffset", h.UTCOffset, "want +hhmm or -hhmm")
	}
	return nil
}

// parseSummary reads registry|*|type|*|count|summary. The registry is not
// kept: Write uses the header's.
func parseSummary(fs []string) (typ string, n int, ferr *fieldError) {
	switch {
	case fs[1] != "*":
		return "", 0, bad("cc", fs[1], `want "*" in a summary line`)
	case fs[3] != "*":
		return "", 0, bad("start", fs[3], `want "*" in a summary line`)
	case typeIndex(fs[2]) < 0:
		return "", 0, bad("type", fs[2], "unknown type (want asn, ipv4 or ipv6)")
	}
	n, ferr = parseCount("count", fs[4])
	return fs[2], n, ferr
}

func parseRecord(fs []string) (Record, *fieldError) {
	if len(fs) < 7 {
		return Record{}, bad("record", strings.Join(fs, "|"),
			"want at least 7 |-separated fields registry|cc|type|start|value|date|status, got "+strconv.Itoa(len(fs)))
	}
	v, err := strconv.ParseUint(fs[4], 10, 64)
	if err != nil {
		return Record{}, bad("value", fs[4], "not a number")
	}
	r := Record{Registry: fs[0], CC: fs[1], Type: fs[2], Start: fs[3], Value: v, Date: fs[5], Status: fs[6]}
	if len(fs) > 7 {
		r.OpaqueID = fs[7]
	}
	if len(fs) > 8 {
		r.Extensions = append([]string(nil), fs[8:]...)
	}
	return r, checkRecord(&r)
}

// checkRecord checks the fields that Parse interprets. CC, OpaqueID and
// Extensions are free text: registries use "", "ZZ" and several id styles.
func checkRecord(r *Record) *fieldError {
	if r.Registry == "" || r.Registry[0] == '#' {
		return bad("registry", r.Registry, "want a registry name")
	}
	if ferr := checkResource(r); ferr != nil {
		return ferr
	}
	if !isDate(r.Date) {
		return bad("date", r.Date, "want yyyymmdd or empty")
	}
	switch r.Status {
	case "allocated", "assigned", "available", "reserved", "ietf", "iana":
		return nil
	}
	return bad("status", r.Status, "unknown status (want allocated, assigned, available or reserved)")
}

// checkResource checks start and value against the type.
func checkResource(r *Record) *fieldError {
	value := func() string { return strconv.FormatUint(r.Value, 10) }
	switch r.Type {
	case "asn":
		if _, msg := asnRange(r.Start, r.Value); msg != "" {
			if msg == "not a number" {
				return bad("start", r.Start, "not an AS number")
			}
			return bad("value", value(), msg)
		}
	case "ipv4":
		a, err := netip.ParseAddr(r.Start)
		if err != nil || !a.Is4() {
			return bad("start", r.Start, "not an IPv4 address")
		}
		switch {
		case r.Value == 0:
			return bad("value", value(), "zero addresses")
		case uint64(v4Uint(a))+r.Value-1 > math.MaxUint32:
			return bad("value", value(), "range runs past 255.255.255.255")
		}
	case "ipv6":
		a, err := netip.ParseAddr(r.Start)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return bad("start", r.Start, "not an IPv6 address")
		}
		if r.Value > 128 {
			return bad("value", value(), "prefix length over 128")
		}
		if _, err := v6Prefix(a, r.Value); err != nil {
			return bad("start", r.Start, err.Error())
		}
	default:
		return bad("type", r.Type, "unknown type (want asn, ipv4 or ipv6)")
	}
	return nil
}

// asnRange checks an asn record's start and count; msg is "" when they are
// a valid range of 32-bit AS numbers.
func asnRange(start string, count uint64) (first uint32, msg string) {
	n, err := strconv.ParseUint(start, 10, 32)
	switch {
	case err != nil:
		return 0, "not a number"
	case count == 0:
		return 0, "zero AS numbers"
	case n+count-1 > math.MaxUint32:
		return 0, "range runs past AS4294967295"
	}
	return uint32(n), ""
}

// parseCount parses a non-negative count that must fit an int.
func parseCount(field, s string) (int, *fieldError) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || n > math.MaxInt {
		return 0, bad(field, s, "not a number")
	}
	return int(n), nil
}

// typeIndex maps a resource type to 0, 1, 2; -1 if unknown.
func typeIndex(t string) int {
	switch t {
	case "asn":
		return 0
	case "ipv4":
		return 1
	case "ipv6":
		return 2
	}
	return -1
}

var types = [...]string{"asn", "ipv4", "ipv6"}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isDate accepts yyyymmdd shapes, including 00000000, and "": the format
// leaves dates empty for available and reserved space.
func isDate(s string) bool { return s == "" || len(s) == 8 && isDigits(s) }

// isOffset accepts the ±hhmm form the format specifies.
func isOffset(s string) bool {
	return len(s) == 5 && (s[0] == '+' || s[0] == '-') && isDigits(s[1:])
}
