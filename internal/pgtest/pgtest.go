// Package pgtest gives a test an empty PostgreSQL schema of its own in the
// shared test database (IPATLAS_TEST_POSTGRES), dropped when the test
// ends, so tests run side by side without seeing each other's tables.
// Without a database the test skips with a message; under CI=true, where
// one must be set up, it fails instead.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable that holds the test database's postgres:// URL.
const Env = "IPATLAS_TEST_POSTGRES"

// DSN is the test database, or a skip (a failure under CI) without one.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(Env + " is not set: CI must provide PostgreSQL")
		}
		t.Skip(Env + " is not set: set it to a PostgreSQL URL to run the tests that need PostgreSQL")
	}
	return dsn
}

// FreshSchema makes an empty schema for the test, dropped when it ends,
// and returns a DSN whose search_path is that schema.
func FreshSchema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", Env, err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable: %v", Env, err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("ipatlas_test_%d", rand.Uint64())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), dsn); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") //nolint:errcheck // best effort
			c.Close(context.Background())
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
