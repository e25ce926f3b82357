package dump_test

import (
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/dump"
	"github.com/ipatlas/ipatlas/history"
)

func record(t *testing.T, rng, payload string) ipatlas.Record {
	t.Helper()
	r, err := ipatlas.ParseRange(rng)
	if err != nil {
		t.Fatal(err)
	}
	return ipatlas.Record{Range: r, Payload: []byte(payload)}
}

func TestRecordRegistry(t *testing.T) {
	t.Parallel()
	for payload, want := range map[string]ipatlas.Registry{
		`{"registry":"ripencc","handle":"x"}`:     ipatlas.RIPENCC,
		`{"org":"A","registry":"apnic"}`:          ipatlas.APNIC,
		`{"registry":"ri\"pe"}`:                   `ri"pe`,
		`{"org":"no registry"}`:                   "",
		`not json`:                                "",
		`{"nested":{"registry":"arin"},"x":true}`: "",
	} {
		if got := dump.RecordRegistry(ipatlas.Record{Payload: []byte(payload)}); got != want {
			t.Errorf("%s: %q, want %q", payload, got, want)
		}
	}
}

// TestOverlayReplacesTheDumpedSpace: the dumped registry's networks of the
// dumped IP version are replaced; other registries, the other version and
// records of no registry stay; a range in both keeps the dump's record.
func TestOverlayReplacesTheDumpedSpace(t *testing.T) {
	t.Parallel()
	base := []ipatlas.Record{
		record(t, "10.0.0.0/8", `{"registry":"arin"}`),
		record(t, "10.0.0.0/16", `{"registry":"ripencc","old":1}`),
		record(t, "10.1.0.0/16", `{"registry":"ripencc","gone":1}`),
		record(t, "10.2.0.0/16", `{"org":"whip file"}`),
		record(t, "2001:db8::/32", `{"registry":"ripencc","v6":1}`),
	}
	dumped := []ipatlas.Record{
		record(t, "10.0.0.0/8", `{"registry":"ripencc","clash":1}`),
		record(t, "10.0.0.0/16", `{"registry":"ripencc","new":1}`),
	}
	got := dump.Overlay(base, []ipatlas.Dump{{Registry: ipatlas.RIPENCC, IPVersion: 4}}, dumped)
	want := []string{
		`10.0.0.0 - 10.255.255.255 {"registry":"ripencc","clash":1}`,
		`10.0.0.0 - 10.0.255.255 {"registry":"ripencc","new":1}`,
		`10.2.0.0 - 10.2.255.255 {"org":"whip file"}`,
		`2001:db8:: - 2001:db8:ffff:ffff:ffff:ffff:ffff:ffff {"registry":"ripencc","v6":1}`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(got), len(want), got)
	}
	for i, r := range got {
		if s := r.Range.String() + " " + string(r.Payload); s != want[i] {
			t.Errorf("record %d: %s, want %s", i, s, want[i])
		}
	}
	if c := dump.Covered(base, []ipatlas.Dump{{Registry: ipatlas.RIPENCC, IPVersion: 6}}); len(c) != 1 || c[0].Range.Is4() {
		t.Errorf("Covered IPv6 = %v", c)
	}
}

func TestStateAtAndLatest(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	a, b := record(t, "10.0.0.0/8", `{"registry":"ripencc"}`), record(t, "11.0.0.0/8", `{"registry":"ripencc"}`)
	stored := []history.Stored{
		{Snapshot: ipatlas.Snapshot{ID: 1, At: day(1)}, Ops: []history.Op{{Range: a.Range, Payload: a.Payload}}},
		{Snapshot: ipatlas.Snapshot{ID: 2, At: day(5)}, Ops: []history.Op{{Range: b.Range, Payload: b.Payload}}},
	}
	for d, want := range map[int]int{0: 0, 1: 1, 4: 1, 5: 2, 9: 2} {
		state, err := history.StateAt(stored, day(d))
		if err != nil || len(state) != want {
			t.Errorf("day %d: %d records, %v; want %d", d, len(state), err, want)
		}
	}
	dumps := []ipatlas.Dump{
		{Registry: ipatlas.RIPENCC, IPVersion: 4, At: day(1)}, {Registry: ipatlas.RIPENCC, IPVersion: 4, At: day(5)},
		{Registry: ipatlas.RIPENCC, IPVersion: 6, At: day(9)}, {Registry: ipatlas.APNIC, IPVersion: 6, At: day(2)},
	}
	got := dump.Latest(dumps, day(6))
	if len(got) != 2 || got[0].Registry != ipatlas.APNIC || got[1].At != day(5) {
		t.Errorf("Latest at day 6 = %+v: want APNIC IPv6 of day 2, RIPE NCC IPv4 of day 5", got)
	}
}
