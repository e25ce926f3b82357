package delegated

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ParseOptions tune Parse.
type ParseOptions struct {
	// AllowTruncated accepts a file whose last line was cut off: the records
	// before the cut are returned with a QuirkTruncated entry and no error.
	// Without it Parse returns the same File and a *TruncatedError, because
	// a cut download must not pass for the registry's whole file.
	AllowTruncated bool
}

// maxLine bounds one line; real lines are under 200 bytes.
const maxLine = 1 << 20

// Parse reads a delegated-stats file; name is used in errors. It is
// ParseWithOptions with the zero ParseOptions.
func Parse(r io.Reader, name string) (*File, error) {
	return ParseWithOptions(r, name, ParseOptions{})
}

// ParseWithOptions reads a delegated-stats file; name is used in errors.
// Lines may end in \n or \r\n. On error the File is nil, except with a
// *TruncatedError, where it holds every record before the cut.
func ParseWithOptions(r io.Reader, name string, o ParseOptions) (*File, error) {
	return newParser(name, o, recordsHint(r)).run(r)
}

// ParseFile reads the file at path, gunzipping it when it starts with the
// gzip magic number (registries publish .gz copies). Errors name the base
// file name.
func ParseFile(path string) (*File, error) { return ParseFileWithOptions(path, ParseOptions{}) }

// ParseFileWithOptions is ParseFile with options.
func ParseFileWithOptions(path string, o ParseOptions) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("delegated: %w", err)
	}
	defer fh.Close()
	name := filepath.Base(path)
	br := bufio.NewReaderSize(fh, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("delegated: %s: gunzip: %w", name, err)
		}
		defer zr.Close()
		return ParseWithOptions(zr, name, o)
	}
	return newParser(name, o, recordsHint(fh)).run(br)
}

// minLine is about the shortest record line, "r||asn|1|1||iana\n".
const minLine = 16

// recordsHint bounds the records r can hold when its size is known, so the
// parser can size Records from the header's count without trusting a huge
// count in a small input; -1 when unknown.
func recordsHint(r io.Reader) int {
	switch r := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return r.Len() / minLine
	case *os.File:
		if st, err := r.Stat(); err == nil && st.Mode().IsRegular() {
			return int(min(st.Size()/minLine, 1<<30))
		}
	}
	return -1
}

type parser struct {
	f          *File
	opts       ParseOptions
	line       int
	fields     []string // reused for every line
	haveHeader bool
	seven      int  // 7-field records, to flag them in an extended file
	unended    bool // the split function returned a line without '\n'
	maxRecs    int  // most records the input can hold; -1 when unknown
}

func newParser(name string, o ParseOptions, maxRecs int) *parser {
	if name == "" {
		name = "input"
	}
	return &parser{f: &File{Name: name, Summaries: map[string]int{}}, opts: o, maxRecs: maxRecs}
}

// capacity is the header's record count, bounded by what the input can
// hold, so that a corrupt header cannot make Parse allocate gigabytes.
func (p *parser) capacity(records int) int {
	if p.maxRecs < 0 {
		return min(records, 1<<16)
	}
	return min(records, p.maxRecs)
}

func (p *parser) run(r io.Reader) (*File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	sc.Split(p.split)
	var pending string // a last line without newline: decided after the read error is known
	for sc.Scan() {
		p.line++
		b := bytes.TrimRight(sc.Bytes(), "\r")
		if len(b) == 0 || b[0] == '#' || b[0] <= ' ' && len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if p.unended {
			pending = string(b)
			break
		}
		if err := p.parseLine(string(b)); err != nil {
			return nil, err
		}
	}
	err := sc.Err()
	switch {
	case errors.Is(err, bufio.ErrTooLong):
		return nil, &ParseError{File: p.f.Name, Line: p.line + 1, Field: "record", Msg: "line longer than 1 MiB"}
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("delegated: read %s after line %d: %w", p.f.Name, p.line, err)
	}
	return p.finish(pending, err)
}

// split is bufio.ScanLines that also notes a final line with no newline,
// the mark of a cut download.
func (p *parser) split(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		p.unended = true
		return len(data), data, nil
	}
	return 0, nil, nil
}

// parseLine handles one non-comment line; the header comes first.
func (p *parser) parseLine(line string) error {
	p.fields = splitFields(p.fields[:0], line)
	fs := p.fields
	if !p.haveHeader {
		h, ferr := parseHeader(fs)
		if ferr != nil {
			perr := p.errorAt(ferr)
			if ferr.field == "header" {
				return fmt.Errorf("%w: %w", ErrNotDelegated, perr)
			}
			return perr
		}
		p.f.Header, p.haveHeader = h, true
		p.f.Records = make([]Record, 0, p.capacity(h.Records))
		return nil
	}
	if len(fs) == 6 && fs[5] == "summary" {
		return p.addSummary(fs)
	}
	rec, ferr := parseRecord(fs)
	if ferr != nil {
		return p.errorAt(ferr)
	}
	p.addRecord(rec, len(fs))
	return nil
}

func (p *parser) addSummary(fs []string) error {
	typ, n, ferr := parseSummary(fs)
	if ferr == nil {
		if _, dup := p.f.Summaries[typ]; dup {
			ferr = bad("type", typ, "second "+typ+" summary line")
		}
	}
	if ferr != nil {
		return p.errorAt(ferr)
	}
	p.f.Summaries[typ] = n
	p.f.SummaryOrder = append(p.f.SummaryOrder, typ)
	return nil
}

func (p *parser) addRecord(r Record, nfields int) {
	p.f.Records = append(p.f.Records, r)
	if nfields >= 8 {
		p.f.Extended = true
	} else {
		p.seven++
	}
}

func (p *parser) errorAt(e *fieldError) *ParseError {
	return &ParseError{File: p.f.Name, Line: p.line, Field: e.field, Input: e.input, Msg: e.msg}
}

// finish decides about a last line without newline and adds the quirks.
// A cut download usually ends in a line that does not parse, but RIPE NCC's
// ends in a valid-looking record with half an opaque-id; so an unended line
// that parses is also taken as cut (and dropped) when the file falls short
// of the count its header or a summary announces.
func (p *parser) finish(pending string, readErr error) (*File, error) {
	f := p.f
	cut, cause := readErr != nil, readErr // io.ErrUnexpectedEOF, as from gzip
	if pending != "" {
		hadHeader, m := p.haveHeader, p.mark()
		err := p.parseLine(pending)
		switch {
		case err != nil && !hadHeader:
			return nil, err
		case err != nil:
			cut, cause = true, err
		case cut || p.short():
			cut = true
			p.reset(m)
		}
	}
	if !p.haveHeader {
		return nil, fmt.Errorf("%w: %w", ErrNotDelegated,
			&ParseError{File: f.Name, Field: "header", Msg: "no version line"})
	}
	p.addQuirks()
	if !cut {
		return f, nil
	}
	return p.truncated(pending, cause)
}

// mark is what a record or summary line changes, so that the cut line's
// effect can be undone.
type mark struct {
	records, summaries, seven int
	extended                  bool
}

func (p *parser) mark() mark {
	return mark{len(p.f.Records), len(p.f.SummaryOrder), p.seven, p.f.Extended}
}

func (p *parser) reset(m mark) {
	f := p.f
	f.Records, f.Extended, p.seven = f.Records[:m.records], m.extended, m.seven
	for _, t := range f.SummaryOrder[m.summaries:] {
		delete(f.Summaries, t)
	}
	f.SummaryOrder = slices.Clip(f.SummaryOrder[:m.summaries])
	if m.summaries == 0 {
		f.SummaryOrder = nil
	}
}

// short reports whether the records fall short of what the header or a
// summary announces.
func (p *parser) short() bool {
	f := p.f
	if len(f.Records) < f.Header.Records {
		return true
	}
	counts := countTypes(f.Records)
	for i, t := range types {
		if s, ok := f.Summaries[t]; ok && counts[i] < s {
			return true
		}
	}
	return false
}

func (p *parser) truncated(pending string, err error) (*File, error) {
	f := p.f
	te := &TruncatedError{File: f.Name, Line: p.line, Input: pending,
		Records: len(f.Records), Want: f.Header.Records, Err: err}
	what := "input ends early"
	if pending != "" {
		what = fmt.Sprintf("line %d has no newline and was dropped", p.line)
	}
	f.Quirks = append(f.Quirks, fmt.Sprintf("%s: %s; kept %d of the %d records the header announces",
		QuirkTruncated, what, te.Records, te.Want))
	if p.opts.AllowTruncated {
		return f, nil
	}
	return f, te
}

// splitFields splits on '|' into dst without allocating a new slice.
func splitFields(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, '|')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}
