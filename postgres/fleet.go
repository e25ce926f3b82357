package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// Backlog counts the run's units of reg ("" for any) not yet done, from
// the (run, registry, state) or (run, state) index: the units done, most
// of a run, are never read.
func (s *Store) Backlog(ctx context.Context, run int64, reg ipatlas.Registry) (ipatlas.Backlog, error) {
	const counts = `SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'leased'),
		min(lease_expires) FILTER (WHERE state = 'leased') FROM units WHERE run = $1 AND state IN ('pending', 'leased')`
	q, args := counts+` AND registry = $2`, []any{run, string(reg)}
	if reg == "" {
		q, args = counts, []any{run}
	}
	var b ipatlas.Backlog
	var next *time.Time
	err := s.pool.QueryRow(ctx, q, args...).Scan(&b.Pending, &b.Leased, &next)
	if next != nil {
		b.NextExpiry = next.UTC()
	}
	return b, s.wrap(fmt.Sprintf("backlog of run %d", run), err)
}

// Heartbeat records the worker, by the database's clock, and counts the
// live workers sharing its budget.
func (s *Store) Heartbeat(ctx context.Context, w ipatlas.Worker, alive time.Duration) (int, error) {
	counts, rates, err := storekit.EncodeWorkerCounts(w)
	if err != nil {
		return 0, fmt.Errorf("%s: heartbeat of %s: %w", s.name, w.ID, err)
	}
	var shared int
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO workers (id, host, source, budget, run, started, seen, stopped, counts, rates)
				VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, $9)
			ON CONFLICT (id) DO UPDATE SET run = $5, seen = now(), stopped = $7, counts = $8, rates = $9`,
			w.ID, w.Host, w.Source, w.Budget, w.Run, w.Started, dateOrNull(w.Stopped), counts, rates); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM workers WHERE budget = $1 AND stopped IS NULL AND seen > now() - $2::interval`,
			w.Budget, alive).Scan(&shared)
	})
	return shared, s.wrap("heartbeat of "+w.ID, err)
}

// Workers lists every worker that reported, most recently seen first.
func (s *Store) Workers(ctx context.Context) ([]ipatlas.Worker, error) {
	out, err := s.workers(ctx)
	return out, s.wrap("workers", err)
}

func (s *Store) workers(ctx context.Context) ([]ipatlas.Worker, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, host, source, budget, run, started, seen, stopped, counts, rates
		FROM workers ORDER BY seen DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ipatlas.Worker
	for rows.Next() {
		var w ipatlas.Worker
		var stopped *time.Time
		var counts, rates []byte
		if err := rows.Scan(&w.ID, &w.Host, &w.Source, &w.Budget, &w.Run, &w.Started, &w.Seen, &stopped, &counts, &rates); err != nil {
			return nil, err
		}
		w.Started, w.Seen = w.Started.UTC(), w.Seen.UTC()
		if stopped != nil {
			w.Stopped = stopped.UTC()
		}
		if err := storekit.DecodeWorkerCounts(&w, counts, rates); err != nil {
			return nil, fmt.Errorf("worker %s: %w", w.ID, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
