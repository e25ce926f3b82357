package history_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// memStore keeps a timeline the way a store does: it gives inserted
// snapshots IDs and applies Merge's writes (history.Written).
type memStore struct {
	stored []history.Stored
	nextID int64
}

func (m *memStore) add(t *testing.T, pending ...history.Pending) error {
	t.Helper()
	writes, err := history.Merge(m.stored, pending)
	if err != nil {
		return err
	}
	for i := range writes {
		if writes[i].Snapshot.ID == 0 {
			m.nextID++
			writes[i].Snapshot.ID = m.nextID
		}
	}
	m.stored = history.Written(m.stored, writes)
	return nil
}

func day(i int) time.Time { return time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC) }

func pending(i int, records []ipatlas.Record) history.Pending {
	return history.Pending{Snapshot: ipatlas.Snapshot{At: day(i), Datetime: day(i).Format("2006-01-02"), Source: fmt.Sprintf("snap-%d", i)}, Records: records}
}

// TestSnapshotsInAnyOrderGiveTheSameHistory: snapshots added one by one in
// a random order, or in random batches, replay to exactly their states in
// time order, with counts that match the deltas.
func TestSnapshotsInAnyOrderGiveTheSameHistory(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 100 {
		n := 1 + rng.IntN(6)
		states := make([][]ipatlas.Record, n)
		for i := range states {
			states[i] = randomState(rng, rng.IntN(30))
		}
		order := rng.Perm(n)
		var m memStore
		for len(order) > 0 {
			k := 1 + rng.IntN(len(order))
			var batch []history.Pending
			for _, i := range order[:k] {
				batch = append(batch, pending(i, states[i]))
			}
			order = order[k:]
			if err := m.add(t, batch...); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		i := 0
		err := history.States(m.stored, func(s ipatlas.Snapshot, got []ipatlas.Record) error {
			d := history.Diff(prevState(states, i), states[i])
			switch {
			case !s.At.Equal(day(i)):
				return fmt.Errorf("snapshot %d at %v, want %v", i, s.At, day(i))
			case !sameRecords(got, states[i]):
				return fmt.Errorf("snapshot %d state %v, want %v", i, got, states[i])
			case s.Added != d.Added || s.Removed != d.Removed || s.Changed != d.Changed || s.Records != len(states[i]):
				return fmt.Errorf("snapshot %d counts %+v, want %+v and %d records", i, s, d, len(states[i]))
			}
			i++
			return nil
		})
		if err != nil || i != n {
			t.Fatalf("round %d: %v after %d of %d snapshots", round, err, i, n)
		}
	}
}

func prevState(states [][]ipatlas.Record, i int) []ipatlas.Record {
	if i == 0 {
		return nil
	}
	return states[i-1]
}

func TestSameDatetimeTwice(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := randomState(rng, 20), randomState(rng, 20)
	var m memStore
	if err := m.add(t, pending(0, a)); err != nil {
		t.Fatal(err)
	}
	if err := m.add(t, pending(0, slices.Clone(a))); err != nil || len(m.stored) != 1 {
		t.Errorf("the same snapshot again: %v, %d snapshots; want a no-op", err, len(m.stored))
	}
	if err := m.add(t, pending(0, b)); !errors.Is(err, history.ErrSnapshotExists) {
		t.Errorf("different data at the same datetime: %v, want ErrSnapshotExists", err)
	}
	if err := m.add(t, pending(1, a), pending(1, b)); !errors.Is(err, history.ErrSnapshotExists) {
		t.Errorf("two new snapshots at one datetime: %v, want ErrSnapshotExists", err)
	}
}

// TestReplaceTakesTheStoredSnapshotsPlace: a pending snapshot that says
// Replace takes the place of the stored one at its moment (same ID), and the
// snapshot after it is rewritten against it; the history replays to the new
// states with matching counts.
func TestReplaceTakesTheStoredSnapshotsPlace(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	states := [][]ipatlas.Record{randomState(rng, 20), randomState(rng, 20), randomState(rng, 20)}
	var m memStore
	if err := m.add(t, pending(0, states[0]), pending(1, states[1]), pending(2, states[2])); err != nil {
		t.Fatal(err)
	}
	idBefore := m.stored[1].ID
	states[1] = randomState(rng, 25)
	replacing := pending(1, states[1])
	replacing.Replace = true
	writes, err := history.Merge(m.stored, []history.Pending{replacing})
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) != 2 || !writes[0].Pending || writes[0].Snapshot.ID != idBefore || writes[1].Pending || writes[1].Snapshot.ID != m.stored[2].ID {
		t.Fatalf("writes %+v: want the replacement (ID %d) and the rewritten snapshot after it", writes, idBefore)
	}
	m.stored = history.Written(m.stored, writes)
	i := 0
	err = history.States(m.stored, func(s ipatlas.Snapshot, got []ipatlas.Record) error {
		d := history.Diff(prevState(states, i), states[i])
		if !sameRecords(got, states[i]) || s.Added != d.Added || s.Removed != d.Removed || s.Changed != d.Changed || s.Records != len(states[i]) {
			return fmt.Errorf("snapshot %d: %+v holding %d records, want %+v and %d", i, s, len(got), d, len(states[i]))
		}
		i++
		return nil
	})
	if err != nil || i != 3 {
		t.Fatalf("%v after %d of 3 snapshots", err, i)
	}
	if writes, err := history.Merge(m.stored, []history.Pending{replacing}); err != nil || len(writes) != 0 {
		t.Errorf("replacing with the same data: %d writes, %v; want none", len(writes), err)
	}
}
