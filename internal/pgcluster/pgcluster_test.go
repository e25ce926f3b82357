package pgcluster_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas/internal/pgcluster"
)

// connect opens a connection to c, closed when the test ends.
func connect(t *testing.T, c *pgcluster.Cluster) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// count is how many rows table t holds, read through conn.
func count(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// TestLifecycle checks what tests use a private server for: a restart
// cuts connections and keeps the data, a stopped server refuses
// connections, and it starts again on the same DSN.
func TestLifecycle(t *testing.T) {
	begin := time.Now()
	c := pgcluster.MustStart(t)
	t.Logf("started in %v at %s", time.Since(begin), c.DSN())
	ctx := context.Background()

	old := connect(t, c)
	if _, err := old.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a connection made before Restart still works")
	}
	if n := count(t, connect(t, c)); n != 1 {
		t.Errorf("after Restart, t holds %d rows, want 1", n)
	}

	dsn := c.DSN()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Error("connected to a stopped server")
	}

	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if c.DSN() != dsn {
		t.Errorf("DSN changed across Stop and Start: %s, then %s", dsn, c.DSN())
	}
	if n := count(t, connect(t, c)); n != 1 {
		t.Errorf("after Stop and Start, t holds %d rows, want 1", n)
	}
}

// TestDSN checks the DSN's shape: TCP on 127.0.0.1, as postgres, no TLS.
func TestDSN(t *testing.T) {
	c := pgcluster.MustStart(t)
	dsn := c.DSN()
	if !strings.HasPrefix(dsn, "postgres://postgres@127.0.0.1:") || !strings.HasSuffix(dsn, "/postgres?sslmode=disable") {
		t.Errorf("DSN = %s", dsn)
	}
}

// TestConcurrent runs the operations from several goroutines at once, for
// the race detector, and checks the server is up after the last Start.
func TestConcurrent(t *testing.T) {
	c := pgcluster.MustStart(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_ = c.DSN()
			if err := c.Restart(); err != nil {
				t.Error(err)
			}
			if err := c.Stop(); err != nil {
				t.Error(err)
			}
			if err := c.Start(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	connect(t, c)
}

// TestTwoClusters checks two servers run side by side on their own ports.
func TestTwoClusters(t *testing.T) {
	a, b := pgcluster.MustStart(t), pgcluster.MustStart(t)
	if a.DSN() == b.DSN() {
		t.Fatalf("both clusters at %s", a.DSN())
	}
	connect(t, a)
	connect(t, b)
}
