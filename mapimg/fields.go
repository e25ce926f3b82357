package mapimg

import (
	"bytes"
	"encoding/json"
)

// The records of an index are compact JSON objects that ipatlas wrote
// itself from checked input, and a map needs two short fields of each:
// the registry and the country. A general reader (internal/jsonscan)
// checks every byte of the contacts and remarks that make up most of a
// crawled record; topFields instead jumps from quote to quote with
// bytes.IndexByte, a few times faster over a large snapshot. It never
// reads out of bounds, and a record it cannot follow counts as having
// neither field.

// topFields returns the string values of the registry and country keys of
// a JSON object's top level (nil when absent or not strings); ok is false
// for a record it cannot follow.
func topFields(rec []byte) (registry, country []byte, ok bool) {
	i := skipSpace(rec, 0)
	if i >= len(rec) || rec[i] != '{' {
		return nil, nil, false
	}
	for i = skipSpace(rec, i+1); i < len(rec) && rec[i] != '}'; {
		keyEnd := skipString(rec, i)
		if keyEnd < 0 {
			return nil, nil, false
		}
		key := rec[i+1 : keyEnd-1]
		if i = skipSpace(rec, keyEnd); i >= len(rec) || rec[i] != ':' {
			return nil, nil, false
		}
		i = skipSpace(rec, i+1)
		end := skipValue(rec, i)
		if end < 0 {
			return nil, nil, false
		}
		switch string(key) {
		case "registry":
			registry = stringValue(rec[i:end])
		case "country":
			country = stringValue(rec[i:end])
		}
		if i = skipSpace(rec, end); i < len(rec) && rec[i] == ',' {
			i = skipSpace(rec, i+1)
		}
	}
	return registry, country, i < len(rec)
}

// stringValue is a JSON string's value, unescaped when it has escapes;
// nil for any other value.
func stringValue(v []byte) []byte {
	if len(v) < 2 || v[0] != '"' {
		return nil
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil
	}
	return []byte(s)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the position after the string starting at i, or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; ; i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		escapes := 0
		for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return i + 1
		}
	}
}

// skipValue returns the position after the value starting at i, or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipContainer(b, i)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' {
		i++ // a number, true, false or null
	}
	return i
}

// skipContainer returns the position after the object or array starting
// at i, or -1: it counts brackets, passing over strings whole.
func skipContainer(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			if i = skipString(b, i); i < 0 {
				return -1
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return -1
}
