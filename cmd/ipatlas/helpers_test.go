package main

import (
	"context"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

type netipPrefix = netip.Prefix

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// openReadOnly opens an embedded database for a test to read, closed when
// the test ends.
func openReadOnly(t *testing.T, db string) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// lookupLines looks up each step's query address with `lookup --json` and
// returns one JSON line per step, in order.
func lookupLines(t *testing.T, db string, steps []regsim.Step) []string {
	t.Helper()
	var in strings.Builder
	for _, s := range steps {
		in.WriteString(s.Query.String() + "\n")
	}
	code, out, errOut := runWithStdin(t, in.String(), "lookup", "--db", db, "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != len(steps) {
		t.Fatalf("lookup of %d addresses: exit %d, %d lines\n%s", len(steps), code, len(lines), errOut)
	}
	return lines
}

// startServe runs `serve` on a free loopback port, reloading every 20 ms
// (flags in extra come after, and win), and returns its address and a
// stop that ends it and fails the test unless it exited cleanly.
func startServe(t *testing.T, db string, extra ...string) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--reload", "20ms"}, extra...)
	go func() {
		done <- run(ctx, &env{stdout: &out, stderr: &errb}, args)
	}()
	addr = waitForMatch(t, &errb, regexp.MustCompile(`msg=serving addr=(\S+)`))
	return addr, func() {
		t.Helper()
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve exit %d: %s", code, errb.String())
		}
	}
}

// stateOf replays the history to its k-th snapshot in time and returns the
// records it holds.
func stateOf(ctx context.Context, store *sqlite.Store, k int) ([]ipatlas.Record, error) {
	snaps, deltas, err := store.Deltas(ctx)
	if err != nil {
		return nil, err
	}
	return history.Replay(snaps, deltas, k)
}
