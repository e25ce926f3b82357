// Package whipfile reads Whip's JSON-lines snapshots: one range per line
// with "begin", "end" and "datetime", and any other fields, which are kept
// as the record's payload. Files are validated as Whip specifies (sorted,
// one datetime per file, begin ≤ end, valid addresses, ISO 8601
// datetimes); gzip is read transparently.
//
// Whip wants ranges that do not overlap. Registries nest networks (an
// assignment inside an allocation) and ipatlas's history keeps them, so a
// range may lie inside an earlier one, and comes after it: ranges are
// ordered by first address, the wider of two with the same first address
// first (ipatlas.CompareRecords), which is how 'ipatlas export' writes
// them. Ranges that partly overlap stay an error. Whip itself refuses any
// overlap, nested ranges included.
package whipfile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
	"github.com/ipatlas/ipatlas/internal/netjson"
)

// maxLine bounds one line; a longer one is an error, not a silent split.
const maxLine = 1 << 20

// File is one snapshot file, read and validated.
type File struct {
	Name     string
	Datetime string    // as written in the file
	At       time.Time // Datetime parsed
	Records  []ipatlas.Record
}

// Error says which file, line and field made a file invalid.
type Error struct {
	File  string
	Line  int
	Field string // empty when the line as a whole is wrong
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// Open reads the file at path, decompressing it when its name ends in .gz.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	if strings.HasSuffix(path, ".gz") {
		size *= 6 // a guess at the ratio; only sizes the first allocation
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	return read(path, r, size)
}

// Read reads and validates a snapshot file; name is used in errors.
func Read(name string, r io.Reader) (*File, error) { return read(name, r, 0) }

// read reads a file of about size bytes (0: unknown), which sizes the
// record list once the first line's length is known.
func read(name string, r io.Reader, size int64) (*File, error) {
	p := parser{file: &File{Name: name}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	for sc.Scan() {
		p.line++
		if err := p.parseLine(sc.Bytes()); err != nil {
			return nil, err
		}
		if p.line == 1 && size > 0 {
			p.file.Records = slices.Grow(p.file.Records, int(size/int64(len(sc.Bytes())+1))*11/10+16)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &Error{File: name, Line: p.line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(p.file.Records) == 0 {
		return nil, &Error{File: name, Line: p.line, Msg: "no records"}
	}
	return p.file, nil
}

// arenaChunk is the size of the blocks payloads are written into.
const arenaChunk = 1 << 20

// parser validates lines in order. Payloads are written into large blocks
// (the arena), each line's at once after the last, so a file costs a few
// allocations, not several per line, and nothing is copied twice.
type parser struct {
	file  *File
	line  int
	arena []byte
	prev  ipatlas.Range // the previous range
	open  []openRange   // the ranges holding the previous one, outermost first, and it
}

// openRange is a range a later one may lie inside, with its line.
type openRange struct {
	rng  ipatlas.Range
	line int
}

// parseLine reads one line: a JSON object.
func (p *parser) parseLine(line []byte) error {
	if len(bytes.TrimSpace(line)) == 0 {
		return nil // a blank line carries nothing
	}
	var begin, end, datetime []byte // alias line: read before the next line
	var seen [3]bool
	if cap(p.arena)-len(p.arena) < len(line)+2 { // a payload is never longer than its line
		p.arena = make([]byte, 0, max(arenaChunk, len(line)+2))
	}
	start := len(p.arena)
	p.arena = append(p.arena, '{')
	r := jsonscan.New(line)
	if r.Kind() != '{' {
		return p.errorf("", "want a JSON object")
	}
	err := r.Object(func(key []byte) error {
		switch string(key) {
		case "begin":
			return p.required(r, &begin, &seen[0], "begin")
		case "end":
			return p.required(r, &end, &seen[1], "end")
		case "datetime":
			return p.required(r, &datetime, &seen[2], "datetime")
		}
		v, err := r.Raw()
		if err != nil {
			return err
		}
		p.addField(key, v)
		return nil
	})
	if err == nil {
		err = r.End()
	}
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return err
		}
		return p.errorf("", "not valid JSON: %v", err)
	}
	p.arena = append(p.arena, '}')
	for i, f := range []string{"begin", "end", "datetime"} {
		if !seen[i] {
			return p.errorf(f, "missing")
		}
	}
	rng, err := p.checkRange(begin, end)
	if err != nil {
		return err
	}
	if err := p.checkDatetime(datetime); err != nil {
		return err
	}
	p.file.Records = append(p.file.Records, ipatlas.Record{Range: rng, Payload: p.arena[start:len(p.arena):len(p.arena)]})
	return nil
}

// required reads one of the three fields Whip requires: a string, once.
func (p *parser) required(r *jsonscan.Reader, dst *[]byte, seen *bool, field string) error {
	if *seen {
		return p.errorf(field, "repeated")
	}
	*seen = true
	if r.Kind() != '"' {
		return p.errorf(field, "want a string")
	}
	var err error
	*dst, err = r.Bytes()
	return err
}

// addField appends "key":value to the payload, compacted so that payloads
// compare byte for byte.
func (p *parser) addField(key, value []byte) {
	if p.arena[len(p.arena)-1] != '{' {
		p.arena = append(p.arena, ',')
	}
	p.arena = appendKey(p.arena, key)
	p.arena = append(p.arena, ':')
	// Only objects and arrays can hold whitespace between their tokens.
	if (value[0] == '{' || value[0] == '[') && bytes.ContainsAny(value, " \t\r\n") {
		var b bytes.Buffer
		if json.Compact(&b, value) == nil {
			value = b.Bytes()
		}
	}
	p.arena = append(p.arena, value...)
}

// appendKey appends key as a JSON string: as it is when it needs no
// escaping (the common case, without a conversion to string), else quoted.
func appendKey(b, key []byte) []byte {
	for _, c := range key {
		if c < ' ' || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			return netjson.AppendString(b, string(key))
		}
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"')
}

// checkRange parses begin and end and checks the range against the ones
// before it: sorted, IPv4 before IPv6, and inside or after each earlier
// one.
func (p *parser) checkRange(begin, end []byte) (ipatlas.Range, error) {
	from, ok := parseAddr(begin)
	if !ok {
		return ipatlas.Range{}, p.errorf("begin", "%q is not an IP address", begin)
	}
	to, ok := parseAddr(end)
	if !ok {
		return ipatlas.Range{}, p.errorf("end", "%q is not an IP address", end)
	}
	rng, err := ipatlas.NewRange(from, to)
	if err != nil {
		return ipatlas.Range{}, p.errorf("end", "%s - %s is not a range: %v", begin, end, err)
	}
	if err := p.checkOrder(rng); err != nil {
		return ipatlas.Range{}, err
	}
	return rng, p.checkNesting(rng)
}

// checkOrder holds a range to come after the previous one
// (ipatlas.CompareRecords), each range once.
func (p *parser) checkOrder(rng ipatlas.Range) error {
	prev := p.prev
	p.prev = rng
	switch {
	case !prev.From.IsValid():
		return nil
	case rng.From.Less(prev.From):
		return p.errorf("begin", "%s is before the previous range's begin %s (ranges must be sorted, IPv4 before IPv6)", rng.From, prev.From)
	case rng.From != prev.From || rng.To.Less(prev.To):
		return nil
	case rng.To == prev.To:
		return p.errorf("", "%s repeats the previous range (each range once)", rng)
	}
	return p.errorf("end", "%s holds the previous range %s, so it must come before it (a range comes before the ranges nested in it)", rng, prev)
}

// checkNesting holds a range to lie inside each earlier range it
// overlaps: the ranges still open at its start, those not ended before
// it, hold one another.
func (p *parser) checkNesting(rng ipatlas.Range) error {
	for len(p.open) > 0 && p.open[len(p.open)-1].rng.To.Less(rng.From) {
		p.open = p.open[:len(p.open)-1]
	}
	if n := len(p.open); n > 0 && p.open[n-1].rng.To.Less(rng.To) {
		o := p.open[n-1]
		return p.errorf("end", "%s overlaps %s (line %d) without lying inside it (ranges may nest, but must not partly overlap)", rng, o.rng, o.line)
	}
	p.open = append(p.open, openRange{rng, p.line})
	return nil
}

// checkDatetime parses the first line's datetime and holds every other
// line to it.
func (p *parser) checkDatetime(b []byte) error {
	f := p.file
	if f.Datetime != "" {
		if string(b) != f.Datetime {
			return p.errorf("datetime", "%q differs from the file's %q (one datetime per file)", b, f.Datetime)
		}
		return nil
	}
	s := string(b)
	at, err := ParseDatetime(s)
	if err != nil {
		return p.errorf("datetime", "%v", err)
	}
	f.Datetime, f.At = s, at
	return nil
}

// parseAddr parses an address without a zone. Dotted-quad IPv4, nearly
// every line, is read straight from the bytes; anything else goes to
// netip.ParseAddr.
func parseAddr(b []byte) (netip.Addr, bool) {
	if a, ok := parseIPv4(b); ok {
		return a, true
	}
	a, err := netip.ParseAddr(string(b))
	return a, err == nil && a.Zone() == ""
}

// parseIPv4 accepts what netip.ParseAddr accepts as IPv4: four decimal
// fields of 0 to 255 without leading zeros.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var v [4]byte
	field, digits, val := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || field == 4 {
				return netip.Addr{}, false
			}
			v[field] = byte(val)
			field, digits, val = field+1, 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' || digits > 0 && val == 0 {
			return netip.Addr{}, false // not a digit, or a leading zero
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return netip.Addr{}, false
		}
	}
	return netip.AddrFrom4(v), field == 4
}

func (p *parser) errorf(field, format string, a ...any) *Error {
	return &Error{File: p.file.Name, Line: p.line, Field: field, Msg: fmt.Sprintf(format, a...)}
}
