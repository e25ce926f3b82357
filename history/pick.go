package history

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whipfile"
)

// Reasons Pick names no snapshot; callers say them in their own words.
var (
	// ErrNoSnapshots: the history has none.
	ErrNoSnapshots = errors.New("the history has no snapshot")
	// ErrNotSnapshot: at is no snapshot id or listed datetime, and no
	// datetime either.
	ErrNotSnapshot = errors.New("no snapshot id, and not an ISO 8601 datetime")
	// ErrBeforeFirst: at is a datetime before the first snapshot.
	ErrBeforeFirst = errors.New("no snapshot at or before it")
)

// Pick resolves a snapshot as `ipatlas snapshots` lists them, for every
// command's --at: "" for the latest, an id, a listed datetime, or any ISO
// 8601 datetime for the latest snapshot at or before it. snaps are in time
// order; it returns an index into them.
func Pick(snaps []ipatlas.Snapshot, at string) (int, error) {
	if len(snaps) == 0 {
		return 0, ErrNoSnapshots
	}
	if at == "" {
		return len(snaps) - 1, nil
	}
	for i, s := range snaps {
		if s.Datetime == at || strconv.FormatInt(s.ID, 10) == at {
			return i, nil
		}
	}
	t, err := whipfile.ParseDatetime(at)
	if err != nil {
		return 0, ErrNotSnapshot
	}
	i := len(snaps) - 1
	for i >= 0 && snaps[i].At.After(t) {
		i--
	}
	if i < 0 {
		return 0, ErrBeforeFirst
	}
	return i, nil
}

// Replay applies a history's encoded deltas (as a store keeps them, in
// time order) up to its k-th snapshot and returns the records it holds.
// Each delta is decoded and dropped in turn, so a long history is never
// held decoded all at once.
func Replay(snaps []ipatlas.Snapshot, deltas [][]byte, k int) ([]ipatlas.Record, error) {
	if k >= len(snaps) || k >= len(deltas) {
		return nil, fmt.Errorf("snapshot %d of %d: the history changed while being read", k+1, len(snaps))
	}
	var state []ipatlas.Record
	for i := 0; i <= k; i++ {
		ops, err := Decode(deltas[i])
		if err == nil {
			state, err = Apply(state, ops)
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot %d (%s): %w", snaps[i].ID, snaps[i].Datetime, err)
		}
		deltas[i] = nil
	}
	return state, nil
}

// StateAt is the history's state at a moment: that of the last snapshot
// at or before at, nil when there is none.
func StateAt(stored []Stored, at time.Time) ([]ipatlas.Record, error) {
	n := 0
	for n < len(stored) && !stored[n].At.After(at) {
		n++
	}
	if n == 0 {
		return nil, nil
	}
	var state []ipatlas.Record
	err := States(stored[:n], func(_ ipatlas.Snapshot, records []ipatlas.Record) error {
		state = records
		return nil
	})
	return state, err
}
