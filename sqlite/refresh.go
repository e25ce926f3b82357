package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ipatlas/ipatlas"
)

// Units lists the run's units in lease order.
func (s *Store) Units(ctx context.Context, run int64) ([]ipatlas.Unit, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, registry, kind, first, last, cursor, state, digest
		FROM units WHERE run = ? ORDER BY id`, run)
	if err != nil {
		return nil, fmt.Errorf("units of run %d: %w", run, err)
	}
	defer rows.Close()
	var out []ipatlas.Unit
	for rows.Next() {
		u := ipatlas.Unit{Run: run}
		var reg, kind, state string
		var first, last, cursor []byte
		if err := rows.Scan(&u.ID, &reg, &kind, &first, &last, &cursor, &state, &u.Digest); err != nil {
			return nil, err
		}
		u.Registry, u.Kind, u.State = ipatlas.Registry(reg), ipatlas.UnitKind(kind), ipatlas.UnitState(state)
		u.Range = ipatlas.Range{From: bytesAddr(first), To: bytesAddr(last)}
		u.Cursor = bytesAddr(cursor)
		out = append(out, u)
	}
	return out, rows.Err()
}

// CarryOver copies the networks run from recorded in each unit's range into
// run to and marks the unit done, all in one transaction. A network that
// reaches past its unit counts as a spill of the new run, as it did when
// it was first recorded.
func (s *Store) CarryOver(ctx context.Context, from, to int64, units []int64) (int, error) {
	copied := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range units {
			n, err := carryUnit(ctx, tx, from, to, id)
			if err != nil {
				return err
			}
			copied += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("carry run %d's networks over to run %d: %w", from, to, err)
	}
	return copied, nil
}

func carryUnit(ctx context.Context, tx *sql.Tx, from, to, unit int64) (int, error) {
	var fam int
	var first, last []byte
	err := tx.QueryRowContext(ctx, `SELECT family, first, last FROM units WHERE id = ? AND run = ?`, unit, to).Scan(&fam, &first, &last)
	if err != nil {
		return 0, fmt.Errorf("unit %d of run %d: %w", unit, to, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO networks
		(run, registry, family, first, last, handle, name, type, country, parent_handle, data)
		SELECT ?1, registry, family, first, last, handle, name, type, country, parent_handle, data
		FROM networks WHERE run = ?2 AND family = ?3 AND first >= ?4 AND first <= ?5`, to, from, fam, first, last)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET spills = spills + (SELECT count(*) FROM networks
		WHERE run = ?1 AND family = ?2 AND first >= ?3 AND first <= ?4 AND last > ?4) WHERE id = ?1`, to, fam, first, last); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE units SET state = 'done', cursor = NULL, lease_owner = '' WHERE id = ?`, unit)
	return int(n), err
}
