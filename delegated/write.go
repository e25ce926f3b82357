package delegated

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Write writes f in the delegated-stats format: the version line, the
// summary lines, then the records, each line ending in "\n". Summaries come
// in f.SummaryOrder, then any others in the order asn, ipv4, ipv6, so the
// output is deterministic. Extended files get the opaque-id column on every
// record (LACNIC's 7-field rows gain an empty one).
//
// Write refuses what Parse would refuse, and text that would change meaning
// on re-reading (a "|" or newline inside a field, say), so that its output
// parses to a File equal to f apart from the quirks that describe the
// original bytes (QuirkMissingOpaqueID, QuirkTruncated). Counts are written
// as given, mismatches included: Write does not correct the registry.
func Write(w io.Writer, f *File) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	h := f.Header
	if err := writeLine(bw, "header", []string{h.Version, h.Registry, h.Serial,
		strconv.Itoa(h.Records), h.StartDate, h.EndDate, h.UTCOffset}, checkHeader(h)); err != nil {
		return err
	}
	order, err := summaryOrder(f)
	if err != nil {
		return err
	}
	for _, t := range order {
		fs := []string{h.Registry, "*", t, "*", strconv.Itoa(f.Summaries[t]), "summary"}
		if err := writeLine(bw, t+" summary", fs, nil); err != nil {
			return err
		}
	}
	var buf []byte
	fs := make([]string, 0, 16)
	for i := range f.Records {
		r := &f.Records[i]
		what := "record " + strconv.Itoa(i+1)
		if !f.Extended && (r.OpaqueID != "" || len(r.Extensions) > 0) {
			return fmt.Errorf("delegated: write %s: has an opaque-id or extensions but the File is not Extended", what)
		}
		fs = append(fs[:0], r.Registry, r.CC, r.Type, r.Start, strconv.FormatUint(r.Value, 10), r.Date, r.Status)
		if f.Extended {
			fs = append(append(fs, r.OpaqueID), r.Extensions...)
		}
		if buf, err = appendLine(buf[:0], what, fs, checkRecord(r)); err != nil {
			return err
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("delegated: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("delegated: write: %w", err)
	}
	return nil
}

func writeLine(w *bufio.Writer, what string, fs []string, ferr *fieldError) error {
	buf, err := appendLine(nil, what, fs, ferr)
	if err != nil {
		return err
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("delegated: write: %w", err)
	}
	return nil
}

// appendLine joins fs with "|", after checking that each field reads back
// as written: no "|" or "\n" in it, and no "\r" ending the line (Parse
// strips it as part of a "\r\n").
func appendLine(buf []byte, what string, fs []string, ferr *fieldError) ([]byte, error) {
	if ferr != nil {
		return buf, fmt.Errorf("delegated: write %s: %w", what, ferr)
	}
	for i, s := range fs {
		if strings.ContainsAny(s, "|\n") {
			return buf, fmt.Errorf("delegated: write %s: field %d %q: contains | or a newline", what, i+1, s)
		}
		if i > 0 {
			buf = append(buf, '|')
		}
		buf = append(buf, s...)
	}
	if len(buf) > 0 && buf[len(buf)-1] == '\r' {
		return buf, fmt.Errorf("delegated: write %s: line ends in a carriage return", what)
	}
	return append(buf, '\n'), nil
}

// summaryOrder is f.SummaryOrder's known types, then the rest of
// f.Summaries in the order asn, ipv4, ipv6.
func summaryOrder(f *File) ([]string, error) {
	var order []string
	for _, t := range append(slices.Clone(f.SummaryOrder), types[:]...) {
		if _, ok := f.Summaries[t]; ok && !slices.Contains(order, t) {
			order = append(order, t)
		}
	}
	for t, n := range f.Summaries {
		switch {
		case typeIndex(t) < 0:
			return nil, fmt.Errorf("delegated: write summary: field type %q: unknown type (want asn, ipv4 or ipv6)", t)
		case n < 0:
			return nil, fmt.Errorf("delegated: write %s summary: field count %d: negative count", t, n)
		}
	}
	return order, nil
}
