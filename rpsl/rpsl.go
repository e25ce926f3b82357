// Package rpsl reads RPSL objects (RFC 2622 §2): the text the RIPE-style
// registries answer WHOIS queries with and publish their bulk database dumps
// in. ARIN's and LACNIC's WHOIS answers are close enough ("Name: value" lines,
// blank lines between blocks) to be read by it too.
//
// A [Reader] streams objects one at a time from any io.Reader, with a few
// allocations per object, so a dump of millions of objects is read in
// constant memory. Malformed input is reported as a [*SyntaxError] naming the
// file and line; the Reader then skips to the next object, so a lenient
// caller can count bad objects and go on.
package rpsl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest line a Reader accepts, in bytes (line end
// excluded). Real objects stay far below it; a longer line is a
// SyntaxError, so a corrupt dump cannot make the Reader buffer without end.
const MaxLine = 64 << 10

// Attr is one attribute of an object.
type Attr struct {
	// Name is the attribute's name in lower case ("inetnum", "admin-c").
	Name string
	// Value is the attribute's value with surrounding white space and any
	// end-of-line "# comment" removed (RFC 2622 §2); the values of
	// continuation lines follow it, each after a "\n".
	Value string
	// Line is the line of the input the attribute starts on, from 1.
	Line int
}

// Object is one RPSL object: its attributes in the order written. An
// Object is a plain value; its strings share one backing allocation.
type Object struct {
	Attrs []Attr
	Line  int // the line of the first attribute
}

// Class is the object's class: its first attribute's name ("inetnum",
// "role", "organisation"…), or "" for an empty Object.
func (o Object) Class() string {
	if len(o.Attrs) == 0 {
		return ""
	}
	return o.Attrs[0].Name
}

// Key is the object's primary key: its first attribute's value.
func (o Object) Key() string {
	if len(o.Attrs) == 0 {
		return ""
	}
	return o.Attrs[0].Value
}

// Get returns the value of the first attribute called name (matched
// without regard to case), or "" when there is none.
func (o Object) Get(name string) string {
	name = lower(name)
	for _, a := range o.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// All returns the values of every attribute called name (matched without
// regard to case), in order.
func (o Object) All(name string) []string {
	name = lower(name)
	var out []string
	for _, a := range o.Attrs {
		if a.Name == name {
			out = append(out, a.Value)
		}
	}
	return out
}

// lower lower-cases ASCII names, allocating only when there is an upper-case
// letter to change.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// SyntaxError is input that is not RPSL, with where it was found.
type SyntaxError struct {
	File string // the name given to NewReader
	Line int    // from 1
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Reader reads RPSL objects from a stream. The zero value is not usable:
// create one with NewReader. A Reader is not safe for concurrent use.
type Reader struct {
	br   *bufio.Reader
	name string
	line int   // lines read so far
	skip bool  // a syntax error left the rest of an object to discard
	err  error // sticky: io.EOF or a read error

	buf   []byte    // the object's names and values, back to back
	attrs []attrPos // where each attribute lies in buf
}

// attrPos locates one attribute in the Reader's buffer: the name is
// buf[start:mid], the value buf[mid:end].
type attrPos struct {
	start, mid, end int
	line            int
}

// NewReader reads objects from r; name (a file name, or a description of
// the input) is what errors cite.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, bufferSize(r)), name: name, buf: make([]byte, 0, 1024)}
}

// bufferSize is enough for the longest line allowed, or, for an in-memory
// input shorter than that (a WHOIS answer), for all of it and the end of
// it: reading one answer need not cost 64 KiB.
func bufferSize(r io.Reader) int {
	size := MaxLine + 2
	if l, ok := r.(interface{ Len() int }); ok && l.Len()+1 < size {
		size = l.Len() + 1
	}
	return size
}

// Next returns the next object. It returns io.EOF after the last one, a
// *SyntaxError for a malformed object (the next call goes on with the object
// after it), and any other error the underlying reader gives.
func (r *Reader) Next() (Object, error) {
	if r.skip {
		r.skipObject()
	}
	if r.err != nil {
		return Object{}, r.err
	}
	r.buf, r.attrs = r.buf[:0], r.attrs[:0]
	for {
		line, err := r.readLine()
		if err != nil {
			return r.end(err)
		}
		switch kindOf(line) {
		case lineBlank:
			if len(r.attrs) > 0 {
				return r.object(), nil
			}
		case lineComment:
		case lineContinuation:
			if len(r.attrs) == 0 {
				return r.fail("continuation line outside an object")
			}
			r.continueValue(line[1:])
		case lineAttribute:
			r.addAttr(line)
		default:
			return r.fail(fmt.Sprintf("not an attribute, continuation or comment line: %q", clip(line)))
		}
	}
}

// end finishes at the end of the input or on an error from readLine.
func (r *Reader) end(err error) (Object, error) {
	var se *SyntaxError
	switch {
	case errors.As(err, &se):
		r.skip = true
		return Object{}, err
	case err == io.EOF && len(r.attrs) > 0:
		r.err = io.EOF
		return r.object(), nil
	case err == io.EOF:
		r.err = io.EOF
	default:
		r.err = fmt.Errorf("read %s: %w", r.name, err)
	}
	return Object{}, r.err
}

// fail reports a syntax error on the line just read and leaves the rest of
// the object to be skipped.
func (r *Reader) fail(msg string) (Object, error) {
	r.skip = true
	return Object{}, &SyntaxError{File: r.name, Line: r.line, Msg: msg}
}

// skipObject discards lines up to and including the next blank line; the
// end of the input or a read error is left in r.err for Next to return.
func (r *Reader) skipObject() {
	r.skip = false
	for r.err == nil {
		line, err := r.readLine()
		var se *SyntaxError
		switch {
		case errors.As(err, &se): // an over-long line inside the object being skipped
		case err == io.EOF:
			r.err = io.EOF
		case err != nil:
			r.err = fmt.Errorf("read %s: %w", r.name, err)
		case kindOf(line) == lineBlank:
			return
		}
	}
}

// readLine returns the next line without its line end; the slice is valid
// until the next read. A line longer than MaxLine is consumed and reported.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, r.tooLong()
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		return nil, err
	}
	r.line++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) > MaxLine {
		return nil, &SyntaxError{File: r.name, Line: r.line, Msg: fmt.Sprintf("line longer than %d bytes", MaxLine)}
	}
	return line, nil
}

// tooLong consumes the rest of an over-long line. A read error met on the
// way is kept for Next to return after the syntax error.
func (r *Reader) tooLong() error {
	r.line++
	for {
		_, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && err != io.EOF {
			r.err = fmt.Errorf("read %s: %w", r.name, err)
		}
		break
	}
	return &SyntaxError{File: r.name, Line: r.line, Msg: fmt.Sprintf("line longer than %d bytes", MaxLine)}
}

type lineKind int

const (
	lineOther lineKind = iota
	lineBlank
	lineComment
	lineContinuation
	lineAttribute
)

// kindOf classifies a line (RFC 2622 §2). A line of nothing but white space
// counts as blank: LACNIC's server writes one between its comments.
func kindOf(line []byte) lineKind {
	if len(line) == 0 {
		return lineBlank
	}
	switch line[0] {
	case '%', '#':
		return lineComment
	case '+':
		return lineContinuation
	case ' ', '\t':
		if len(bytes.TrimLeft(line, " \t")) == 0 {
			return lineBlank
		}
		return lineContinuation
	}
	for i, c := range line {
		switch {
		case c == ':':
			if i > 0 {
				return lineAttribute
			}
			return lineOther
		case !isNameByte(c):
			return lineOther
		}
	}
	return lineOther
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// addAttr appends an attribute line's lower-cased name and cleaned value.
func (r *Reader) addAttr(line []byte) {
	colon := bytes.IndexByte(line, ':')
	p := attrPos{start: len(r.buf), line: r.line}
	for _, c := range line[:colon] {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		r.buf = append(r.buf, c)
	}
	p.mid = len(r.buf)
	r.buf = append(r.buf, cleanValue(line[colon+1:])...)
	p.end = len(r.buf)
	r.attrs = append(r.attrs, p)
}

// continueValue adds a continuation line's value to the last attribute,
// which ends the buffer. An attribute whose value so far is empty takes the
// continuation as its value, without a leading "\n".
func (r *Reader) continueValue(rest []byte) {
	last := &r.attrs[len(r.attrs)-1]
	if last.end > last.mid {
		r.buf = append(r.buf, '\n')
	}
	r.buf = append(r.buf, cleanValue(rest)...)
	last.end = len(r.buf)
}

// cleanValue drops an end-of-line comment and the white space around the
// value.
func cleanValue(v []byte) []byte {
	if i := bytes.IndexByte(v, '#'); i >= 0 {
		v = v[:i]
	}
	return bytes.TrimSpace(v)
}

// object builds the Object read so far: one string for all its text, one
// slice for its attributes.
func (r *Reader) object() Object {
	s := string(r.buf)
	attrs := make([]Attr, len(r.attrs))
	for i, p := range r.attrs {
		attrs[i] = Attr{Name: s[p.start:p.mid], Value: s[p.mid:p.end], Line: p.line}
	}
	return Object{Attrs: attrs, Line: attrs[0].Line}
}

// clip shortens a bad line for an error message.
func clip(line []byte) string {
	if len(line) > 60 {
		return string(line[:60]) + "…"
	}
	return string(line)
}
