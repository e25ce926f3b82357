package jsonscan_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

var seeds = []string{
	`{"a":[1,-2.5e3,true,false,null,"s"],"b":{"c":{}},"d":[]}`, `"caf\u00e9 \ud83d\ude00 \ud800x \udc00"`, `"\"\\\/\b\f\n\r\t"`,
	`0`, `-0`, `01`, `1.`, `.5`, `1e`, `1e+`, `-`, `1e999`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `tru`, `nul`,
	"\"tab\tin\"", "\"\xff\"", `"\u12"`, `"\x"`, `[[[[[]]]]]`, `{"a":1} x`, ` [ 1 , 2 ] `, ``, `"`, `{"a":"b"`,
}

// FuzzAnyMatchesEncodingJSON: Any accepts exactly what json.Unmarshal into
// an interface accepts, and gives the same value.
func FuzzAnyMatchesEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := jsonscan.New(in)
		got, err := r.Any()
		if err == nil {
			err = r.End()
		}
		var want any
		wantErr := json.Unmarshal(in, &want)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Any error %v, encoding/json error %v, input %q", err, wantErr, in)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Any = %#v, encoding/json %#v, input %q", got, want, in)
		}
	})
}

// FuzzSkipMatchesValid: Skip accepts exactly the valid JSON values.
func FuzzSkipMatchesValid(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := jsonscan.New(in)
		err := r.Skip()
		if err == nil {
			err = r.End()
		}
		if (err == nil) != json.Valid(in) {
			t.Fatalf("Skip error %v, json.Valid %v, input %q", err, json.Valid(in), in)
		}
	})
}

func TestFoldMatchesKeysInAnyCase(t *testing.T) {
	t.Parallel()
	var buf [8]byte
	for key, want := range map[string]string{"startAddress": "startaddress", "HANDLE": "handle", "cidr0_cidrs": "cidr0_cidrs", "a-very-long-key-indeed": "a-very-long-key-indeed"} {
		if got := string(jsonscan.Fold(buf[:], []byte(key))); got != want {
			t.Errorf("Fold(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestErrorsSayWhere(t *testing.T) {
	t.Parallel()
	err := jsonscan.New([]byte(`{"a": tru}`)).Skip()
	var se *jsonscan.SyntaxError
	if !asSyntax(err, &se) || se.Offset != 6 {
		t.Fatalf("Skip error %v, want a SyntaxError at offset 6", err)
	}
}

func asSyntax(err error, se **jsonscan.SyntaxError) bool {
	s, ok := err.(*jsonscan.SyntaxError)
	*se = s
	return ok
}

// FuzzStringMatchesEncodingJSON: String reads what json.Unmarshal into a
// string reads, and the result never shares memory with the input: the
// input is overwritten after reading and the string must not change.
func FuzzStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range append(seeds, `"plain"`, `"caf\u00e9"`, "\"café\"", "\"bad \xc3 utf8\"", `"a\/b"`, `""`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want string
		werr := json.Unmarshal(data, &want)
		var got string
		r := jsonscan.New(data)
		err := r.String(&got)
		if err == nil {
			err = r.End()
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("String(%q) error %v, encoding/json %v", data, err, werr)
		}
		if err != nil {
			return
		}
		input := string(data)
		for i := range data {
			data[i] = 'X'
		}
		if got != want {
			t.Errorf("String(%q) = %q once the input was overwritten, want %q", input, got, want)
		}
	})
}

// TestEachString: one string or a list of them; a list's other elements
// read as nil and any other value is skipped, the reader moving past it.
func TestEachString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		`["a", 1, "", "b\u0021"]`: {"a", "<nil>", "", "b!"},
		`"one"`:                   {"one"},
		`{"a": "b"}`:              nil,
		`7`:                       nil,
		`null`:                    nil,
	} {
		r := jsonscan.New([]byte(`[` + in + `, "next"]`))
		var got []string
		var next string
		err := r.Array(func(i int) error {
			if i == 1 {
				return r.OptString(&next)
			}
			return r.EachString(func(s []byte) {
				if s == nil {
					got = append(got, "<nil>")
					return
				}
				got = append(got, string(s))
			})
		})
		if err != nil || !reflect.DeepEqual(got, want) || next != "next" {
			t.Errorf("%s: got %q, %q, %v; want %q", in, got, next, err, want)
		}
	}
}

// TestOptString: a string is read, anything else skipped, leaving the
// destination as it was.
func TestOptString(t *testing.T) {
	t.Parallel()
	r := jsonscan.New([]byte(`["x", {"y": 1}, 2]`))
	s := "kept"
	var got []string
	err := r.Array(func(int) error {
		err := r.OptString(&s)
		got = append(got, s)
		return err
	})
	if want := []string{"x", "x", "x"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
