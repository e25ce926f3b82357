// Package sqlite is ipatlas's embedded store: crawled networks, the work
// queue and failures in one SQLite file (WAL mode), with no setup.
//
// Every answer is committed together with its unit's new cursor in one
// transaction, so a crash at any instant resumes exactly where it stopped.
// Addresses are stored as 4- or 16-byte big-endian BLOBs, whose byte order
// is address order, so range queries use plain indexes.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ipatlas/ipatlas"
	_ "modernc.org/sqlite" // the SQLite driver, in pure Go
)

// Store is an ipatlas.Store in one SQLite file. It is safe for concurrent
// use; writes go through one connection, reads through several.
type Store struct {
	path   string
	write  *sql.DB
	read   *sql.DB
	lock   *os.File // held when opened exclusively
	ckpt   *checkpointer
	stmts  statements
	bounds unitBounds
	// readOnly stores refuse writes themselves: their write pool is the
	// read-only one, and their write statements are never prepared.
	readOnly bool
	closed   bool
}

var _ ipatlas.Store = (*Store)(nil)

// Options say how to open a store.
type Options struct {
	// Exclusive takes a lock on the database for this process alone, and
	// releases every lease a previous (crashed) process left behind. A
	// crawl opens its store exclusively; readers (status, export) do not.
	Exclusive bool
	// ReadOnly refuses to create the file or write to it.
	ReadOnly bool
	// CheckpointEvery is how often the write-ahead log is copied into the
	// database file, in the background. Defaults to one second.
	CheckpointEvery time.Duration
}

// ErrReadOnly is returned by writes to a store opened read-only.
var ErrReadOnly = errors.New("database is open read-only")

// ErrLocked is returned when another process holds the database exclusively.
var ErrLocked = errors.New("database is in use by another ipatlas process")

// Open opens (creating if needed) the store at path and brings its schema
// up to date.
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	} else if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	s := &Store{path: path, readOnly: o.ReadOnly}
	if o.Exclusive {
		if err := s.takeLock(); err != nil {
			return nil, err
		}
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = time.Second
	}
	if err := s.openDBs(o); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.setup(ctx, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openDBs(o Options) error {
	dsn := func(mode string) string {
		q := url.Values{}
		// No automatic checkpoints: the checkpointer runs them beside the
		// writer. The log is cut back to 64 MiB when it starts over.
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)",
			"wal_autocheckpoint(0)", "journal_size_limit(67108864)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		if mode != "" {
			q.Set("mode", mode)
		}
		return "file:" + s.path + "?" + q.Encode()
	}
	var err error
	if !o.ReadOnly {
		if s.write, err = sql.Open("sqlite", dsn("")); err != nil {
			return fmt.Errorf("open %s: %w", s.path, err)
		}
		s.write.SetMaxOpenConns(1)
		ckpt, err := sql.Open("sqlite", dsn(""))
		if err != nil {
			return fmt.Errorf("open %s: %w", s.path, err)
		}
		ckpt.SetMaxOpenConns(1)
		s.ckpt = startCheckpointer(ckpt, o.CheckpointEvery)
	}
	if s.read, err = sql.Open("sqlite", dsn("ro")); err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	s.read.SetMaxOpenConns(4)
	if o.ReadOnly {
		s.write = s.read
	}
	return nil
}

// setup applies migrations and, when exclusive, releases stale leases.
func (s *Store) setup(ctx context.Context, o Options) error {
	if !o.ReadOnly {
		if err := s.migrate(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", s.path, err)
		}
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	if o.ReadOnly {
		return nil
	}
	if err := s.prepare(ctx); err != nil {
		return fmt.Errorf("open %s: %w", s.path, err)
	}
	if o.Exclusive {
		_, err := s.write.ExecContext(ctx, `UPDATE units SET state = 'pending' WHERE state = 'leased'`)
		return err
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	var v int
	err := s.write.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = s.write.ExecContext(ctx, `INSERT INTO schema_version VALUES (0)`)
	}
	if err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this ipatlas knows (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
			_, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, i+1)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// takeLock holds an advisory lock beside the database file.
func (s *Store) takeLock() error {
	f, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("lock %s: %w", s.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", s.path, ErrLocked)
	}
	s.lock = f
	return nil
}

// Close closes the database and releases the lock.
func (s *Store) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.stmts.close()
	// The writer closes last: SQLite copies the log into the database and
	// removes it when the last connection closes, which a read-only one
	// cannot do.
	var errs []error
	if s.read != nil && s.write != s.read {
		errs = append(errs, s.read.Close())
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.write != nil {
		errs = append(errs, s.write.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// writable is checked by every write, before it reaches SQLite.
func (s *Store) writable() error {
	if s.readOnly {
		return fmt.Errorf("%s: %w", s.path, ErrReadOnly)
	}
	return nil
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := s.writable(); err != nil {
		return err
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback() //nolint:errcheck // the error that matters is fn's
		return err
	}
	return tx.Commit()
}

// addrBytes is an address as stored: 4 or 16 bytes, big-endian.
func addrBytes(a netip.Addr) []byte {
	if !a.IsValid() {
		return nil
	}
	return a.Unmap().AsSlice()
}

func bytesAddr(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a
}

func family(a netip.Addr) int {
	if a.Unmap().Is4() {
		return 4
	}
	return 6
}
