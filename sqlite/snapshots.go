package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// AddSnapshots adds snapshots to the history in one transaction, in any
// order against those kept (history.Merge): nothing is written unless all
// of them are. It returns the snapshots it wrote (inserted, or replacing one
// at their moment when they say so) and the whole history as it now
// stands, which it had to read anyway.
//
// alongside, when not nil and something is to be written, is called with
// that history while the snapshots are encoded and written, so that work
// derived from it (the lookup index) overlaps the write; an error from it
// undoes the add.
func (s *Store) AddSnapshots(ctx context.Context, pending []history.Pending, alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error) {
	fixed := func([]history.Stored) ([]history.Pending, error) { return pending, nil }
	return s.addSnapshots(ctx, fixed, nil, alongside)
}

// addSnapshots is AddSnapshots with the pending snapshots made by build
// from the history as the transaction reads it, and also, when not nil,
// writing more in the same transaction.
func (s *Store) addSnapshots(ctx context.Context, build func([]history.Stored) ([]history.Pending, error),
	also func(*sql.Tx) error, alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error) {
	var added []ipatlas.Snapshot
	var after []history.Stored
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stored, err := timeline(ctx, tx)
		if err != nil {
			return err
		}
		pending, err := build(stored)
		if err != nil {
			return err
		}
		writes, err := history.Merge(stored, pending)
		if err != nil {
			return err
		}
		inserts, err := numberNew(ctx, tx, writes)
		if err != nil {
			return err
		}
		after = history.Written(stored, writes)
		done := make(chan error, 1)
		if alongside != nil && len(writes) > 0 {
			go func() { done <- alongside(after) }()
		} else {
			done <- nil
		}
		added, err = writeSnapshots(ctx, tx, writes, inserts)
		if err == nil && also != nil {
			err = also(tx)
		}
		if aerr := <-done; err == nil {
			err = aerr
		}
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("add snapshots to %s: %w", s.path, err)
	}
	return added, after, nil
}

// numberNew gives the snapshots to insert their IDs and creation time
// before they are written, so that the history they make is known first;
// it reports which writes are inserts.
func numberNew(ctx context.Context, tx *sql.Tx, writes []history.Write) ([]bool, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM snapshots`).Scan(&last); err != nil {
		return nil, err
	}
	now := time.Unix(0, time.Now().UnixNano()).UTC()
	inserts := make([]bool, len(writes))
	for i := range writes {
		switch sn := &writes[i].Snapshot; {
		case sn.ID == 0:
			last++
			sn.ID, sn.Created, inserts[i] = last, now, true
		case writes[i].Pending:
			// A replaced snapshot is stored anew. Its creation time is part
			// of the history's stamp, so an index built before (and a server
			// holding one) is seen to be stale even when the replacement
			// changed payloads only and every count stayed the same.
			sn.Created = now
		}
	}
	return inserts, nil
}

// writeSnapshots inserts the new snapshots and rewrites the changed ones;
// it returns the pending ones written.
func writeSnapshots(ctx context.Context, tx *sql.Tx, writes []history.Write, inserts []bool) ([]ipatlas.Snapshot, error) {
	var added []ipatlas.Snapshot
	for i, w := range writes {
		sn := w.Snapshot
		var err error
		if inserts[i] {
			_, err = tx.ExecContext(ctx, `INSERT INTO snapshots (id, at, datetime, source, created, records, added, removed, changed, delta)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				sn.ID, sn.At.UnixNano(), sn.Datetime, sn.Source, sn.Created.UnixNano(), sn.Records, sn.Added, sn.Removed, sn.Changed, history.Encode(w.Ops))
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE snapshots SET source = ?, created = ?, records = ?, added = ?, removed = ?, changed = ?, delta = ? WHERE id = ?`,
				sn.Source, sn.Created.UnixNano(), sn.Records, sn.Added, sn.Removed, sn.Changed, history.Encode(w.Ops), sn.ID)
		}
		if err != nil {
			return nil, err
		}
		if w.Pending {
			added = append(added, sn)
		}
	}
	return added, nil
}

// Snapshots lists the snapshots in time order.
func (s *Store) Snapshots(ctx context.Context) ([]ipatlas.Snapshot, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+snapshotColumns+` FROM snapshots ORDER BY at`)
	if err != nil {
		return nil, fmt.Errorf("list snapshots in %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []ipatlas.Snapshot
	for rows.Next() {
		sn, err := scanSnapshot(rows, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// Timeline is every snapshot in time order with its delta, for replaying
// history (history.States).
func (s *Store) Timeline(ctx context.Context) ([]history.Stored, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	out, err := timeline(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", s.path, err)
	}
	return out, nil
}

// Deltas is every snapshot in time order with its delta still encoded
// (history.Each reads one), for replaying a large history one snapshot
// at a time.
func (s *Store) Deltas(ctx context.Context) ([]ipatlas.Snapshot, [][]byte, error) {
	snaps, deltas, err := readDeltas(ctx, s.read)
	if err != nil {
		return nil, nil, fmt.Errorf("read history of %s: %w", s.path, err)
	}
	return snaps, deltas, nil
}

const snapshotColumns = `id, at, datetime, source, created, records, added, removed, changed`

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readDeltas(ctx context.Context, q querier) ([]ipatlas.Snapshot, [][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+snapshotColumns+`, delta FROM snapshots ORDER BY at`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var snaps []ipatlas.Snapshot
	var deltas [][]byte
	for rows.Next() {
		var delta []byte
		sn, err := scanSnapshot(rows, &delta)
		if err != nil {
			return nil, nil, err
		}
		snaps, deltas = append(snaps, sn), append(deltas, delta)
	}
	return snaps, deltas, rows.Err()
}

func timeline(ctx context.Context, q querier) ([]history.Stored, error) {
	snaps, deltas, err := readDeltas(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]history.Stored, len(snaps))
	for i, sn := range snaps {
		ops, err := history.Decode(deltas[i])
		if err != nil {
			return nil, fmt.Errorf("snapshot %d (%s): %w", sn.ID, sn.Datetime, err)
		}
		out[i] = history.Stored{Snapshot: sn, Ops: ops}
	}
	return out, nil
}

func scanSnapshot(rows *sql.Rows, delta *[]byte) (ipatlas.Snapshot, error) {
	var sn ipatlas.Snapshot
	var at, created int64
	dst := []any{&sn.ID, &at, &sn.Datetime, &sn.Source, &created, &sn.Records, &sn.Added, &sn.Removed, &sn.Changed}
	if delta != nil {
		dst = append(dst, delta)
	}
	if err := rows.Scan(dst...); err != nil {
		return sn, err
	}
	sn.At, sn.Created = time.Unix(0, at).UTC(), time.Unix(0, created).UTC()
	return sn, nil
}
