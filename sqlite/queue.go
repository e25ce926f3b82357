package sqlite

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// Lease claims up to n units of the run: pending ones first, then ones
// whose lease expired; each claim bumps the unit's fencing token.
func (s *Store) Lease(ctx context.Context, run int64, reg ipatlas.Registry, owner string, ttl time.Duration, n int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	if err := s.writable(); err != nil {
		return nil, nil, fmt.Errorf("lease units: %w", err)
	}
	now := time.Now()
	units, leases, err := storekit.Lease(n, func(state string, k int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
		return s.leaseState(ctx, run, reg, state, owner, now, ttl, k)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("lease units: %w", err)
	}
	return units, leases, nil
}

// leaseState claims up to n units in one state (an index lookup on
// (run, registry, state, id), never a scan over the units already done).
func (s *Store) leaseState(ctx context.Context, run int64, reg ipatlas.Registry, state, owner string, now time.Time, ttl time.Duration, n int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	stmt := s.stmts.leaseOf
	if reg == "" {
		stmt = s.stmts.leaseAny
	}
	rows, err := stmt.QueryContext(ctx, run, string(reg), state, now.UnixNano(), n, owner, now.Add(ttl).UnixNano())
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var units []ipatlas.Unit
	var leases []ipatlas.Lease
	for rows.Next() {
		u := ipatlas.Unit{Run: run, State: ipatlas.UnitLeased}
		l := ipatlas.Lease{Owner: owner, Expires: now.Add(ttl)}
		var regName, kind string
		var first, last, cursor []byte
		if err := rows.Scan(&u.ID, &regName, &kind, &first, &last, &cursor, &l.Token); err != nil {
			return nil, nil, err
		}
		u.Registry, u.Kind = ipatlas.Registry(regName), ipatlas.UnitKind(kind)
		u.Range = ipatlas.Range{From: bytesAddr(first), To: bytesAddr(last)}
		u.Cursor, l.Unit = bytesAddr(cursor), u.ID
		s.bounds.put(u.ID, unitBound{run: run, last: last})
		units, leases = append(units, u), append(leases, l)
	}
	return units, leases, rows.Err()
}

// Renew extends a lease that is still current.
func (s *Store) Renew(ctx context.Context, l ipatlas.Lease, ttl time.Duration) (ipatlas.Lease, error) {
	if err := s.writable(); err != nil {
		return l, fmt.Errorf("renew lease on unit %d: %w", l.Unit, err)
	}
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
// are skipped and their indexes returned. Encoding happens before the
// transaction, so the write lock is held only for the writes.
func (s *Store) Commit(ctx context.Context, answers []ipatlas.Answer) ([]int, error) {
	encoded, err := encodeAnswers(answers)
	if err != nil {
		return nil, err
	}
	var stale []int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		stale = stale[:0]
		c := s.stmts.in(ctx, tx, &s.bounds)
		for i, a := range answers {
			ok, err := c.apply(ctx, a, encoded[i])
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

// encoded is an answer's network as JSON and its raw body compressed.
type encoded struct {
	network, raw []byte
}

func encodeAnswers(answers []ipatlas.Answer) ([]encoded, error) {
	out := make([]encoded, len(answers))
	for i, a := range answers {
		if a.Network == nil {
			continue
		}
		out[i].network = a.NetworkJSON
		if out[i].network == nil {
			data, err := netjson.Append(nil, a.Network)
			if err != nil {
				return nil, fmt.Errorf("encode network %s: %w", a.Network.Range, err)
			}
			out[i].network = data
		}
		if a.Raw != nil {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(a.Raw) //nolint:errcheck // writes to a bytes.Buffer cannot fail
			zw.Close()
			out[i].raw = z.Bytes()
		}
	}
	return out, nil
}

// statements are Commit's statements, prepared once on the write
// connection: preparing them per transaction cost more than the writes.
type statements struct {
	network, answer, cursor, readBound, failure, spill *sql.Stmt
	leaseOf, leaseAny                                  *sql.Stmt // Lease's, outside Commit
	bounds                                             *unitBounds
}

func (s *Store) prepare(ctx context.Context) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = s.write.PrepareContext(ctx, q)
		return st
	}
	s.stmts.network = prep(`INSERT INTO networks (run, registry, family, first, last, handle, name, type, country, parent_handle, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	s.stmts.answer = prep(`INSERT OR REPLACE INTO answers (network, body) VALUES (?, ?)`)
	s.stmts.cursor = prep(`UPDATE units SET cursor = ?1, state = CASE WHEN ?1 IS NULL THEN 'done' ELSE state END
		WHERE id = ?2 AND lease_token = ?3`)
	s.stmts.readBound = prep(`SELECT run, last FROM units WHERE id = ?`)
	s.stmts.spill = prep(`UPDATE runs SET spills = spills + 1 WHERE id = ?`)
	s.stmts.leaseOf = prep(leaseQuery(true))
	s.stmts.leaseAny = prep(leaseQuery(false))
	s.stmts.failure = prep(`INSERT INTO failures (run, registry, family, addr, span_end, reason, attempts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	return err
}

// leaseQuery claims units of one state, of one registry (?2) or of any.
func leaseQuery(ofRegistry bool) string {
	pick := `SELECT id FROM units WHERE run = ?1 AND registry = ?2 AND state = ?3 AND (?3 = 'pending' OR lease_expires < ?4) ORDER BY id LIMIT ?5`
	if !ofRegistry {
		pick = `SELECT id FROM units WHERE run = ?1 AND ?2 = '' AND state = ?3 AND (?3 = 'pending' OR lease_expires < ?4) ORDER BY id LIMIT ?5`
	}
	return `UPDATE units SET state = 'leased', lease_token = lease_token + 1, lease_owner = ?6, lease_expires = ?7
		WHERE id IN (` + pick + `)
		RETURNING id, registry, kind, first, last, cursor, lease_token`
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.network, st.answer, st.cursor, st.readBound, st.failure, st.spill, st.leaseOf, st.leaseAny} {
		if s != nil {
			s.Close()
		}
	}
}

// in binds the statements to a transaction.
func (st *statements) in(ctx context.Context, tx *sql.Tx, b *unitBounds) *statements {
	return &statements{network: tx.StmtContext(ctx, st.network), spill: tx.StmtContext(ctx, st.spill),
		answer: tx.StmtContext(ctx, st.answer), cursor: tx.StmtContext(ctx, st.cursor), readBound: tx.StmtContext(ctx, st.readBound),
		failure: tx.StmtContext(ctx, st.failure), bounds: b}
}

// apply writes one answer, reporting false when its lease is stale. The
// cursor moves first, fenced by the lease token: one statement both checks
// the lease and records progress, and nothing else is written when the
// lease is stale.
func (c *statements) apply(ctx context.Context, a ipatlas.Answer, enc encoded) (bool, error) {
	cursor := addrBytes(a.Cursor)
	res, err := c.cursor.ExecContext(ctx, cursor, a.Lease.Unit, a.Lease.Token)
	if err != nil {
		return false, fmt.Errorf("unit %d: %w", a.Lease.Unit, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	b, err := c.bound(ctx, a.Lease.Unit)
	if err != nil {
		return false, fmt.Errorf("unit %d: %w", a.Lease.Unit, err)
	}
	if cursor == nil {
		c.bounds.drop(a.Lease.Unit)
	}
	if a.Network != nil {
		if err := c.putNetwork(ctx, b.run, a.Network, enc); err != nil {
			return false, err
		}
		if to := addrBytes(a.Network.Range.To); len(to) == len(b.last) && bytes.Compare(to, b.last) > 0 {
			if _, err := c.spill.ExecContext(ctx, b.run); err != nil {
				return false, err
			}
		}
	}
	if f := a.Failure; f != nil {
		if _, err := c.failure.ExecContext(ctx, b.run, string(f.Registry), family(f.Addr), addrBytes(f.Addr),
			addrBytes(f.SpanEnd), f.Reason, f.Attempts, f.At.UnixNano()); err != nil {
			return false, err
		}
	}
	return true, nil
}

// bound is a unit's run and last address: from the cache when this store
// leased the unit, else read.
func (c *statements) bound(ctx context.Context, unit int64) (unitBound, error) {
	if b, ok := c.bounds.get(unit); ok {
		return b, nil
	}
	var b unitBound
	err := c.readBound.QueryRowContext(ctx, unit).Scan(&b.run, &b.last)
	return b, err
}

func (c *statements) putNetwork(ctx context.Context, run int64, n *ipatlas.Network, enc encoded) error {
	res, err := c.network.ExecContext(ctx, run, string(n.Registry), family(n.Range.From), addrBytes(n.Range.From),
		addrBytes(n.Range.To), n.Handle, n.Name, n.Type, n.Country, n.ParentHandle, enc.network)
	if err != nil || enc.raw == nil {
		return err
	}
	if added, err := res.RowsAffected(); err != nil || added == 0 {
		return err // or recorded already, by another unit
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = c.answer.ExecContext(ctx, id, enc.raw)
	return err
}

// unitBound is what a commit needs of a unit besides its lease: its run
// and its last address. Neither ever changes, so they are kept in memory
// from the lease until the unit is done, and the cursor update needs no
// read.
type unitBound struct {
	run  int64
	last []byte
}

// unitBounds caches unitBound by unit ID.
type unitBounds struct {
	mu sync.Mutex
	m  map[int64]unitBound
}

func (u *unitBounds) put(id int64, b unitBound) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[int64]unitBound{}
	}
	u.m[id] = b
}

func (u *unitBounds) get(id int64) (unitBound, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	b, ok := u.m[id]
	return b, ok
}

func (u *unitBounds) drop(id int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.m, id)
}
