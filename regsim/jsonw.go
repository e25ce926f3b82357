package regsim

import (
	"strconv"
	"unicode/utf8"
)

// jw appends JSON to a byte slice. The simulator renders tens of thousands
// of answers a second, so it writes JSON directly rather than building maps
// for encoding/json. Callers keep the structure valid; jw handles commas.
type jw struct {
	b     []byte
	comma bool // a value was written at this level, so the next needs a comma
}

func (w *jw) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
}

func (w *jw) open(c byte)  { w.sep(); w.b = append(w.b, c); w.comma = false }
func (w *jw) close(c byte) { w.b = append(w.b, c); w.comma = true }

func (w *jw) obj()    { w.open('{') }
func (w *jw) endObj() { w.close('}') }
func (w *jw) arr()    { w.open('[') }
func (w *jw) endArr() { w.close(']') }

// key writes "k": and leaves the next value without a leading comma.
func (w *jw) key(k string) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
	w.comma = false
}

func (w *jw) str(s string) { w.sep(); w.b = appendString(w.b, s) }
func (w *jw) num(n int64)  { w.sep(); w.b = strconv.AppendInt(w.b, n, 10) }
func (w *jw) raw(s string) { w.sep(); w.b = append(w.b, s...) }

func (w *jw) kstr(k, v string) { w.key(k); w.str(v) }
func (w *jw) knum(k string, v int64) {
	w.key(k)
	w.num(v)
}

// strs writes an array of strings.
func (w *jw) strs(ss ...string) {
	w.arr()
	for _, s := range ss {
		w.str(s)
	}
	w.endArr()
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (RFC 8259 §7).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
