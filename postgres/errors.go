package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ipatlas/ipatlas"
)

// unavailable is an error that trying again later may cure. It matches
// ipatlas.ErrUnavailable and unwraps to the driver's error.
type unavailable struct{ err error }

func (u unavailable) Error() string        { return u.err.Error() }
func (u unavailable) Unwrap() error        { return u.err }
func (u unavailable) Is(target error) bool { return target == ipatlas.ErrUnavailable }

// wrap prefixes err with the store and what it was doing, marking it
// ipatlas.ErrUnavailable when the database was out of reach rather than
// refusing the work: the caller then retries instead of giving up.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if transient(err) {
		err = unavailable{err}
	}
	return fmt.Errorf("%s: %s: %w", s.name, what, err)
}

// transientCodes are SQLSTATEs of a server going away or a transaction
// that lost a race: the same statement can succeed later.
var transientCodes = map[string]bool{
	"57P01": true, // admin_shutdown: the server is restarting
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now: starting up
	"53300": true, // too_many_connections
	"40001": true, // serialization_failure
	"40P01": true, // deadlock_detected
}

// transient reports whether err comes from reaching the database rather
// than from what was asked of it.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is connection exceptions (SQL standard).
		return strings.HasPrefix(pgErr.Code, "08") || transientCodes[pgErr.Code]
	}
	var netErr net.Error
	var connectErr *pgconn.ConnectError
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
