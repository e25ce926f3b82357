package sqlite

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ipatlas/ipatlas"
)

// Lease claims the next pending unit of the run (or one whose lease
// expired), bumping its fencing token.
func (s *Store) Lease(ctx context.Context, run int64, reg ipatlas.Registry, owner string, ttl time.Duration) (ipatlas.Unit, ipatlas.Lease, bool, error) {
	now := time.Now()
	var u ipatlas.Unit
	var l ipatlas.Lease
	var regName, kind string
	var first, last, cursor []byte
	err := s.write.QueryRowContext(ctx, `UPDATE units SET state = 'leased', lease_token = lease_token + 1,
			lease_owner = ?, lease_expires = ?
		WHERE id = (SELECT id FROM units WHERE run = ? AND (? = '' OR registry = ?)
			AND (state = 'pending' OR (state = 'leased' AND lease_expires < ?)) ORDER BY id LIMIT 1)
		RETURNING id, registry, kind, first, last, cursor, lease_token`,
		owner, now.Add(ttl).UnixNano(), run, string(reg), string(reg), now.UnixNano()).
		Scan(&u.ID, &regName, &kind, &first, &last, &cursor, &l.Token)
	if errors.Is(err, sql.ErrNoRows) {
		return u, l, false, nil
	}
	if err != nil {
		return u, l, false, fmt.Errorf("lease a unit: %w", err)
	}
	u.Run, u.Registry, u.Kind, u.State = run, ipatlas.Registry(regName), ipatlas.UnitKind(kind), ipatlas.UnitLeased
	u.Range = ipatlas.Range{From: bytesAddr(first), To: bytesAddr(last)}
	u.Cursor = bytesAddr(cursor)
	l.Unit, l.Owner, l.Expires = u.ID, owner, now.Add(ttl)
	return u, l, true, nil
}

// Renew extends a lease that is still current.
func (s *Store) Renew(ctx context.Context, l ipatlas.Lease, ttl time.Duration) (ipatlas.Lease, error) {
	exp := time.Now().Add(ttl)
	res, err := s.write.ExecContext(ctx, `UPDATE units SET lease_expires = ? WHERE id = ? AND lease_token = ? AND state = 'leased'`,
		exp.UnixNano(), l.Unit, l.Token)
	if err != nil {
		return l, fmt.Errorf("renew lease on unit %d: %w", l.Unit, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return l, fmt.Errorf("renew lease on unit %d: %w", l.Unit, ipatlas.ErrStaleLease)
	}
	l.Expires = exp
	return l, nil
}

// Commit applies answers in one transaction: each answer's network, raw
// body and failure, and its unit's new cursor. Answers whose lease is stale
// are skipped and their indexes returned.
func (s *Store) Commit(ctx context.Context, answers []ipatlas.Answer) ([]int, error) {
	var stale []int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stale = stale[:0]
		c, err := prepareCommit(ctx, tx)
		if err != nil {
			return err
		}
		defer c.close()
		for i, a := range answers {
			ok, err := c.apply(ctx, a)
			if err != nil {
				return err
			}
			if !ok {
				stale = append(stale, i)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("commit %d answers: %w", len(answers), err)
	}
	return stale, nil
}

// committer holds the statements one commit uses.
type committer struct {
	token, network, answer, cursor, failure *sql.Stmt
}

func prepareCommit(ctx context.Context, tx *sql.Tx) (*committer, error) {
	var c committer
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	c.token = prep(`SELECT run, lease_token FROM units WHERE id = ?`)
	c.network = prep(`INSERT INTO networks (run, registry, family, first, last, handle, name, type, country, parent_handle, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`)
	c.answer = prep(`INSERT OR REPLACE INTO answers (network, body) VALUES (?, ?)`)
	c.cursor = prep(`UPDATE units SET cursor = ?, state = CASE WHEN ? IS NULL THEN 'done' ELSE state END WHERE id = ?`)
	c.failure = prep(`INSERT INTO failures (run, registry, family, addr, span_end, reason, attempts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		c.close()
		return nil, err
	}
	return &c, nil
}

func (c *committer) close() {
	for _, st := range []*sql.Stmt{c.token, c.network, c.answer, c.cursor, c.failure} {
		if st != nil {
			st.Close()
		}
	}
}

// apply writes one answer, reporting false when its lease is stale.
func (c *committer) apply(ctx context.Context, a ipatlas.Answer) (bool, error) {
	var run, token int64
	if err := c.token.QueryRowContext(ctx, a.Lease.Unit).Scan(&run, &token); err != nil {
		return false, fmt.Errorf("unit %d: %w", a.Lease.Unit, err)
	}
	if token != a.Lease.Token {
		return false, nil
	}
	if a.Network != nil {
		if err := c.putNetwork(ctx, run, a.Network, a.Raw); err != nil {
			return false, err
		}
	}
	if f := a.Failure; f != nil {
		if _, err := c.failure.ExecContext(ctx, run, string(f.Registry), family(f.Addr), addrBytes(f.Addr),
			addrBytes(f.SpanEnd), f.Reason, f.Attempts, f.At.UnixNano()); err != nil {
			return false, err
		}
	}
	cursor := addrBytes(a.Cursor)
	_, err := c.cursor.ExecContext(ctx, cursor, cursor, a.Lease.Unit)
	return true, err
}

func (c *committer) putNetwork(ctx context.Context, run int64, n *ipatlas.Network, raw []byte) error {
	data, err := json.Marshal(n)
	if err != nil {
		return err
	}
	var id int64
	err = c.network.QueryRowContext(ctx, run, string(n.Registry), family(n.Range.From), addrBytes(n.Range.From),
		addrBytes(n.Range.To), n.Handle, n.Name, n.Type, n.Country, n.ParentHandle, data).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // recorded already, by another unit
	}
	if err != nil || raw == nil {
		return err
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw) //nolint:errcheck // writes to a bytes.Buffer cannot fail
	zw.Close()
	_, err = c.answer.ExecContext(ctx, id, z.Bytes())
	return err
}
