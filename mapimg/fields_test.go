package mapimg_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/ipatlas/ipatlas/mapimg"
)

// referenceFields is the slow, obviously right reading of a record's
// registry and country.
func referenceFields(rec []byte) (registry, country []byte, ok bool) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(rec, &top); err != nil || top == nil {
		return nil, nil, false
	}
	str := func(raw json.RawMessage) []byte {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		return []byte(s)
	}
	return str(top["registry"]), str(top["country"]), true
}

var fieldSeeds = []string{
	`{"begin":"1.0.0.0","end":"1.0.0.255","datetime":"2024","registry":"apnic","country":"AU"}`,
	`{"registry":"arin","entities":[{"roles":["registrant"],"contact":{"name":"A \"quoted\" \\ name","country":"XX"}}],"n":-1.5e3,"t":true,"z":null}`,
	`{"remarks":[{"description":["{[\"country\":\"NO\"]}"]}],"country":"D\u0045","registry":"ripe ncc"}`,
	` { "registry" : "lacnic" , "country" : 7 , "x" : [ 1 , { } , [ ] ] } `,
	`{"nested":{"registry":"afrinic","country":"ZA"}}`,
	`{"registry":"arin","country":"US",`,
	`{"registry":"arin\`,
	`[]`, `{}`, ``, `{"a":[}`, `{"a":"\\\\"}`,
}

// TestTopFieldsMatchesEncodingJSON: on valid records the fast reader
// finds what encoding/json finds; on anything else it may give up, but
// never finds a field encoding/json would not.
func TestTopFieldsMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range fieldSeeds {
		checkTopFields(t, []byte(s))
	}
}

func FuzzTopFields(f *testing.F) {
	for _, s := range fieldSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, rec []byte) { checkTopFields(t, rec) })
}

func checkTopFields(t *testing.T, rec []byte) {
	t.Helper()
	reg, country, ok := mapimg.TopFields(rec)
	wantReg, wantCountry, valid := referenceFields(rec)
	if !valid || !utf8.Valid(rec) {
		return // not what an index holds: whatever the fast reader makes of it, no crash
	}
	if !ok || !bytes.Equal(reg, wantReg) || !bytes.Equal(country, wantCountry) {
		t.Fatalf("%s: got %q %q %v, want %q %q", rec, reg, country, ok, wantReg, wantCountry)
	}
}
