package crawl_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/regsim"
	"github.com/ipatlas/ipatlas/sqlite"
)

// TestPlanRefreshOrdersByChangeThenAge: a refresh asks first about units
// whose digest changed, that are new, or that had failures; then about
// stale units, oldest answers first; and carries the fresh ones over.
func TestPlanRefreshOrdersByChangeThenAge(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	unit := func(from, to, digest string) ipatlas.Unit {
		r := ipatlas.Range{From: netip.MustParseAddr(from), To: netip.MustParseAddr(to)}
		return ipatlas.Unit{Registry: ipatlas.RIPENCC, Kind: ipatlas.UnitDelegated, Range: r, Cursor: r.From, Digest: digest}
	}
	old := []ipatlas.Unit{unit("62.0.0.0", "62.0.0.255", "a"), unit("62.0.1.0", "62.0.1.255", "b"),
		unit("62.0.2.0", "62.0.2.255", "c"), unit("62.0.3.0", "62.0.3.255", "d"), unit("62.0.4.0", "62.0.4.255", "e")}
	prev, err := store.StartRun(ctx, "old", old)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	answered := map[string]time.Time{"62.0.1.0": now.Add(-40 * 24 * time.Hour), "62.0.2.0": now.Add(-50 * 24 * time.Hour),
		"62.0.3.0": now.Add(-time.Hour), "62.0.0.0": now.Add(-time.Hour)}
	for range old {
		us, ls, err := store.Lease(ctx, prev.ID, "", "t", time.Minute, 1)
		if err != nil || len(us) != 1 {
			t.Fatalf("lease: %v %v", us, err)
		}
		a := ipatlas.Answer{Lease: ls[0], Query: us[0].Range.From}
		if at, ok := answered[us[0].Range.From.String()]; ok {
			a.Network = &ipatlas.Network{Registry: ipatlas.RIPENCC, Range: us[0].Range, Handle: us[0].Range.String(),
				Source: ipatlas.Source{Retrieved: at}}
		} else { // 62.0.4.0 failed
			a.Failure = &ipatlas.Failure{Registry: ipatlas.RIPENCC, Addr: us[0].Range.From, SpanEnd: us[0].Range.To, Reason: "boom", Attempts: 5, At: now}
		}
		if _, err := store.Commit(ctx, []ipatlas.Answer{a}); err != nil {
			t.Fatal(err)
		}
	}
	next := []ipatlas.Unit{unit("62.0.0.0", "62.0.0.255", "a"), unit("62.0.1.0", "62.0.1.255", "b"),
		unit("62.0.2.0", "62.0.2.255", "c"), unit("62.0.3.0", "62.0.3.255", "d2"), unit("62.0.4.0", "62.0.4.255", "e"),
		unit("62.0.5.0", "62.0.5.255", "f")}
	r, err := crawl.PlanRefresh(ctx, store, prev, next, 30*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, u := range r.Units {
		order = append(order, u.Range.From.String())
	}
	want := []string{"62.0.3.0", "62.0.4.0", "62.0.5.0", "62.0.2.0", "62.0.1.0", "62.0.0.0"}
	if len(order) != len(want) || r.Changed != 3 || r.Stale != 2 || r.Fresh != 1 || len(r.Carry) != 1 || r.Carry[0] != 5 {
		t.Fatalf("refresh %v (%+v), want %v: changed (d2, the failed, the new), stale oldest first, then the fresh one carried", order, r, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("refresh order %v, want %v", order, want)
		}
	}
	all, err := crawl.PlanRefresh(ctx, store, prev, next, 0, now)
	if err != nil || all.Fresh != 0 || len(all.Carry) != 0 || all.Stale != 3 {
		t.Errorf("max age 0: %+v, %v: want every unchanged unit asked again", all, err)
	}
}

// TestRunStopsWhenItsBudgetIsSpent: a crawler with MaxQueries stops its Run
// with ErrBudgetSpent after that many queries, every answer committed; the
// next Run goes on from there and completes the truth.
func TestRunStopsWhenItsBudgetIsSpent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testWorld(t, 5), regsim.ServerConfig{})
	complete, err := e.crawler(t, crawl.Config{Concurrency: 2, MaxQueries: 50}).Run(context.Background(), e.run.ID)
	if complete || !errors.Is(err, crawl.ErrBudgetSpent) {
		t.Fatalf("Run = %v, %v; want stopped by its budget", complete, err)
	}
	asked := int64(0)
	for _, c := range e.srv.Stats().Registries {
		asked += c.Requests
	}
	if asked > 50 {
		t.Errorf("%d requests for a budget of 50", asked)
	}
	if complete, err := e.crawler(t, crawl.Config{}).Run(context.Background(), e.run.ID); err != nil || !complete {
		t.Fatalf("second Run = %v, %v", complete, err)
	}
	if report, _ := e.check(t); !report.OK() {
		t.Fatal(report)
	}
}
