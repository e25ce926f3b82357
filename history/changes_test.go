package history_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/internal/historytest"
)

var record = historytest.Record

func TestChangesNameTheFieldsThatChanged(t *testing.T) {
	prev := []ipatlas.Record{
		record("1.0.0.0", "1.0.0.255", `{"org":"A","cc":"NL","asn":1}`),
		record("1.0.1.0", "1.0.1.255", `{"org":"B"}`),
		record("1.0.2.0", "1.0.2.255", `{"org":"C"}`),
	}
	next := []ipatlas.Record{
		record("1.0.0.0", "1.0.0.255", `{"org":"A","cc":"DE","note":"x"}`),
		record("1.0.2.0", "1.0.2.255", `{"org":"C"}`),
		record("::1", "::2", `{"org":"D"}`),
	}
	got, err := history.Changes(prev, next)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind, from string
		fields     []string
	}{
		{"changed", "1.0.0.0", []string{"asn", "cc", "note"}},
		{"removed", "1.0.1.0", nil},
		{"added", "::1", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes: %+v", len(got), got)
	}
	for i, w := range want {
		if g := got[i]; g.Kind() != w.kind || g.Range.From.String() != w.from || !reflect.DeepEqual(g.Fields, w.fields) {
			t.Errorf("change %d: %s %s %v, want %+v", i, g.Kind(), g.Range.From, g.Fields, w)
		}
	}
	if _, err := history.Changes(prev[:1], []ipatlas.Record{record("1.0.0.0", "1.0.0.255", `not json`)}); !errors.Is(err, history.ErrCorrupt) {
		t.Errorf("a payload that is not JSON: %v", err)
	}
}
