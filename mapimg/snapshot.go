package mapimg

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/whipfile"
)

// ErrNoSnapshot is wrapped by PickSnapshot's errors: at names no
// snapshot, or the index has none.
var ErrNoSnapshot = errors.New("no such snapshot")

// PickSnapshot resolves a snapshot as `ipatlas snapshots` lists them: ""
// for the latest, an id, a listed datetime, or any ISO 8601 datetime for
// the latest snapshot at or before it. It returns an index into snaps.
func PickSnapshot(snaps []index.Snapshot, at string) (int, error) {
	if len(snaps) == 0 {
		return 0, fmt.Errorf("%w: the history has none", ErrNoSnapshot)
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
		return 0, fmt.Errorf("%w: %q is no snapshot id, and not an ISO 8601 datetime", ErrNoSnapshot, at)
	}
	i := len(snaps) - 1
	for i >= 0 && snaps[i].At.After(t) {
		i--
	}
	if i < 0 {
		return 0, fmt.Errorf("%w: none at or before %s (the first is %s)", ErrNoSnapshot, at, snaps[0].Datetime)
	}
	return i, nil
}
