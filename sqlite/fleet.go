package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// Backlog counts the run's units of reg ("" for any) not yet done, from
// the (run, registry, state) or (run, state) index: the units done, most
// of a run, are never read.
func (s *Store) Backlog(ctx context.Context, run int64, reg ipatlas.Registry) (ipatlas.Backlog, error) {
	q, args := `SELECT state, count(*), min(lease_expires) FROM units WHERE run = ? AND registry = ? AND state IN ('pending', 'leased')
		GROUP BY state`, []any{run, string(reg)}
	if reg == "" {
		q, args = `SELECT state, count(*), min(lease_expires) FROM units WHERE run = ? AND state IN ('pending', 'leased') GROUP BY state`, []any{run}
	}
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return ipatlas.Backlog{}, fmt.Errorf("backlog of run %d: %w", run, err)
	}
	defer rows.Close()
	var b ipatlas.Backlog
	for rows.Next() {
		var state string
		var n int
		var expires int64
		if err := rows.Scan(&state, &n, &expires); err != nil {
			return b, err
		}
		switch ipatlas.UnitState(state) {
		case ipatlas.UnitPending:
			b.Pending = n
		case ipatlas.UnitLeased:
			b.Leased, b.NextExpiry = n, time.Unix(0, expires).UTC()
		}
	}
	return b, rows.Err()
}

// Heartbeat records the worker and counts the live workers sharing its
// budget. The embedded store has one crawling process at a time, but it
// keeps the same record as the fleet's, so status reads alike for both.
func (s *Store) Heartbeat(ctx context.Context, w ipatlas.Worker, alive time.Duration) (int, error) {
	counts, rates, err := storekit.EncodeWorkerCounts(w)
	if err != nil {
		return 0, fmt.Errorf("heartbeat of %s: %w", w.ID, err)
	}
	now := time.Now().UTC()
	var shared int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO workers (id, host, source, budget, run, started, seen, stopped, counts, rates)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
			ON CONFLICT (id) DO UPDATE SET run = ?5, seen = ?7, stopped = ?8, counts = ?9, rates = ?10`,
			w.ID, w.Host, w.Source, w.Budget, w.Run, w.Started.UnixNano(), now.UnixNano(), nullTime(w.Stopped), counts, rates); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM workers WHERE budget = ? AND stopped IS NULL AND seen > ?`,
			w.Budget, now.Add(-alive).UnixNano()).Scan(&shared)
	})
	if err != nil {
		return 0, fmt.Errorf("heartbeat of %s: %w", w.ID, err)
	}
	return shared, nil
}

// Workers lists every worker that reported, most recently seen first. A
// database from before workers reported, opened read-only (so not brought
// up to date), has none.
func (s *Store) Workers(ctx context.Context) ([]ipatlas.Worker, error) {
	var tables int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'workers'`).Scan(&tables); err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	if tables == 0 {
		return nil, nil
	}
	rows, err := s.read.QueryContext(ctx, `SELECT id, host, source, budget, run, started, seen, stopped, counts, rates
		FROM workers ORDER BY seen DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	defer rows.Close()
	var out []ipatlas.Worker
	for rows.Next() {
		var w ipatlas.Worker
		var started, seen int64
		var stopped sql.NullInt64
		var counts, rates []byte
		if err := rows.Scan(&w.ID, &w.Host, &w.Source, &w.Budget, &w.Run, &started, &seen, &stopped, &counts, &rates); err != nil {
			return nil, fmt.Errorf("workers: %w", err)
		}
		w.Started, w.Seen = time.Unix(0, started).UTC(), time.Unix(0, seen).UTC()
		if stopped.Valid {
			w.Stopped = time.Unix(0, stopped.Int64).UTC()
		}
		if err := storekit.DecodeWorkerCounts(&w, counts, rates); err != nil {
			return nil, fmt.Errorf("workers: %s: %w", w.ID, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}
