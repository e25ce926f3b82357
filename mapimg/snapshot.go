package mapimg

import (
	"errors"
	"fmt"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
)

// ErrNoSnapshot is wrapped by PickSnapshot's errors: at names no
// snapshot, or the index has none.
var ErrNoSnapshot = errors.New("no such snapshot")

// PickSnapshot resolves a snapshot as `ipatlas snapshots` lists them
// (history.Pick): "" for the latest, an id, a listed datetime, or any ISO
// 8601 datetime for the latest snapshot at or before it. It returns an
// index into snaps.
func PickSnapshot(snaps []index.Snapshot, at string) (int, error) {
	listed := make([]ipatlas.Snapshot, len(snaps))
	for i, s := range snaps {
		listed[i] = ipatlas.Snapshot{ID: s.ID, At: s.At, Datetime: s.Datetime}
	}
	k, err := history.Pick(listed, at)
	switch {
	case errors.Is(err, history.ErrNoSnapshots):
		return 0, fmt.Errorf("%w: the history has none", ErrNoSnapshot)
	case errors.Is(err, history.ErrNotSnapshot):
		return 0, fmt.Errorf("%w: %q is no snapshot id, and not an ISO 8601 datetime", ErrNoSnapshot, at)
	case errors.Is(err, history.ErrBeforeFirst):
		return 0, fmt.Errorf("%w: none at or before %s (the first is %s)", ErrNoSnapshot, at, snaps[0].Datetime)
	}
	return k, err
}
