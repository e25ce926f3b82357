package history

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/parallel"
)

// Stored is a snapshot as kept: its description and its delta from the
// snapshot before it in time.
type Stored struct {
	ipatlas.Snapshot
	Ops []Op
}

// Pending is a snapshot to add: its description (ID unset) and its full
// state, sorted by ipatlas.CompareRecords.
type Pending struct {
	ipatlas.Snapshot
	Records []ipatlas.Record
	// Replace lets the snapshot take the place of a stored one at the same
	// moment that holds different data, instead of being refused: a crawl
	// run that is finished again (its failures retried) has grown.
	Replace bool
}

// Write is what Merge asks a store to do: insert a new snapshot (ID 0) or
// replace a stored one's delta, with the counts.
type Write struct {
	Snapshot ipatlas.Snapshot
	Ops      []Op
	// Pending says the write adds one of the pending snapshots (inserted,
	// or replacing the stored one at its moment), rather than rewriting a
	// stored snapshot's delta against a new predecessor.
	Pending bool
}

// ErrSnapshotExists is returned when a snapshot is added at the moment of
// one already kept, with different data.
var ErrSnapshotExists = errors.New("a different snapshot exists at that datetime")

// Merge adds pending snapshots to a timeline of stored ones (sorted by At),
// in any order: a snapshot older than some stored ones takes its place in
// time, and the delta of the stored snapshot that follows it is rewritten
// against it. A pending snapshot identical to the stored one at the same
// moment is skipped, so loading a file twice changes nothing; one with
// different data is refused unless it says Replace.
func Merge(stored []Stored, pending []Pending) ([]Write, error) {
	pending = slices.Clone(pending)
	slices.SortStableFunc(pending, func(a, b Pending) int { return a.At.Compare(b.At) })
	for i := 1; i < len(pending); i++ {
		if pending[i].At.Equal(pending[i-1].At) {
			return nil, fmt.Errorf("%s and %s: %w (%s)", pending[i-1].Source, pending[i].Source, ErrSnapshotExists, pending[i].Datetime)
		}
	}
	var writes []Write
	var pairs [][2][]ipatlas.Record // each write's states before and after, diffed at the end
	write := func(w Write, prev, next []ipatlas.Record) {
		writes, pairs = append(writes, w), append(pairs, [2][]ipatlas.Record{prev, next})
	}
	var kept, state []ipatlas.Record // the stored chain's state, and the merged one's
	afterNew := false                // the last snapshot in time was a pending one
	p := 0
	for _, s := range stored {
		for ; p < len(pending) && pending[p].At.Before(s.At); p++ {
			write(insert(pending[p]), state, pending[p].Records)
			state, afterNew = pending[p].Records, true
		}
		var err error
		if kept, err = Apply(kept, s.Ops); err != nil {
			return nil, fmt.Errorf("snapshot %d (%s): %w", s.ID, s.Datetime, err)
		}
		if p < len(pending) && pending[p].At.Equal(s.At) {
			np := pending[p]
			p++
			if !slices.EqualFunc(np.Records, kept, ipatlas.Record.Same) {
				if !np.Replace {
					return nil, fmt.Errorf("%s: %w (%s, snapshot %d)", np.Source, ErrSnapshotExists, s.Datetime, s.ID)
				}
				w := insert(np)
				w.Snapshot.ID, w.Snapshot.Created = s.ID, s.Created
				write(w, state, np.Records)
				state, afterNew = np.Records, true
				continue
			}
		}
		if afterNew {
			write(Write{Snapshot: s.Snapshot}, state, kept)
		}
		state, afterNew = kept, false
	}
	for ; p < len(pending); p++ {
		write(insert(pending[p]), state, pending[p].Records)
		state = pending[p].Records
	}
	diffAll(writes, pairs)
	return writes, nil
}

// diffAll fills in each write's delta and counts, side by side: the states
// are all at hand, and a diff of large states is most of a merge.
func diffAll(writes []Write, pairs [][2][]ipatlas.Record) {
	parallel.For(len(writes), func(i int) {
		d := Diff(pairs[i][0], pairs[i][1])
		s := &writes[i].Snapshot
		writes[i].Ops, s.Added, s.Removed, s.Changed = d.Ops, d.Added, d.Removed, d.Changed
	})
}

// Written is the timeline once a store has carried out Merge's writes,
// each inserted snapshot with the ID and creation time the store gave it:
// rewritten snapshots hold their new delta and counts, inserted ones take
// their place in time.
func Written(stored []Stored, writes []Write) []Stored {
	out := slices.Clone(stored)
	at := make(map[int64]int, len(out))
	for i, s := range out {
		at[s.ID] = i
	}
	for _, w := range writes {
		if i, ok := at[w.Snapshot.ID]; ok {
			out[i] = Stored{Snapshot: w.Snapshot, Ops: w.Ops}
		} else {
			out = append(out, Stored{Snapshot: w.Snapshot, Ops: w.Ops})
		}
	}
	slices.SortFunc(out, func(a, b Stored) int { return a.At.Compare(b.At) })
	return out
}

// insert is the write of a pending snapshot, its delta still to come.
func insert(p Pending) Write {
	s := p.Snapshot
	s.ID, s.Records = 0, len(p.Records)
	return Write{Snapshot: s, Pending: true}
}

// States replays a timeline, calling fn with each snapshot and the state it
// holds, in time order. The state passed is fn's to keep.
func States(stored []Stored, fn func(ipatlas.Snapshot, []ipatlas.Record) error) error {
	var state []ipatlas.Record
	for _, s := range stored {
		var err error
		if state, err = Apply(state, s.Ops); err != nil {
			return fmt.Errorf("snapshot %d (%s): %w", s.ID, s.Datetime, err)
		}
		if err := fn(s.Snapshot, state); err != nil {
			return err
		}
	}
	return nil
}
