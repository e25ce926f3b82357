package sqlite_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/sqlite"
)

// BenchmarkCommit commits answers the way a crawl does: batches of one
// answer from each of many leased units, each a network with two contacts
// and the unit's new cursor.
func BenchmarkCommit(b *testing.B) {
	const units, perUnit = 256, 16
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "atlas.db"), sqlite.Options{Exclusive: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	answers := 0
	for b.Loop() {
		var us []ipatlas.Unit
		for i := range units {
			from := netip.AddrFrom4([4]byte{10, byte(answers >> 16), byte(i), 0})
			us = append(us, ipatlas.Unit{Registry: ipatlas.RIPENCC, Kind: ipatlas.UnitDelegated,
				Range: ipatlas.Range{From: from, To: netip.AddrFrom4([4]byte{10, byte(answers >> 16), byte(i), 255})}})
		}
		run, err := s.StartRun(ctx, "bench", us)
		if err != nil {
			b.Fatal(err)
		}
		_, leases, err := s.Lease(ctx, run.ID, ipatlas.RIPENCC, "bench", time.Hour, units)
		if err != nil || len(leases) != units {
			b.Fatalf("Lease = %d, %v", len(leases), err)
		}
		for step := range perUnit {
			batch := make([]ipatlas.Answer, 0, units)
			for i, l := range leases {
				batch = append(batch, benchAnswer(l, us[i].Range.From, step))
			}
			if stale, err := s.Commit(ctx, batch); err != nil || len(stale) > 0 {
				b.Fatalf("Commit = %v, %v", stale, err)
			}
			answers += len(batch)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(answers), "µs/answer")
}

// benchAnswer is the network of the step-th /28 of a unit starting at from.
func benchAnswer(l ipatlas.Lease, from netip.Addr, step int) ipatlas.Answer {
	a := from.As4()
	a[3] = byte(step * 16)
	first := netip.AddrFrom4(a)
	a[3] += 15
	last := netip.AddrFrom4(a)
	contact := ipatlas.Contact{Name: "Example Operations", Kind: "org", Address: "1 Example Street\nAmsterdam\nNL",
		Phone: []string{"+31 20 000 0000"}, Email: []string{"noc@example.net"}}
	n := &ipatlas.Network{Registry: ipatlas.RIPENCC, Range: ipatlas.Range{From: first, To: last}, Handle: first.String() + " - " + last.String(),
		Name: "EXAMPLE-NET", Type: "ASSIGNED PA", Country: "NL", Status: []string{"active"},
		Events:   []ipatlas.Event{{Action: "registration", Date: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}, {Action: "last changed", Date: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		Entities: []ipatlas.Entity{{Handle: "ORG-EX1-RIPE", Roles: []string{"registrant"}, Contact: contact}, {Handle: "EX1-RIPE", Roles: []string{"abuse", "technical"}, Contact: contact}},
		Source:   ipatlas.Source{Protocol: ipatlas.ProtocolRDAP, URL: "https://rdap.db.ripe.net/ip/" + first.String(), Retrieved: time.Now().UTC()}}
	n.CIDRs = n.Range.Prefixes()
	next := last.Next()
	if a[3] == 255 {
		next = netip.Addr{}
	}
	return ipatlas.Answer{Lease: l, Query: first, Network: n, Cursor: next}
}
