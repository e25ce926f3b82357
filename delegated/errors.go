package delegated

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNotDelegated is wrapped (next to a *ParseError for line 1) when the
// first non-comment line is not a version line at all: typically an HTML
// error page or redirect body saved under the data file's name, as APNIC's
// server once returned.
var ErrNotDelegated = errors.New("not a delegated-stats file")

// ParseError is a malformed line. Its message names the file, the line and
// the field, so that a user can open the file at the right place:
//
//	delegated-arin-extended-latest:17: field value: "abc": not a number
type ParseError struct {
	File  string // name given to Parse; the base file name for ParseFile
	Line  int    // 1-based line number; 0 when the error is about the whole file
	Field string // "header", "summary", "record" for whole-line errors, else the field's name
	Input string // the offending field (or line), as read
	Msg   string // what is wrong with it
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString("field " + e.Field + ": ")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Quote(clip(e.Input)) + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// TruncatedError reports a download that was cut off: the last line has no
// newline, and either it does not parse or the file holds fewer records than
// its header or a summary announces (or the underlying reader, such as gzip,
// hit an unexpected EOF). A whole file that merely lacks the final newline
// is accepted. A cut that falls exactly between lines cannot be told from
// LACNIC's short counts, and is left to QuirkHeaderCount. The cut line is never turned into a record: RIPE NCC's cut
// file ends in a syntactically valid record whose opaque-id is half a UUID.
//
// Parse returns it together with a File holding every record before the cut,
// so a caller that cannot re-read the stream still has the good records.
type TruncatedError struct {
	File    string // name given to Parse
	Line    int    // line number of the cut line (or of the last line read)
	Input   string // the cut line, as read; "" when the cut fell between lines
	Records int    // records kept
	Want    int    // records the header announces
	Err     error  // why the line was rejected: a *ParseError, io.ErrUnexpectedEOF, or nil
}

func (e *TruncatedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: truncated: ", e.File, e.Line)
	if e.Input != "" {
		fmt.Fprintf(&b, "last line has no newline: %q", clip(e.Input))
	} else {
		b.WriteString("input ends early")
	}
	var pe *ParseError
	switch {
	case errors.As(e.Err, &pe):
		fmt.Fprintf(&b, " (field %s: %s)", pe.Field, pe.Msg)
	case e.Err != nil:
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	fmt.Fprintf(&b, "; kept %d of the %d records the header announces", e.Records, e.Want)
	return b.String()
}

func (e *TruncatedError) Unwrap() error { return e.Err }

// fieldError is a check failure without a position; the parser and the
// writer each add theirs.
type fieldError struct {
	field, input, msg string
}

func (e *fieldError) Error() string {
	return "field " + e.field + ": " + strconv.Quote(clip(e.input)) + ": " + e.msg
}

func bad(field, input, msg string) *fieldError { return &fieldError{field, input, msg} }

// clip keeps error messages readable when the input is a long line.
func clip(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
