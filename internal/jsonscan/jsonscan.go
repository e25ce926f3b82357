// Package jsonscan reads JSON (RFC 8259) from a byte slice without
// reflection: the caller walks objects and arrays and takes the values it
// wants, and everything else is checked and skipped.
//
// It exists for the crawl's hot path: decoding every RDAP answer with
// encoding/json's reflection cost more than fetching it. Its results match
// encoding/json's for the types it offers: object keys match field names
// with ASCII case folding, a later duplicate key wins, null leaves a value
// as it was, invalid UTF-8 in strings becomes U+FFFD.
package jsonscan

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// SyntaxError says where the input stopped being the JSON expected.
type SyntaxError struct {
	Offset int // byte offset in the input
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// Reader reads one JSON value from a byte slice. The zero value is not
// usable; a Reader is not safe for concurrent use.
type Reader struct {
	data  []byte
	pos   int
	depth int
}

// New reads data.
func New(data []byte) *Reader { return &Reader{data: data} }

func (r *Reader) errorf(format string, a ...any) error {
	return &SyntaxError{Offset: r.pos, Msg: fmt.Sprintf(format, a...)}
}

// space skips whitespace and returns the next byte, 0 at the end (or at a
// NUL byte, which no caller expects, so it is reported as unexpected).
// Answers are often indented, so most of their bytes are whitespace: the
// loop works on locals the compiler keeps in registers.
func (r *Reader) space() byte {
	data, i := r.data, r.pos
	for ; i < len(data); i++ {
		if c := data[i]; c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			r.pos = i
			return c
		}
	}
	r.pos = i
	return 0
}

// unexpected names what was found where something else was wanted.
func (r *Reader) unexpected(want string) error {
	if r.pos >= len(r.data) {
		return r.errorf("unexpected end of input, want %s", want)
	}
	return r.errorf("unexpected %q, want %s", r.data[r.pos], want)
}

// End checks that nothing but whitespace follows the value read.
func (r *Reader) End() error {
	if r.space(); r.pos < len(r.data) {
		return r.errorf("unexpected %q after the top-level value", r.data[r.pos])
	}
	return nil
}

// Null consumes a null if one comes next.
func (r *Reader) Null() (bool, error) {
	if r.space() != 'n' {
		return false, nil
	}
	return true, r.literal("null")
}

func (r *Reader) literal(word string) error {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		return r.unexpected(word)
	}
	r.pos += len(word)
	return nil
}

// Object reads an object (or null, which it leaves alone), calling field
// for each key; field must consume the key's value.
func (r *Reader) Object(field func(key []byte) error) error {
	more, err := r.open('{', '}', "an object")
	for ; more && err == nil; more, err = r.next('}', "',' or '}'") {
		if r.space() != '"' {
			return r.unexpected("a string key")
		}
		key, err := r.bytes()
		if err != nil {
			return err
		}
		if r.space() != ':' {
			return r.unexpected("':'")
		}
		r.pos++
		if err := field(key); err != nil {
			return err
		}
	}
	return err
}

// Array reads an array (or null, which it leaves alone), calling elem for
// each element; elem must consume it.
func (r *Reader) Array(elem func(i int) error) error {
	more, err := r.open('[', ']', "an array")
	for i := 0; more && err == nil; more, err = r.next(']', "',' or ']'") {
		if err := elem(i); err != nil {
			return err
		}
		i++
	}
	return err
}

// open reads the start of a container, or null (left alone); more says
// whether a first member follows.
func (r *Reader) open(start, end byte, what string) (more bool, err error) {
	if null, err := r.Null(); null || err != nil {
		return false, err
	}
	if r.space() != start {
		return false, r.unexpected(what)
	}
	if err := r.enter(); err != nil {
		return false, err
	}
	return !r.closed(end), nil
}

// next reads what follows a member: a comma, and more follows, or the
// container's end; anything else is an error wanting what.
func (r *Reader) next(end byte, what string) (more bool, err error) {
	if r.closed(end) {
		return false, nil
	}
	if r.space() != ',' {
		return false, r.unexpected(what)
	}
	r.pos++
	return true, nil
}

// closed consumes the container's end when it comes next.
func (r *Reader) closed(end byte) bool {
	if r.space() != end {
		return false
	}
	r.pos++
	r.depth--
	return true
}

func (r *Reader) enter() error {
	r.pos++
	if r.depth++; r.depth > maxDepth {
		return r.errorf("nested more than %d deep", maxDepth)
	}
	return nil
}

// Kind is the first byte of the next value: '{', '[', '"', 't', 'f', 'n',
// or a number's first character ('-' or a digit); 0 at the end.
func (r *Reader) Kind() byte { return r.space() }

// String reads a string into *s; null leaves *s as it was.
func (r *Reader) String(s *string) error {
	if null, err := r.Null(); null || err != nil {
		return err
	}
	b, fresh, err := r.str()
	switch {
	case err != nil:
	case fresh && len(b) > 0:
		// Nobody else holds the unescaped copy: it becomes the string
		// without a second copy.
		*s = unsafe.String(&b[0], len(b))
	default:
		*s = string(b)
	}
	return err
}

// Bytes reads a string without copying it when it has no escapes: the
// result may alias the input, so it must not be changed or kept.
func (r *Reader) Bytes() ([]byte, error) { return r.bytes() }

// OptString reads a string into *s and skips any other value, leaving *s
// as it was: for payloads whose fields are whatever their writer chose.
func (r *Reader) OptString(s *string) error {
	if r.Kind() != '"' {
		return r.Skip()
	}
	return r.String(s)
}

// OptBytes reads a string as Bytes does (the result may alias the
// input), and skips any other value, returning nil.
func (r *Reader) OptBytes() ([]byte, error) {
	if r.Kind() != '"' {
		return nil, r.Skip()
	}
	return r.Bytes()
}

// EachString reads a string, or an array of them, calling each with every
// string as OptBytes reads it: nil for an element that is no string. Any
// other value is skipped. A loaded file may give a list field (status,
// roles, email) as one string.
func (r *Reader) EachString(each func(s []byte)) error {
	one := func() error {
		s, err := r.OptBytes()
		if err == nil {
			each(s)
		}
		return err
	}
	switch r.Kind() {
	case '"':
		return one()
	case '[':
		return r.Array(func(int) error { return one() })
	}
	return r.Skip()
}

// Strings reads an array of strings (null elements are ""); null sets *ss
// to nil, and an empty array to an empty slice, as encoding/json does.
func (r *Reader) Strings(ss *[]string) error {
	return Slice(r, ss, r.String)
}

// Slice reads an array into *s, each element by elem; null sets *s to nil,
// and an empty array to an empty slice, as encoding/json does.
func Slice[T any](r *Reader, s *[]T, elem func(*T) error) error {
	null, err := r.Null()
	if null || err != nil {
		if null {
			*s = nil
		}
		return err
	}
	// Each element is read in place: a pointer to a local would move every
	// element to the heap on its own.
	out := make([]T, 0, 4)
	var zero T
	err = r.Array(func(int) error {
		out = append(out, zero)
		return elem(&out[len(out)-1])
	})
	*s = out
	return err
}

// bytes reads a string. The result aliases the input when the string has
// no escapes, so it is valid only until the caller copies it.
func (r *Reader) bytes() ([]byte, error) {
	b, _, err := r.str()
	return b, err
}

// str reads a string: an alias of the input when the string is valid UTF-8
// without escapes, else a fresh copy, unescaped (fresh is true).
func (r *Reader) str() (b []byte, fresh bool, err error) {
	if r.space() != '"' {
		return nil, false, r.unexpected("a string")
	}
	r.pos++
	start := r.pos
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return r.data[start : r.pos-1], false, nil
		case c == '\\':
			b, err := r.unquote(start)
			return b, true, err
		case c >= utf8.RuneSelf:
			rn, size := utf8.DecodeRune(r.data[r.pos:])
			if rn == utf8.RuneError && size == 1 {
				b, err := r.unquote(start) // invalid UTF-8 becomes U+FFFD
				return b, true, err
			}
			r.pos += size
			continue
		case c < ' ':
			return nil, false, r.errorf("control character %#x in a string", c)
		}
		r.pos++
	}
	return nil, false, r.errorf("unterminated string")
}

// unquote finishes a string that has escapes or non-ASCII bytes, from
// start (just after the opening quote).
func (r *Reader) unquote(start int) ([]byte, error) {
	out := append(make([]byte, 0, r.pos-start+16), r.data[start:r.pos]...)
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			return out, nil
		case c == '\\':
			var err error
			if out, err = r.escape(out); err != nil {
				return nil, err
			}
		case c < ' ':
			return nil, r.errorf("control character %#x in a string", c)
		case c < utf8.RuneSelf:
			out = append(out, c)
			r.pos++
		default:
			rn, size := utf8.DecodeRune(r.data[r.pos:])
			out = utf8.AppendRune(out, rn) // RuneError for invalid UTF-8, as encoding/json
			r.pos += size
		}
	}
	return nil, r.errorf("unterminated string")
}

var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape appends the escape sequence at r.pos (a backslash) to out.
func (r *Reader) escape(out []byte) ([]byte, error) {
	if r.pos+1 >= len(r.data) {
		return nil, r.errorf("unterminated escape")
	}
	c := r.data[r.pos+1]
	if e := simpleEscapes[c]; e != 0 {
		r.pos += 2
		return append(out, e), nil
	}
	if c != 'u' {
		return nil, r.errorf("invalid escape %q", c)
	}
	rn, err := r.hex4(r.pos + 2)
	if err != nil {
		return nil, err
	}
	r.pos += 6
	if utf16.IsSurrogate(rn) {
		rn = r.lowSurrogate(rn)
	}
	return utf8.AppendRune(out, rn), nil
}

// lowSurrogate completes a surrogate pair when a \u low half follows hi;
// a lone half is U+FFFD, as in encoding/json.
func (r *Reader) lowSurrogate(hi rune) rune {
	if r.pos+1 < len(r.data) && r.data[r.pos] == '\\' && r.data[r.pos+1] == 'u' {
		if lo, err := r.hex4(r.pos + 2); err == nil {
			if dec := utf16.DecodeRune(hi, lo); dec != utf8.RuneError {
				r.pos += 6
				return dec
			}
		}
	}
	return utf8.RuneError
}

func (r *Reader) hex4(at int) (rune, error) {
	if at+4 > len(r.data) {
		return 0, &SyntaxError{Offset: at, Msg: "short \\u escape"}
	}
	var v rune
	for _, c := range r.data[at : at+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, &SyntaxError{Offset: at, Msg: fmt.Sprintf("invalid \\u escape %q", r.data[at:at+4])}
		}
		v = v<<4 | rune(c)
	}
	return v, nil
}

// number reads a number's literal text (RFC 8259 §6 grammar).
func (r *Reader) number() ([]byte, error) {
	start := r.pos
	if r.pos < len(r.data) && r.data[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '0':
		r.pos++
	case r.digits() == 0:
		return nil, r.unexpected("a digit")
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		if r.digits() == 0 {
			return nil, r.unexpected("a digit after '.'")
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if r.digits() == 0 {
			return nil, r.unexpected("a digit in the exponent")
		}
	}
	return r.data[start:r.pos], nil
}

func (r *Reader) digits() int {
	start := r.pos
	for r.pos < len(r.data) && '0' <= r.data[r.pos] && r.data[r.pos] <= '9' {
		r.pos++
	}
	return r.pos - start
}

// Int reads an integer that fits in bits; null leaves *v as it was.
func (r *Reader) Int(v *int64, bits int) error {
	lit, at, err := r.integer()
	if lit == nil || err != nil {
		return err
	}
	n, err := strconv.ParseInt(string(lit), 10, bits)
	if err != nil {
		return &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s is not an integer of %d bits", lit, bits)}
	}
	*v = n
	return nil
}

// Uint reads an unsigned integer that fits in bits; null leaves *v as it
// was.
func (r *Reader) Uint(v *uint64, bits int) error {
	lit, at, err := r.integer()
	if lit == nil || err != nil {
		return err
	}
	n, err := strconv.ParseUint(string(lit), 10, bits)
	if err != nil {
		return &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s is not an unsigned integer of %d bits", lit, bits)}
	}
	*v = n
	return nil
}

// integer reads a number's text and where it starts, for Int and Uint to
// convert; lit is nil for null.
func (r *Reader) integer() (lit []byte, at int, err error) {
	if null, err := r.Null(); null || err != nil {
		return nil, 0, err
	}
	if c := r.space(); c != '-' && (c < '0' || c > '9') {
		return nil, 0, r.unexpected("a number")
	}
	at = r.pos
	lit, err = r.number()
	return lit, at, err
}

// Skip checks and passes over the next value, whatever it is.
func (r *Reader) Skip() error {
	switch c := r.space(); {
	case c == '{':
		return r.Object(func([]byte) error { return r.Skip() })
	case c == '[':
		return r.Array(func(int) error { return r.Skip() })
	case c == '"':
		return r.skipString()
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := r.number()
		return err
	}
	return r.unexpected("a value")
}

// Raw passes over the next value and returns its text, which aliases the
// input.
func (r *Reader) Raw() ([]byte, error) {
	r.space()
	start := r.pos
	err := r.Skip()
	return r.data[start:r.pos], err
}

// skipString passes over a string, checking its escapes.
func (r *Reader) skipString() error {
	r.pos++
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; {
		case c == '"':
			r.pos++
			return nil
		case c == '\\':
			var rn [utf8.UTFMax]byte // room for the escape's rune: skipping allocates nothing
			if _, err := r.escape(rn[:0]); err != nil {
				return err
			}
		case c < ' ':
			return r.errorf("control character %#x in a string", c)
		default:
			r.pos++
		}
	}
	return r.errorf("unterminated string")
}

// Any reads the next value as encoding/json decodes into an interface:
// map[string]any, []any, string, float64, bool or nil.
func (r *Reader) Any() (any, error) {
	switch c := r.space(); {
	case c == '{':
		m := map[string]any{}
		err := r.Object(func(key []byte) error {
			v, err := r.Any()
			m[string(key)] = v
			return err
		})
		return m, err
	case c == '[':
		a := []any{}
		err := r.Array(func(int) error {
			v, err := r.Any()
			a = append(a, v)
			return err
		})
		return a, err
	case c == '"':
		b, err := r.bytes()
		return string(b), err
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return r.float()
	}
	return nil, r.unexpected("a value")
}

func (r *Reader) float() (float64, error) {
	at := r.pos
	lit, err := r.number()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return 0, &SyntaxError{Offset: at, Msg: fmt.Sprintf("%s is out of range of a float64", lit)}
	}
	return f, nil
}

// Fold appends key to buf[:0] with its ASCII letters lowered: a switch on
// string(Fold(buf, key)) over lowercase field names matches keys as
// encoding/json does, without allocating for keys that fit in buf.
func Fold(buf, key []byte) []byte {
	buf = buf[:0]
	for _, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}
