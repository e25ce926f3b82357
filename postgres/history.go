package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
)

// FinishRun marks a run finished and adds it to the history as a
// snapshot dated by the run's start: network versions the run no longer
// shows are closed, new and changed ones opened. It is one transaction
// that locks the run's row, so when several workers find the run complete
// at once, one of them writes the snapshot and the others see it done.
// A run finished again after its failures were retried replaces its
// snapshot, as long as no later snapshot exists.
func (s *Store) FinishRun(ctx context.Context, run int64) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var started time.Time
		var finished *time.Time
		if err := tx.QueryRow(ctx, `SELECT started, finished FROM runs WHERE id = $1 FOR UPDATE`, run).Scan(&started, &finished); err != nil {
			return err
		}
		if finished != nil {
			return nil
		}
		if err := unsnapshot(ctx, tx, started); err != nil {
			return err
		}
		if err := snapshot(ctx, tx, run, started); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE runs SET finished = now() WHERE id = $1`, run)
		return err
	})
	return s.wrap(fmt.Sprintf("finish run %d", run), err)
}

// unsnapshot takes back the snapshot at `at`, when there is one: the
// versions it opened go, the ones it closed are current again.
func unsnapshot(ctx context.Context, tx pgx.Tx, at time.Time) error {
	var later bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM snapshots WHERE at > $1)`, at).Scan(&later); err != nil {
		return err
	}
	if later {
		return fmt.Errorf("a later snapshot than %s exists: an older run's snapshot cannot be replaced", at.Format(time.RFC3339))
	}
	for _, q := range []string{
		`DELETE FROM network_versions WHERE valid_from = $1`,
		`UPDATE network_versions SET valid_to = NULL WHERE valid_to = $1`,
		`DELETE FROM snapshots WHERE at = $1`,
	} {
		if _, err := tx.Exec(ctx, q, at); err != nil {
			return err
		}
	}
	return nil
}

// recordOf is a network's registration as SQL computes it from the stored
// network: what ipatlas.NetworkRecord keeps, without how it was asked for.
const recordOf = `data - '{range,cidrs,port43,notices,links,source}'::text[]`

// snapshot writes a run's snapshot, set-wise: the run's networks are
// staged with their records; current versions the run does not show
// identically are closed, then the run's networks that no current version
// shows are opened. Closing goes first, so a changed network's old version
// is closed before its new one opens (one current version per network).
func snapshot(ctx context.Context, tx pgx.Tx, run int64, at time.Time) error {
	steps := []struct {
		q    string
		args []any
	}{
		{makeStaging, nil},
		{stageNetworks, []any{run}},
		{closeVersions, []any{at}},
		{openVersions, []any{at}},
		{addSnapshot, []any{run, at}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	return nil
}

const (
	makeStaging = `CREATE TEMP TABLE staged ON COMMIT DROP AS SELECT *, data AS record FROM networks LIMIT 0;
		CREATE TEMP TABLE closed ON COMMIT DROP AS SELECT family, start_ip, end_ip, handle FROM networks LIMIT 0;
		CREATE TEMP TABLE opened ON COMMIT DROP AS SELECT family, start_ip, end_ip, handle FROM networks LIMIT 0`
	stageNetworks = `INSERT INTO staged SELECT *, ` + recordOf + ` FROM networks WHERE run = $1`
	closeVersions = `WITH c AS (UPDATE network_versions v SET valid_to = $1::timestamptz
			WHERE valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM staged s
				WHERE (s.family, s.start_ip, s.end_ip, s.handle) = (v.family, v.start_ip, v.end_ip, v.handle) AND s.record = v.record)
			RETURNING family, start_ip, end_ip, handle)
		INSERT INTO closed SELECT * FROM c`
	openVersions = `WITH o AS (INSERT INTO network_versions (registry, family, start_ip, end_ip, ip_range, cidrs, handle, name, type,
				status, country, parent_handle, origin_as, registered, last_changed, entities, record, valid_from)
			SELECT registry, family, start_ip, end_ip, ip_range, cidrs, handle, name, type,
				status, country, parent_handle, origin_as, registered, last_changed, entities, record, $1::timestamptz FROM staged s
			WHERE NOT EXISTS (SELECT 1 FROM network_versions v WHERE v.valid_to IS NULL
				AND (s.family, s.start_ip, s.end_ip, s.handle) = (v.family, v.start_ip, v.end_ip, v.handle))
			RETURNING family, start_ip, end_ip, handle)
		INSERT INTO opened SELECT * FROM o`
	addSnapshot = `INSERT INTO snapshots (at, run, source, records, added, removed, changed)
		SELECT $2::timestamptz, $1::bigint, 'crawl run ' || $1::bigint,
			(SELECT count(*) FROM staged),
			(SELECT count(*) FROM opened o WHERE NOT EXISTS (SELECT 1 FROM closed c WHERE (c.family, c.start_ip, c.end_ip, c.handle) = (o.family, o.start_ip, o.end_ip, o.handle))),
			(SELECT count(*) FROM closed c WHERE NOT EXISTS (SELECT 1 FROM opened o WHERE (c.family, c.start_ip, c.end_ip, c.handle) = (o.family, o.start_ip, o.end_ip, o.handle))),
			(SELECT count(*) FROM closed c JOIN opened o USING (family, start_ip, end_ip, handle))`
)

// Snapshots lists the history's snapshots, oldest first.
func (s *Store) Snapshots(ctx context.Context) ([]ipatlas.Snapshot, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, at, source, created, records, added, removed, changed FROM snapshots ORDER BY at`)
	if err != nil {
		return nil, s.wrap("snapshots", err)
	}
	snaps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ipatlas.Snapshot, error) {
		var sn ipatlas.Snapshot
		err := r.Scan(&sn.ID, &sn.At, &sn.Source, &sn.Created, &sn.Records, &sn.Added, &sn.Removed, &sn.Changed)
		sn.At, sn.Created = sn.At.UTC(), sn.Created.UTC()
		sn.Datetime = sn.At.Format(time.RFC3339Nano)
		return sn, err
	})
	return snaps, s.wrap("snapshots", err)
}
