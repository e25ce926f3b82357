package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
)

// AddDump stores a loaded dump: the snapshot build makes from the history
// as it stands (a dump's snapshot keeps what the history knows of the
// registries the dump does not cover), and the dumps it covers, all in one
// transaction. A dump already recorded keeps its first loading time.
// Results and alongside are as for AddSnapshots.
func (s *Store) AddDump(ctx context.Context, build func([]history.Stored) (history.Pending, error), dumps []ipatlas.Dump,
	alongside func([]history.Stored) error) ([]ipatlas.Snapshot, []history.Stored, error) {
	one := func(stored []history.Stored) ([]history.Pending, error) {
		p, err := build(stored)
		return []history.Pending{p}, err
	}
	return s.addSnapshots(ctx, one, func(tx *sql.Tx) error { return recordDumps(ctx, tx, dumps) }, alongside)
}

func recordDumps(ctx context.Context, tx *sql.Tx, dumps []ipatlas.Dump) error {
	now := time.Now().UTC().UnixNano()
	for _, d := range dumps {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO dumps (registry, family, at, datetime, source, networks, loaded)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, string(d.Registry), d.IPVersion, d.At.UnixNano(), d.Datetime, d.Source, d.Networks, now); err != nil {
			return err
		}
	}
	return nil
}

// Dumps lists the dumps loaded, oldest first.
func (s *Store) Dumps(ctx context.Context) ([]ipatlas.Dump, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT registry, family, at, datetime, source, networks, loaded FROM dumps ORDER BY at, registry, family`)
	if err != nil {
		return nil, fmt.Errorf("list dumps in %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []ipatlas.Dump
	for rows.Next() {
		var d ipatlas.Dump
		var reg string
		var at, loaded int64
		if err := rows.Scan(&reg, &d.IPVersion, &at, &d.Datetime, &d.Source, &d.Networks, &loaded); err != nil {
			return nil, err
		}
		d.Registry, d.At, d.Loaded = ipatlas.Registry(reg), time.Unix(0, at).UTC(), time.Unix(0, loaded).UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}
