// Package postgres is ipatlas's fleet store: the same ipatlas.Store as the
// embedded one, in a PostgreSQL database that many workers on many
// machines share. Units are leased with FOR UPDATE SKIP LOCKED; every write
// a worker makes is fenced by its lease token, so a worker that lost its
// lease (paused past its expiry, cut off) writes nothing. Lease times come
// from the database's clock, never a worker's.
//
// Addresses are inet and ranges inetrange (a range type over inet), so
// the tables answer SQL users write by hand.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ipatlas/ipatlas"
)

// Store is an ipatlas.Store in PostgreSQL, safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	name string // the database, for errors: host and name, never the password
}

var _ ipatlas.Store = (*Store)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value
// string; search_path in it picks the schema) and applies any migrations
// not yet applied.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// Connect prepares connections to the database at dsn without touching
// its schema: for `ipatlas migrate`, which reports what it applies.
// Connections are made on first use.
func Connect(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{name: fmt.Sprintf("postgres %s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)}
	if s.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return s, nil
}

// SchemaVersion is the latest migration applied to the database, and the
// latest this ipatlas knows.
func (s *Store) SchemaVersion(ctx context.Context) (have, known int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&have)
	return have, len(migrations), s.wrap("schema version", err)
}

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Migrate applies the migrations not yet applied, in one transaction
// under an advisory lock, so workers that start at once apply each
// migration once. It returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	var applied []int
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ipatlas migrate ' || current_schema()))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return err
		}
		if have > len(migrations) {
			return fmt.Errorf("the database's schema is version %d, newer than this ipatlas (%d): upgrade ipatlas", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
				return err
			}
			applied = append(applied, v)
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("migrate", err)
	}
	return applied, nil
}

// tx runs fn in a transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// LatestRun returns the most recent run, or ipatlas.ErrNotFound.
func (s *Store) LatestRun(ctx context.Context) (ipatlas.Run, error) {
	var r ipatlas.Run
	var finished *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, started, finished, params, spills FROM runs ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &r.Started, &finished, &r.Params, &r.Spills)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ipatlas.ErrNotFound
	}
	if err != nil {
		return r, s.wrap("latest run", err)
	}
	r.Started = r.Started.UTC()
	if finished != nil {
		r.Finished = finished.UTC()
	}
	return r, nil
}

// StartRun creates a run and its units in one transaction, the units
// copied in bulk.
func (s *Store) StartRun(ctx context.Context, params string, units []ipatlas.Unit) (ipatlas.Run, error) {
	run := ipatlas.Run{Started: time.Now().UTC().Truncate(time.Microsecond), Params: params}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO runs (started, params) VALUES ($1, $2) RETURNING id`, run.Started, params).Scan(&run.ID); err != nil {
			return err
		}
		return insertUnits(ctx, tx, run.ID, units)
	})
	if err != nil {
		return ipatlas.Run{}, s.wrap("start run", err)
	}
	return run, nil
}

func insertUnits(ctx context.Context, tx pgx.Tx, run int64, units []ipatlas.Unit) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"units"}, []string{"run", "registry", "kind", "family", "start_ip", "end_ip", "cursor", "state", "digest"},
		pgx.CopyFromSlice(len(units), func(i int) ([]any, error) {
			u := units[i]
			cursor := u.Cursor
			if !cursor.IsValid() {
				cursor = u.Range.From
			}
			return []any{run, string(u.Registry), string(u.Kind), family(u.Range.From), host(u.Range.From), host(u.Range.To), host(cursor), "pending", u.Digest}, nil
		}))
	return err
}

func family(a netip.Addr) int16 {
	if a.Is4() {
		return 4
	}
	return 6
}

// host is an address as an inet parameter: a one-address prefix, or nil
// (NULL) when it is not valid.
func host(a netip.Addr) any {
	if !a.IsValid() {
		return nil
	}
	return netip.PrefixFrom(a, a.BitLen())
}
