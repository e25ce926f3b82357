package history_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// TestPickResolvesEveryWayToNameASnapshot: the latest, an id, a listed
// datetime, any datetime for the latest snapshot at or before it; and the
// three reasons for naming none.
func TestPickResolvesEveryWayToNameASnapshot(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	snaps := []ipatlas.Snapshot{{ID: 3, At: day(1), Datetime: "2024-01-01"}, {ID: 1, At: day(8), Datetime: "2024-01-08"}}
	for at, want := range map[string]int{"": 1, "3": 0, "1": 1, "2024-01-01": 0, "2024-01-07T23:59:59Z": 0, "2030-01-01": 1} {
		if got, err := history.Pick(snaps, at); err != nil || got != want {
			t.Errorf("Pick(%q) = %d, %v; want %d", at, got, err, want)
		}
	}
	for at, want := range map[string]error{"99": history.ErrNotSnapshot, "2023-12-31": history.ErrBeforeFirst} {
		if _, err := history.Pick(snaps, at); !errors.Is(err, want) {
			t.Errorf("Pick(%q): %v, want %v", at, err, want)
		}
	}
	if _, err := history.Pick(nil, ""); !errors.Is(err, history.ErrNoSnapshots) {
		t.Errorf("Pick of no snapshots: %v", err)
	}
}
