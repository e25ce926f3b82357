package postgres

import (
	"context"
	"net/netip"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
)

// Units lists the run's units in lease order.
func (s *Store) Units(ctx context.Context, run int64) ([]ipatlas.Unit, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, registry, kind, start_ip, end_ip, cursor, state, digest
		FROM units WHERE run = $1 ORDER BY id`, run)
	if err != nil {
		return nil, s.wrap("units", err)
	}
	defer rows.Close()
	var out []ipatlas.Unit
	for rows.Next() {
		u := ipatlas.Unit{Run: run}
		var reg, kind, state string
		var first, last netip.Prefix
		var cursor *netip.Prefix
		if err := rows.Scan(&u.ID, &reg, &kind, &first, &last, &cursor, &state, &u.Digest); err != nil {
			return nil, s.wrap("units", err)
		}
		u.Registry, u.Kind, u.State = ipatlas.Registry(reg), ipatlas.UnitKind(kind), ipatlas.UnitState(state)
		u.Range = ipatlas.Range{From: first.Addr(), To: last.Addr()}
		if cursor != nil {
			u.Cursor = cursor.Addr()
		}
		out = append(out, u)
	}
	return out, s.wrap("units", rows.Err())
}

// CarryOver copies the networks run from recorded in each unit's range into
// run to and marks the unit done, in one transaction. A network that
// reaches past its unit counts as a spill of the new run.
func (s *Store) CarryOver(ctx context.Context, from, to int64, units []int64) (int, error) {
	copied := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		for _, id := range units {
			tag, err := tx.Exec(ctx, `WITH u AS (SELECT family, start_ip, end_ip FROM units WHERE id = $3 AND run = $2)
				INSERT INTO networks (run, registry, family, start_ip, end_ip, ip_range, cidrs, handle, name, type, status,
					country, parent_handle, origin_as, registered, last_changed, entities, data)
				SELECT $2, n.registry, n.family, n.start_ip, n.end_ip, n.ip_range, n.cidrs, n.handle, n.name, n.type, n.status,
					n.country, n.parent_handle, n.origin_as, n.registered, n.last_changed, n.entities, n.data
				FROM networks n, u WHERE n.run = $1 AND n.family = u.family AND n.start_ip BETWEEN u.start_ip AND u.end_ip
				ON CONFLICT DO NOTHING`, from, to, id)
			if err != nil {
				return err
			}
			copied += int(tag.RowsAffected())
			if _, err := tx.Exec(ctx, `WITH u AS (SELECT family, start_ip, end_ip FROM units WHERE id = $2 AND run = $1)
				UPDATE runs SET spills = spills + (SELECT count(*) FROM networks n, u WHERE n.run = $1 AND n.family = u.family
					AND n.start_ip BETWEEN u.start_ip AND u.end_ip AND n.end_ip > u.end_ip) WHERE id = $1`, to, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE units SET state = 'done', cursor = NULL, lease_owner = '' WHERE id = $1 AND run = $2`, id, to); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, s.wrap("carry networks over", err)
	}
	return copied, nil
}
