package cymru

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrServer is wrapped by the errors of lines in which the service reports
// an error ("Error: no ASN or IP match on line 3.").
var ErrServer = errors.New("the service answered with an error")

// ErrTruncated is wrapped by the error of a last line that ends without
// its newline: the session was cut off in the middle of its answer.
var ErrTruncated = errors.New("answer cut off in the middle of a line")

// Reader reads the service's answer to one session: the bulk-mode banner,
// a header line when one was asked for, then one Answer per line. Blank
// lines are skipped. A Reader is not safe for concurrent use.
type Reader struct {
	r    *bufio.Reader
	line int
	// Banner is the time the bulk-mode banner gave, once it is read; zero
	// when there was none or it did not read as a time.
	Banner time.Time
}

// NewReader reads an answer from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// Next returns the next answer, or io.EOF after the last. A line that is
// not an answer is a *LineError wrapping ErrSyntax, ErrServer (the
// service's own error line) or ErrTruncated (the last line, cut off);
// errors reading r are returned as they are.
func (r *Reader) Next() (Answer, error) {
	for {
		text, err := r.r.ReadString('\n')
		if text == "" && err != nil {
			return Answer{}, err
		}
		r.line++
		if err == io.EOF {
			return Answer{}, &LineError{Line: r.line, Text: text, Err: ErrTruncated}
		}
		if err != nil {
			return Answer{}, err
		}
		text = strings.TrimRight(text, "\r\n")
		a, ok, err := r.read(text)
		if ok || err != nil {
			return a, err
		}
	}
}

// read reads one whole line: an answer (ok), or a line that is skipped
// (banner, header, blank), or an error.
func (r *Reader) read(text string) (Answer, bool, error) {
	switch {
	case strings.TrimSpace(text) == "":
		return Answer{}, false, nil
	case strings.HasPrefix(text, "Bulk mode;"):
		r.Banner = bannerTime(text)
		return Answer{}, false, nil
	case isHeader(text):
		return Answer{}, false, nil
	case strings.HasPrefix(text, "Error:"):
		return Answer{}, false, &LineError{Line: r.line, Text: text, Err: ErrServer}
	}
	a, err := ParseLine(text)
	if err != nil {
		return a, false, &LineError{Line: r.line, Text: text, Err: err}
	}
	return a, true, nil
}

// bannerTime reads the time of "Bulk mode; whois.cymru.com [2024-10-15
// 05:46:42 +0000]", or zero.
func bannerTime(banner string) time.Time {
	_, rest, _ := strings.Cut(banner, "[")
	stamp, _, _ := strings.Cut(rest, "]")
	t, err := time.Parse("2006-01-02 15:04:05 -0700", stamp)
	if err != nil {
		return time.Time{}
	}
	return t
}

// isHeader reports whether a line is the column header ("AS      | IP
// | BGP Prefix …"), printed on request and for single queries.
func isHeader(text string) bool {
	as, rest, ok := strings.Cut(text, "|")
	ip, _, _ := strings.Cut(rest, "|")
	return ok && strings.TrimSpace(as) == "AS" && strings.TrimSpace(ip) == "IP"
}

// ReadAll reads every answer of r, stopping at the first error.
func ReadAll(r io.Reader) ([]Answer, error) {
	rd := NewReader(r)
	var out []Answer
	for {
		a, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("read cymru answer: %w", err)
		}
		out = append(out, a)
	}
}
