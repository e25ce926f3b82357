package sqlite

import (
	"database/sql"
	"time"
)

// checkpointer copies the write-ahead log into the database file in the
// background, on a connection of its own.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold, fsyncs there, and so stalled every walker waiting on that
// commit for a tenth of a second. A passive checkpoint beside the writer
// lets commits go on meanwhile; the writer starts the log over once a
// checkpoint has copied all of it.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run(every)
	return c
}

func (c *checkpointer) run(every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// A failed checkpoint loses nothing (the log still holds every
			// commit); the next tick tries again.
			c.db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`) //nolint:errcheck // see above
		}
	}
}

// close stops the checkpointer; SQLite checkpoints what is left when the
// last connection closes.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
