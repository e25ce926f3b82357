package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// Covering returns the most specific recorded network of the run holding
// a: the GiST index on ip_range finds every network containing it.
func (s *Store) Covering(ctx context.Context, run int64, a netip.Addr) (ipatlas.Range, bool, error) {
	best, found, err := s.covering(ctx, run, a)
	return best, found, s.wrap(fmt.Sprintf("covering %s", a), err)
}

func (s *Store) covering(ctx context.Context, run int64, a netip.Addr) (ipatlas.Range, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT start_ip, end_ip FROM networks WHERE ip_range @> $2::inet AND run = $1`, run, host(a))
	if err != nil {
		return ipatlas.Range{}, false, err
	}
	defer rows.Close()
	var best ipatlas.Range
	found := false
	for rows.Next() {
		var first, last netip.Prefix
		if err := rows.Scan(&first, &last); err != nil {
			return best, false, err
		}
		r := ipatlas.Range{From: first.Addr(), To: last.Addr()}
		if !found || best.ContainsRange(r) {
			best, found = r, true
		}
	}
	return best, found, rows.Err()
}

// Networks calls fn for every network of the run, IPv4 first, in address
// order (an enclosing network before the ones inside it). Errors from fn
// are returned as they are.
func (s *Store) Networks(ctx context.Context, run int64, fn func(ipatlas.Network) error) error {
	var fnErr error
	err := s.networks(ctx, run, func(n ipatlas.Network) error {
		fnErr = fn(n)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return s.wrap("list networks", err)
}

func (s *Store) networks(ctx context.Context, run int64, fn func(ipatlas.Network) error) error {
	rows, err := s.pool.Query(ctx, `SELECT data FROM networks WHERE run = $1 ORDER BY family, start_ip, end_ip DESC, handle`, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return err
		}
		var n ipatlas.Network
		if err := json.Unmarshal(data, &n); err != nil {
			return fmt.Errorf("network record: %w", err)
		}
		if err := fn(n); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Progress reports each registry's units, coverage, networks and failures.
func (s *Store) Progress(ctx context.Context, run int64) ([]ipatlas.Progress, error) {
	var prog storekit.Progress
	err := s.unitProgress(ctx, run, &prog)
	if err == nil {
		err = s.countBy(ctx, `SELECT registry, count(*) FROM networks WHERE run = $1 GROUP BY registry`, run,
			func(r string, n int) { prog.Of(r).Networks = n })
	}
	if err == nil {
		err = s.countBy(ctx, `SELECT registry, count(*) FROM failures WHERE run = $1 AND NOT retried GROUP BY registry`, run,
			func(r string, n int) { prog.Of(r).Failures = n })
	}
	if err == nil {
		err = s.readCounts(ctx, run, prog.Of)
	}
	if err != nil {
		return nil, s.wrap("progress", err)
	}
	return prog.List(), nil
}

func (s *Store) unitProgress(ctx context.Context, run int64, prog *storekit.Progress) error {
	rows, err := s.pool.Query(ctx, `SELECT registry, start_ip, end_ip, cursor FROM units WHERE run = $1`, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var reg string
		var first, last netip.Prefix
		var cursor *netip.Prefix
		if err := rows.Scan(&reg, &first, &last, &cursor); err != nil {
			return err
		}
		var at netip.Addr // invalid once the unit is done
		if cursor != nil {
			at = cursor.Addr()
		}
		prog.AddUnit(reg, first.Addr(), last.Addr(), at)
	}
	return rows.Err()
}

func (s *Store) countBy(ctx context.Context, q string, run int64, set func(string, int)) error {
	rows, err := s.pool.Query(ctx, q, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var reg string
		var n int
		if err := rows.Scan(&reg, &n); err != nil {
			return err
		}
		set(reg, n)
	}
	return rows.Err()
}

func (s *Store) readCounts(ctx context.Context, run int64, get func(string) *ipatlas.Progress) error {
	rows, err := s.pool.Query(ctx, `SELECT registry, queries, answers, not_found, redirects, throttled,
		retries, failures, skipped, waited FROM counts WHERE run = $1`, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var reg string
		var c ipatlas.Counts
		if err := rows.Scan(&reg, &c.Queries, &c.Answers, &c.NotFound, &c.Redirects, &c.Throttled,
			&c.Retries, &c.Failures, &c.Skipped, &c.Waited); err != nil {
			return err
		}
		c.Registry = ipatlas.Registry(reg)
		get(reg).Counts = c
	}
	return rows.Err()
}

// Failures lists the run's failed addresses not yet retried.
func (s *Store) Failures(ctx context.Context, run int64) ([]ipatlas.Failure, error) {
	out, err := s.failures(ctx, run)
	return out, s.wrap("failures", err)
}

func (s *Store) failures(ctx context.Context, run int64) ([]ipatlas.Failure, error) {
	rows, err := s.pool.Query(ctx, `SELECT registry, addr, span_end, reason, attempts, at FROM failures
		WHERE run = $1 AND NOT retried ORDER BY family, addr`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ipatlas.Failure
	for rows.Next() {
		var f ipatlas.Failure
		var reg string
		var addr, end netip.Prefix
		if err := rows.Scan(&reg, &addr, &end, &f.Reason, &f.Attempts, &f.At); err != nil {
			return nil, err
		}
		f.Registry, f.Addr, f.SpanEnd, f.At = ipatlas.Registry(reg), addr.Addr(), end.Addr(), f.At.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// RetryFailures turns the run's failures back into pending units and
// reopens the run, returning how many failures it retries. Failures whose
// spans follow one another become one unit, walked in order.
func (s *Store) RetryFailures(ctx context.Context, run int64) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		spans, err := failedSpans(ctx, tx, run)
		if err != nil {
			return err
		}
		if err := insertUnits(ctx, tx, run, spans); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE failures SET retried = true WHERE run = $1 AND NOT retried`, run)
		if err != nil {
			return err
		}
		n = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, `UPDATE runs SET finished = NULL WHERE id = $1 AND $2 > 0`, run, n)
		return err
	})
	if err != nil {
		return 0, s.wrap(fmt.Sprintf("retry failures of run %d", run), err)
	}
	return n, nil
}

// failedSpans reads the failures not yet retried, joining contiguous ones.
func failedSpans(ctx context.Context, tx pgx.Tx, run int64) ([]ipatlas.Unit, error) {
	rows, err := tx.Query(ctx, `SELECT registry, addr, span_end FROM failures
		WHERE run = $1 AND NOT retried ORDER BY registry, family, addr`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var retry storekit.RetryUnits
	for rows.Next() {
		var reg string
		var addr, end netip.Prefix
		if err := rows.Scan(&reg, &addr, &end); err != nil {
			return nil, err
		}
		retry.Add(reg, ipatlas.Range{From: addr.Addr(), To: end.Addr()})
	}
	return retry.Units, rows.Err()
}

// AddCounts adds a crawler's counter deltas to the run's totals.
func (s *Store) AddCounts(ctx context.Context, run int64, counts []ipatlas.Counts) error {
	b := &pgx.Batch{}
	for _, c := range counts {
		b.Queue(`INSERT INTO counts (run, registry, queries, answers, not_found, redirects, throttled, retries, failures, skipped, waited)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (run, registry) DO UPDATE SET queries = counts.queries + excluded.queries,
				answers = counts.answers + excluded.answers, not_found = counts.not_found + excluded.not_found,
				redirects = counts.redirects + excluded.redirects, throttled = counts.throttled + excluded.throttled,
				retries = counts.retries + excluded.retries, failures = counts.failures + excluded.failures,
				skipped = counts.skipped + excluded.skipped, waited = counts.waited + excluded.waited`,
			run, string(c.Registry), c.Queries, c.Answers, c.NotFound, c.Redirects, c.Throttled,
			c.Retries, c.Failures, c.Skipped, c.Waited)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
	if err != nil {
		return s.wrap(fmt.Sprintf("add counts to run %d", run), err)
	}
	return nil
}
