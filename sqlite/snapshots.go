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
// at their moment when they say so) and the whole history
// as it now stands, which it had to read anyway, so that the lookup index
// can be built without reading it back.
func (s *Store) AddSnapshots(ctx context.Context, pending []history.Pending) ([]ipatlas.Snapshot, []history.Stored, error) {
	var added []ipatlas.Snapshot
	var after []history.Stored
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stored, err := timeline(ctx, tx)
		if err != nil {
			return err
		}
		writes, err := history.Merge(stored, pending)
		if err != nil {
			return err
		}
		added = added[:0]
		now := time.Now().UnixNano()
		for i := range writes {
			w := &writes[i]
			sn := &w.Snapshot
			if sn.ID != 0 {
				_, err = tx.ExecContext(ctx, `UPDATE snapshots SET source = ?, records = ?, added = ?, removed = ?, changed = ?, delta = ? WHERE id = ?`,
					sn.Source, sn.Records, sn.Added, sn.Removed, sn.Changed, history.Encode(w.Ops), sn.ID)
			} else {
				err = tx.QueryRowContext(ctx, `INSERT INTO snapshots (at, datetime, source, created, records, added, removed, changed, delta)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
					sn.At.UnixNano(), sn.Datetime, sn.Source, now, sn.Records, sn.Added, sn.Removed, sn.Changed, history.Encode(w.Ops)).Scan(&sn.ID)
				sn.Created = time.Unix(0, now).UTC()
			}
			if err != nil {
				return err
			}
			if w.Pending {
				added = append(added, *sn)
			}
		}
		after = history.Written(stored, writes)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("add snapshots to %s: %w", s.path, err)
	}
	return added, after, nil
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
