package crawl

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// Snapshot is a finished run as a snapshot of history: every network it
// recorded, as ipatlas.NetworkRecord keeps it. The run is dated by its
// start: a crawl sweeps for hours, and its start stays the same when its
// failures are retried and it finishes again, so that snapshot replaces
// the one before.
func Snapshot(ctx context.Context, store ipatlas.Store, run ipatlas.Run) (history.Pending, error) {
	var records []ipatlas.Record
	err := store.Networks(ctx, run.ID, func(n ipatlas.Network) error {
		r, err := ipatlas.NetworkRecord(n)
		records = append(records, r)
		return err
	})
	if err != nil {
		return history.Pending{}, fmt.Errorf("run %d: %w", run.ID, err)
	}
	slices.SortFunc(records, ipatlas.CompareRecords) // nested networks after the ones holding them
	return history.Pending{
		Snapshot: ipatlas.Snapshot{At: run.Started, Datetime: RunDatetime(run), Source: fmt.Sprintf(runSource, run.ID)},
		Records:  records,
		Replace:  true,
	}, nil
}

// runSource is a crawl snapshot's source: the run it is of.
const runSource = "crawl run %d"

// SnapshotRun is the run a snapshot of the history is of, when it is a
// crawl's (a loaded file's is not): what was planned for it, its units,
// stays with the run.
func SnapshotRun(s ipatlas.Snapshot) (int64, bool) {
	var id int64
	if _, err := fmt.Sscanf(s.Source, runSource, &id); err != nil || fmt.Sprintf(runSource, id) != s.Source {
		return 0, false
	}
	return id, true
}

// RunDatetime is the datetime a run's snapshot and its exports carry.
func RunDatetime(run ipatlas.Run) string {
	return run.Started.UTC().Format(time.RFC3339Nano)
}
