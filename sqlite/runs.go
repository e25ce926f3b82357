package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ipatlas/ipatlas"
)

// LatestRun returns the most recent run, or ipatlas.ErrNotFound.
func (s *Store) LatestRun(ctx context.Context) (ipatlas.Run, error) {
	var r ipatlas.Run
	var started int64
	var finished sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT id, started, finished, params, spills FROM runs ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &started, &finished, &r.Params, &r.Spills)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ipatlas.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("latest run: %w", err)
	}
	r.Started = time.Unix(0, started).UTC()
	if finished.Valid {
		r.Finished = time.Unix(0, finished.Int64).UTC()
	}
	return r, nil
}

// StartRun creates a run and its units in one transaction.
func (s *Store) StartRun(ctx context.Context, params string, units []ipatlas.Unit) (ipatlas.Run, error) {
	run := ipatlas.Run{Started: time.Now().UTC(), Params: params}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (started, params) VALUES (?, ?)`, run.Started.UnixNano(), params)
		if err != nil {
			return err
		}
		if run.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return insertUnits(ctx, tx, run.ID, units)
	})
	if err != nil {
		return ipatlas.Run{}, fmt.Errorf("start run: %w", err)
	}
	return run, nil
}

func insertUnits(ctx context.Context, tx *sql.Tx, run int64, units []ipatlas.Unit) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO units (run, registry, kind, family, first, last, cursor, state, digest)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, u := range units {
		cursor := u.Cursor
		if !cursor.IsValid() {
			cursor = u.Range.From
		}
		if _, err := stmt.ExecContext(ctx, run, string(u.Registry), string(u.Kind), family(u.Range.From),
			addrBytes(u.Range.From), addrBytes(u.Range.To), addrBytes(cursor), u.Digest); err != nil {
			return err
		}
	}
	return nil
}

// FinishRun marks a run finished.
func (s *Store) FinishRun(ctx context.Context, run int64) error {
	if err := s.writable(); err != nil {
		return fmt.Errorf("finish run %d: %w", run, err)
	}
	_, err := s.write.ExecContext(ctx, `UPDATE runs SET finished = ? WHERE id = ?`, time.Now().UTC().UnixNano(), run)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", run, err)
	}
	return nil
}
