package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// coveringCandidates is how many networks starting at or before an address
// Covering looks at: enough for the nesting registries publish.
const coveringCandidates = 16

// Covering returns the most specific recorded network of the run holding a.
func (s *Store) Covering(ctx context.Context, run int64, a netip.Addr) (ipatlas.Range, bool, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT first, last FROM networks
		WHERE run = ? AND family = ? AND first <= ? ORDER BY first DESC LIMIT ?`,
		run, family(a), addrBytes(a), coveringCandidates)
	if err != nil {
		return ipatlas.Range{}, false, fmt.Errorf("covering %s: %w", a, err)
	}
	defer rows.Close()
	var best ipatlas.Range
	found := false
	for rows.Next() {
		var first, last []byte
		if err := rows.Scan(&first, &last); err != nil {
			return best, false, err
		}
		r := ipatlas.Range{From: bytesAddr(first), To: bytesAddr(last)}
		if r.Contains(a) && (!found || best.ContainsRange(r)) {
			best, found = r, true
		}
	}
	return best, found, rows.Err()
}

// Networks calls fn for every network of the run, IPv4 first, in address
// order (an enclosing network before the ones inside it).
func (s *Store) Networks(ctx context.Context, run int64, fn func(ipatlas.Network) error) error {
	rows, err := s.read.QueryContext(ctx, `SELECT data FROM networks WHERE run = ? ORDER BY family, first, last DESC, handle`, run)
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
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
	get := prog.Of
	if err := s.unitProgress(ctx, run, &prog); err != nil {
		return nil, err
	}
	if err := s.countBy(ctx, `SELECT registry, count(*) FROM networks WHERE run = ? GROUP BY registry`, run,
		func(r string, n int) { get(r).Networks = n }); err != nil {
		return nil, err
	}
	if err := s.countBy(ctx, `SELECT registry, count(*) FROM failures WHERE run = ? AND retried = 0 GROUP BY registry`, run,
		func(r string, n int) { get(r).Failures = n }); err != nil {
		return nil, err
	}
	if err := s.readCounts(ctx, run, get); err != nil {
		return nil, err
	}
	return prog.List(), nil
}

func (s *Store) unitProgress(ctx context.Context, run int64, prog *storekit.Progress) error {
	rows, err := s.read.QueryContext(ctx, `SELECT registry, first, last, cursor FROM units WHERE run = ?`, run)
	if err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reg string
		var first, last, cursor []byte
		if err := rows.Scan(&reg, &first, &last, &cursor); err != nil {
			return err
		}
		prog.AddUnit(reg, bytesAddr(first), bytesAddr(last), bytesAddr(cursor))
	}
	return rows.Err()
}

func (s *Store) countBy(ctx context.Context, q string, run int64, set func(string, int)) error {
	rows, err := s.read.QueryContext(ctx, q, run)
	if err != nil {
		return fmt.Errorf("progress: %w", err)
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

// Failures lists the run's failed addresses not yet retried.
func (s *Store) Failures(ctx context.Context, run int64) ([]ipatlas.Failure, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT registry, addr, span_end, reason, attempts, at FROM failures
		WHERE run = ? AND retried = 0 ORDER BY family, addr`, run)
	if err != nil {
		return nil, fmt.Errorf("failures: %w", err)
	}
	defer rows.Close()
	var out []ipatlas.Failure
	for rows.Next() {
		var f ipatlas.Failure
		var reg string
		var addr, end []byte
		var at int64
		if err := rows.Scan(&reg, &addr, &end, &f.Reason, &f.Attempts, &at); err != nil {
			return nil, err
		}
		f.Registry, f.Addr, f.SpanEnd, f.At = ipatlas.Registry(reg), bytesAddr(addr), bytesAddr(end), time.Unix(0, at).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// RetryFailures turns the run's failures back into pending units and
// reopens the run, returning how many failures it retries. Failures whose spans follow one another (a walk that kept
// failing skips ahead span by span) become one unit, so the retry walks
// them in order, as the first walk would have.
func (s *Store) RetryFailures(ctx context.Context, run int64) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		spans, err := failedSpans(ctx, tx, run)
		if err != nil {
			return err
		}
		if err := insertUnits(ctx, tx, run, spans); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE failures SET retried = 1 WHERE run = ? AND retried = 0`, run)
		if err != nil {
			return err
		}
		affected, _ := res.RowsAffected()
		n = int(affected)
		_, err = tx.ExecContext(ctx, `UPDATE runs SET finished = NULL WHERE id = ? AND ? > 0`, run, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("retry failures of run %d: %w", run, err)
	}
	return n, nil
}

// failedSpans reads the failures not yet retried, joining contiguous ones.
func failedSpans(ctx context.Context, tx *sql.Tx, run int64) ([]ipatlas.Unit, error) {
	rows, err := tx.QueryContext(ctx, `SELECT registry, addr, span_end FROM failures
		WHERE run = ? AND retried = 0 ORDER BY registry, family, addr`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var retry storekit.RetryUnits
	for rows.Next() {
		var reg string
		var addr, end []byte
		if err := rows.Scan(&reg, &addr, &end); err != nil {
			return nil, err
		}
		retry.Add(reg, ipatlas.Range{From: bytesAddr(addr), To: bytesAddr(end)})
	}
	return retry.Units, rows.Err()
}

func (s *Store) readCounts(ctx context.Context, run int64, get func(string) *ipatlas.Progress) error {
	rows, err := s.read.QueryContext(ctx, `SELECT registry, queries, answers, not_found, redirects, throttled,
		retries, failures, skipped, waited FROM counts WHERE run = ?`, run)
	if err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var reg string
		var c ipatlas.Counts
		var waited int64
		if err := rows.Scan(&reg, &c.Queries, &c.Answers, &c.NotFound, &c.Redirects, &c.Throttled,
			&c.Retries, &c.Failures, &c.Skipped, &waited); err != nil {
			return err
		}
		c.Registry, c.Waited = ipatlas.Registry(reg), time.Duration(waited)
		get(reg).Counts = c
	}
	return rows.Err()
}

// AddCounts adds a crawler's counter deltas to the run's totals.
func (s *Store) AddCounts(ctx context.Context, run int64, counts []ipatlas.Counts) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range counts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counts (run, registry, queries, answers, not_found, redirects,
					throttled, retries, failures, skipped, waited) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (run, registry) DO UPDATE SET queries = queries + excluded.queries,
					answers = answers + excluded.answers, not_found = not_found + excluded.not_found,
					redirects = redirects + excluded.redirects, throttled = throttled + excluded.throttled,
					retries = retries + excluded.retries, failures = failures + excluded.failures,
					skipped = skipped + excluded.skipped, waited = waited + excluded.waited`,
				run, string(c.Registry), c.Queries, c.Answers, c.NotFound, c.Redirects, c.Throttled,
				c.Retries, c.Failures, c.Skipped, int64(c.Waited)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add counts to run %d: %w", run, err)
	}
	return nil
}
