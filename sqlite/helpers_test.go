package sqlite_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// arinUnit is the one unit the single-unit tests plan: ARIN's 13.0.0.0/24.
var arinUnit = ipatlas.Unit{Registry: ipatlas.ARIN, Kind: ipatlas.UnitDelegated,
	Range: ipatlas.Range{From: mustAddr("13.0.0.0"), To: mustAddr("13.0.0.255")}}

// openWithUnit opens a fresh store, exclusively, with a run of arinUnit; it
// returns the store, its path and the run. Closing the store is the test's
// part, since some tests close and reopen it.
func openWithUnit(t *testing.T) (*sqlite.Store, string, ipatlas.Run) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "atlas.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := s.StartRun(context.Background(), "", []ipatlas.Unit{arinUnit})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, path, run
}
