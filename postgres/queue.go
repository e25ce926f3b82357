package postgres

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/internal/storekit"
)

// Lease claims up to n units of the run: pending ones first, then ones
// whose lease expired. Rows another worker is claiming are skipped, not
// waited for; each claim bumps the unit's fencing token.
func (s *Store) Lease(ctx context.Context, run int64, reg ipatlas.Registry, owner string, ttl time.Duration, n int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	units, leases, err := storekit.Lease(n, func(state string, k int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
		return s.leaseState(ctx, run, reg, state, owner, ttl, k)
	})
	if err != nil {
		return nil, nil, s.wrap("lease units", err)
	}
	return units, leases, nil
}

const leaseUpdate = `UPDATE units SET state = 'leased', lease_token = lease_token + 1, lease_owner = $5,
		lease_expires = now() + $6::interval
	WHERE id IN (SELECT id FROM units WHERE run = $1 AND %s AND state = $3 AND ($3 = 'pending' OR lease_expires < now())
		ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
	RETURNING id, registry, kind, start_ip, end_ip, cursor, lease_token, lease_expires`

var (
	leaseOf  = fmt.Sprintf(leaseUpdate, "registry = $2")
	leaseAny = fmt.Sprintf(leaseUpdate, "$2 = ''")
)

func (s *Store) leaseState(ctx context.Context, run int64, reg ipatlas.Registry, state, owner string, ttl time.Duration, n int) ([]ipatlas.Unit, []ipatlas.Lease, error) {
	q := leaseOf
	if reg == "" {
		q = leaseAny
	}
	rows, err := s.pool.Query(ctx, q, run, string(reg), state, n, owner, ttl)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var units []ipatlas.Unit
	var leases []ipatlas.Lease
	for rows.Next() {
		u := ipatlas.Unit{Run: run, State: ipatlas.UnitLeased}
		l := ipatlas.Lease{Owner: owner}
		var regName, kind string
		var first, last netip.Prefix
		var cursor *netip.Prefix
		if err := rows.Scan(&u.ID, &regName, &kind, &first, &last, &cursor, &l.Token, &l.Expires); err != nil {
			return nil, nil, err
		}
		u.Registry, u.Kind = ipatlas.Registry(regName), ipatlas.UnitKind(kind)
		u.Range = ipatlas.Range{From: first.Addr(), To: last.Addr()}
		if cursor != nil {
			u.Cursor = cursor.Addr()
		}
		l.Unit, l.Expires = u.ID, l.Expires.UTC()
		units, leases = append(units, u), append(leases, l)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return units, leases, nil
}

// Renew extends a lease that is still current.
func (s *Store) Renew(ctx context.Context, l ipatlas.Lease, ttl time.Duration) (ipatlas.Lease, error) {
	err := s.pool.QueryRow(ctx, `UPDATE units SET lease_expires = now() + $3::interval
		WHERE id = $1 AND lease_token = $2 AND state = 'leased' RETURNING lease_expires`, l.Unit, l.Token, ttl).Scan(&l.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, fmt.Errorf("%s: renew lease on unit %d: %w", s.name, l.Unit, ipatlas.ErrStaleLease)
	}
	if err != nil {
		return l, s.wrap(fmt.Sprintf("renew lease on unit %d", l.Unit), err)
	}
	l.Expires = l.Expires.UTC()
	return l, nil
}

// Every write of an answer is fenced by its lease: it touches nothing
// unless the unit still carries the answer's token. So the statements of
// a whole commit go to the database in one round trip (a batch), and an
// answer whose lease went stale writes nothing.
//
// Every write is also idempotent (the cursor is set, not moved; networks
// and failures are inserted at most once), so a commit whose outcome a
// dropped connection hid can simply be sent again.
const (
	moveCursor = `UPDATE units SET cursor = $3, state = CASE WHEN $3::inet IS NULL THEN 'done' ELSE state END
		WHERE id = $1 AND lease_token = $2`
	putNetwork = `WITH u AS (SELECT run, end_ip FROM units WHERE id = $1 AND lease_token = $2),
		n AS (INSERT INTO networks (run, registry, family, start_ip, end_ip, ip_range, cidrs, handle, name, type, status,
				country, parent_handle, origin_as, registered, last_changed, entities, data)
			SELECT u.run, $3, $4, $5, $6, inetrange($5, $6, '[]'), $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18 FROM u
			ON CONFLICT DO NOTHING RETURNING id),
		spill AS (UPDATE runs SET spills = spills + 1 FROM u
			WHERE runs.id = u.run AND family(u.end_ip) = $4 AND $6::inet > u.end_ip)
		INSERT INTO answers (network, body) SELECT id, $19 FROM n WHERE $19::bytea IS NOT NULL`
	putFailure = `INSERT INTO failures (run, registry, family, addr, span_end, reason, attempts, at)
		SELECT run, $3, $4, $5, $6, $7, $8, $9 FROM units WHERE id = $1 AND lease_token = $2
		ON CONFLICT DO NOTHING`
)

// Commit applies answers in one transaction: each answer's network, raw
// body and failure, and its unit's new cursor. Answers whose lease is stale
// are skipped and their indexes returned. The statements go as one batch,
// which PostgreSQL runs as one implicit transaction (everything up to the
// batch's Sync): one round trip, where BEGIN and COMMIT would add two.
func (s *Store) Commit(ctx context.Context, answers []ipatlas.Answer) ([]int, error) {
	b := &pgx.Batch{}
	for _, a := range answers {
		if err := queueAnswer(b, a); err != nil {
			return nil, err
		}
	}
	stale, err := s.sendCommit(ctx, b, answers)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("commit %d answers", len(answers)), err)
	}
	return stale, nil
}

func (s *Store) sendCommit(ctx context.Context, b *pgx.Batch, answers []ipatlas.Answer) ([]int, error) {
	br := s.pool.SendBatch(ctx, b)
	var stale []int
	for i, a := range answers {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, fmt.Errorf("unit %d: %w", a.Lease.Unit, err)
		}
		if tag.RowsAffected() == 0 {
			stale = append(stale, i)
		}
		for range writesAfterCursor(a) {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return nil, fmt.Errorf("unit %d: %w", a.Lease.Unit, err)
			}
		}
	}
	return stale, br.Close()
}

// writesAfterCursor is how many statements follow an answer's cursor move.
func writesAfterCursor(a ipatlas.Answer) int {
	n := 0
	if a.Network != nil {
		n++
	}
	if a.Failure != nil {
		n++
	}
	return n
}

func queueAnswer(b *pgx.Batch, a ipatlas.Answer) error {
	l := a.Lease
	b.Queue(moveCursor, l.Unit, l.Token, host(a.Cursor))
	if n := a.Network; n != nil {
		args, err := networkArgs(n, a.NetworkJSON, a.Raw)
		if err != nil {
			return err
		}
		b.Queue(putNetwork, append([]any{l.Unit, l.Token}, args...)...)
	}
	if f := a.Failure; f != nil {
		b.Queue(putFailure, l.Unit, l.Token, string(f.Registry), family(f.Addr), host(f.Addr), host(f.SpanEnd), f.Reason, f.Attempts, f.At)
	}
	return nil
}

// networkArgs are putNetwork's parameters $3 to $19.
func networkArgs(n *ipatlas.Network, data, raw []byte) ([]any, error) {
	if data == nil {
		var err error
		if data, err = netjson.Append(nil, n); err != nil {
			return nil, fmt.Errorf("encode network %s: %w", n.Range, err)
		}
	}
	entities, err := json.Marshal(orEmpty(n.Entities))
	if err != nil {
		return nil, fmt.Errorf("encode network %s: %w", n.Range, err)
	}
	cidrs := n.CIDRs
	if len(cidrs) == 0 {
		cidrs = n.Range.Prefixes()
	}
	origin := make([]int64, len(n.OriginAS))
	for i, as := range n.OriginAS {
		origin[i] = int64(as)
	}
	var body []byte
	if raw != nil {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(raw) //nolint:errcheck // writes to a bytes.Buffer cannot fail
		zw.Close()
		body = z.Bytes()
	}
	return []any{string(n.Registry), family(n.Range.From), host(n.Range.From), host(n.Range.To), cidrs,
		n.Handle, n.Name, n.Type, orEmpty(n.Status), n.Country, n.ParentHandle, origin,
		dateOrNull(n.EventDate("registration")), dateOrNull(n.EventDate("last changed")), entities, data, body}, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func dateOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
