package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/regsim"
)

// statsWorld is a world small enough to crawl in a second, with nesting,
// transfers, gaps and IPv6.
func statsWorld(t *testing.T) *regsim.World {
	t.Helper()
	w, err := regsim.New(regsim.Config{Seed: 9, IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("62.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 12})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// statsWithin is the world's blocks, for --within.
const statsWithin = "13.64.0.0/14,62.0.0.0/14,2001:600::/23"

// crawledStatsDB serves the world and crawls it into a fresh database.
func crawledStatsDB(t *testing.T, w *regsim.World) (*regsim.Server, string) {
	t.Helper()
	srv := slowSim(t, w, 0, false)
	db := filepath.Join(t.TempDir(), "crawl.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	return srv, db
}

// statsDoc is what `stats --format json` writes, as a user would read it.
type statsDoc struct {
	Source struct {
		Snapshot  *struct{ ID, Records int }
		Delegated []string
	}
	IPv4, IPv6 familyDoc
}

type familyDoc struct {
	Space, Addresses, Outside json.Number
	Networks                  int
	TopLevel                  int `json:"top_level"`
	NonCIDR                   int `json:"non_cidr"`
	Sizes                     []struct {
		Registry string
		Bits     int `json:"prefix_length"`
		Prefixes int
	}
	Registries, Types, Statuses []tallyDoc
	Countries, Holders          struct {
		ByAddresses []tallyDoc `json:"by_addresses"`
		ByCount     []tallyDoc `json:"by_count"`
	}
	Gaps struct {
		Count     int
		Addresses json.Number
		Largest   []struct {
			Begin, End, Registry string
			Addresses            json.Number
		}
	}
}

type tallyDoc struct {
	Key       string
	Networks  int
	Blocks    int
	Addresses json.Number
	Percent   float64
}

func runStatsJSON(t *testing.T, args ...string) statsDoc {
	t.Helper()
	code, out, errOut := runCmd(t, append([]string{"stats", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("stats %v: exit %d: %s", args, code, errOut)
	}
	var doc statsDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stats %v: %v\n%s", args, err, out)
	}
	return doc
}

// figures is what a family's figures should be, worked out from the
// world's own model rather than from the records.
type figures struct {
	networks, topLevel, nonCIDR int
	sizes                       map[string]int // "registry /bits"
	// counts are the tallies by registry, country, holder, type and status.
	counts [5]map[string]*wantTally
}

type wantTally struct {
	networks, blocks int
	addresses        *big.Int
}

// crawledFigures works out the figures of a perfect crawl of w: the
// networks the walk records, top level when no ancestor in the world's
// tree was recorded too (registries nest networks inside their parents).
func crawledFigures(w *regsim.World) [2]*figures {
	recorded := map[regsim.NetRef]bool{}
	for _, s := range w.Truth().Steps {
		recorded[s.Net] = true
	}
	var out [2]*figures
	for i := range out {
		out[i] = &figures{sizes: map[string]int{}}
		for k := range out[i].counts {
			out[i].counts[k] = map[string]*wantTally{}
		}
	}
	for _, s := range w.Truth().Steps {
		n := w.Network(s.Net)
		f := out[n.IPVersion()/6]
		top := true
		for p := w.Parent(s.Net); p.Valid(); p = w.Parent(p) {
			top = top && !recorded[p]
		}
		f.add(n, top)
	}
	return out
}

func (f *figures) add(n ipatlas.Network, top bool) {
	f.networks++
	keys := []string{string(n.Registry), n.Country, registrantOf(n.Entities), n.Type, strings.Join(n.Status, ",")}
	for k, key := range keys {
		t := f.counts[k][key]
		if t == nil {
			t = &wantTally{addresses: new(big.Int)}
			f.counts[k][key] = t
		}
		t.networks++
		if top {
			t.blocks++
			t.addresses.Add(t.addresses, n.Range.Size())
		}
	}
	if !top {
		return
	}
	f.topLevel++
	ps := n.Range.Prefixes()
	if len(ps) > 1 {
		f.nonCIDR++
	}
	for _, p := range ps {
		f.sizes[fmt.Sprintf("%s /%d", n.Registry, p.Bits())]++
	}
}

// registrantOf names a network's holder: the registrant nearest the top,
// by organisation, name or handle.
func registrantOf(es []ipatlas.Entity) string {
	for len(es) > 0 {
		var next []ipatlas.Entity
		for _, e := range es {
			if e.HasRole(ipatlas.RoleRegistrant) {
				for _, s := range []string{e.Contact.Org, e.Contact.Name, e.Handle} {
					if s != "" {
						return s
					}
				}
				return ""
			}
			next = append(next, e.Entities...)
		}
		es = next
	}
	return ""
}

func (f *figures) want(k int) map[string]string {
	out := map[string]string{}
	for key, t := range f.counts[k] {
		out[key] = fmt.Sprintf("%d/%d/%s", t.networks, t.blocks, t.addresses)
	}
	return out
}

func gotTallies(ts []tallyDoc, dropEmpty bool) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		if !dropEmpty || t.Networks > 0 {
			out[t.Key] = fmt.Sprintf("%d/%d/%s", t.Networks, t.Blocks, t.Addresses)
		}
	}
	return out
}

func gotSizes(f familyDoc) map[string]int {
	out := map[string]int{}
	for _, s := range f.Sizes {
		out[fmt.Sprintf("%s /%d", s.Registry, s.Bits)] = s.Prefixes
	}
	return out
}

// TestStatsOfACrawledWorld crawls the simulator and checks every figure
// of `stats` against the world's own model of what a crawl records.
func TestStatsOfACrawledWorld(t *testing.T) {
	t.Parallel()
	w := statsWorld(t)
	_, db := crawledStatsDB(t, w)
	doc := runStatsJSON(t, "--db", db, "--within", statsWithin, "--top", "100000", "--gaps", "100000")
	want := crawledFigures(w)
	for i, f := range []familyDoc{doc.IPv4, doc.IPv6} {
		name, wf := []string{"IPv4", "IPv6"}[i], want[i]
		if f.Networks != wf.networks || f.TopLevel != wf.topLevel || f.NonCIDR != wf.nonCIDR {
			t.Errorf("%s: %d networks, %d top level, %d non-CIDR; want %d, %d, %d", name, f.Networks, f.TopLevel, f.NonCIDR,
				wf.networks, wf.topLevel, wf.nonCIDR)
		}
		if got := gotSizes(f); !maps.Equal(got, wf.sizes) {
			t.Errorf("%s sizes\n got %v\nwant %v", name, got, wf.sizes)
		}
		for k, list := range [][]tallyDoc{f.Registries, f.Countries.ByCount, f.Holders.ByAddresses, f.Types, f.Statuses} {
			if got, w := gotTallies(list, k == 0), wf.want(k); !maps.Equal(got, w) {
				t.Errorf("%s %s\n got %v\nwant %v", name, []string{"registries", "countries", "holders", "types", "statuses"}[k], got, w)
			}
		}
		checkGaps(t, w, name, f, i == 0)
	}
	if doc.Source.Snapshot == nil || doc.Source.Snapshot.Records != len(w.Truth().Steps) {
		t.Errorf("source %+v: want the crawl's snapshot of %d ranges", doc.Source, len(w.Truth().Steps))
	}
}

// checkGaps counts the space the world's top-level blocks leave free in
// each of its blocks, and compares.
func checkGaps(t *testing.T, w *regsim.World, name string, f familyDoc, is4 bool) {
	t.Helper()
	blocks := w.Config().IPv6
	if is4 {
		blocks = w.Config().IPv4
	}
	count, free := 0, new(big.Int)
	for _, b := range blocks {
		next := ipatlas.PrefixRange(b).From // the first address no top before it holds
		w.Each(func(r regsim.NetRef) bool {
			rg := w.Range(r)
			if w.TopLevel(r) && b.Contains(rg.From) {
				if next.Less(rg.From) {
					count++
					free.Add(free, ipatlas.Range{From: next, To: rg.From.Prev()}.Size())
				}
				next = rg.To.Next()
			}
			return true
		})
		if last := ipatlas.PrefixRange(b).To; next.IsValid() && b.Contains(next) {
			count++
			free.Add(free, ipatlas.Range{From: next, To: last}.Size())
		}
	}
	space := new(big.Int)
	for _, b := range blocks {
		space.Add(space, ipatlas.PrefixRange(b).Size())
	}
	held := new(big.Int).Sub(space, free)
	if f.Gaps.Count != count || f.Gaps.Addresses.String() != free.String() || len(f.Gaps.Largest) != count ||
		f.Space.String() != space.String() || f.Addresses.String() != held.String() {
		t.Errorf("%s: space %s, held %s, %d gaps of %s addresses; want %s, %s, %d of %s", name, f.Space, f.Addresses,
			f.Gaps.Count, f.Gaps.Addresses, space, held, count, free)
	}
}

// TestStatsFormats: the table and CSV say what the JSON says.
func TestStatsFormats(t *testing.T) {
	t.Parallel()
	w := statsWorld(t)
	_, db := crawledStatsDB(t, w)
	doc := runStatsJSON(t, "--db", db)
	code, out, errOut := runCmd(t, "stats", "--db", db, "--format", "csv")
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if got := strings.Join(rows[0], ","); got != "family,figure,rank,registry,key,begin,end,networks,count,addresses,percent" {
		t.Errorf("csv header %s", got)
	}
	found := 0
	for _, r := range rows[1:] {
		switch {
		case r[0] == "ipv4" && r[1] == "summary":
			found++
			if r[7] != fmt.Sprint(doc.IPv4.Networks) || r[8] != fmt.Sprint(doc.IPv4.TopLevel) || r[9] != doc.IPv4.Addresses.String() {
				t.Errorf("csv summary %v, json %d networks %d top level %s addresses", r, doc.IPv4.Networks, doc.IPv4.TopLevel, doc.IPv4.Addresses)
			}
		case r[0] == "ipv6" && r[1] == "registry" && r[3] == "ripencc":
			found++
			if r[9] != doc.IPv6.Registries[4].Addresses.String() {
				t.Errorf("csv RIPE NCC IPv6 row %v, json %+v", r, doc.IPv6.Registries[4])
			}
		}
	}
	if found != 2 {
		t.Errorf("csv lacks the rows looked for:\n%s", out)
	}
	code, out, _ = runCmd(t, "stats", "--db", db)
	for _, want := range []string{"allocation sizes", "unregistered gaps: ", "top holders by count", "3,702,258,432",
		grouped(doc.IPv4.Registries[2].Addresses.String())} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("table: exit %d, no %q in\n%s", code, want, out)
		}
	}
}

// TestStatsOfDelegatedFiles analyses the simulator's delegated files,
// served and on disk, with no database: the blocks are the world's
// top-level networks.
func TestStatsOfDelegatedFiles(t *testing.T) {
	t.Parallel()
	w := statsWorld(t)
	srv := slowSim(t, w, 0, false)
	path := filepath.Join(t.TempDir(), "delegated-arin-extended-latest")
	var b strings.Builder
	if err := delegated.Write(&b, w.Delegated(ipatlas.ARIN, true)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	args := []string{"--delegated", srv.DelegatedURL(ipatlas.AFRINIC) + "," + srv.DelegatedURL(ipatlas.APNIC), "--top", "100000"}
	for _, r := range []ipatlas.Registry{ipatlas.LACNIC, ipatlas.RIPENCC} {
		args = append(args, srv.DelegatedURL(r))
	}
	doc := runStatsJSON(t, append(args, path)...)
	truth := w.Truth()
	tops := map[string]int{}
	w.Each(func(r regsim.NetRef) bool {
		if w.TopLevel(r) && w.Range(r).Is4() {
			tops[string(w.Registry(r))]++
		}
		return true
	})
	for _, reg := range doc.IPv4.Registries {
		rt := truth.ByRegistry[ipatlas.Registry(reg.Key)]
		if reg.Blocks != tops[reg.Key] || reg.Networks != tops[reg.Key] || reg.Addresses.String() != fmt.Sprint(rt.IPv4Addresses) {
			t.Errorf("%s: %d blocks of %s addresses; the world has %d top-level IPv4 blocks of %d", reg.Key, reg.Blocks,
				reg.Addresses, tops[reg.Key], rt.IPv4Addresses)
		}
	}
	if len(doc.Source.Delegated) != 5 || doc.Source.Snapshot != nil {
		t.Errorf("source %+v: want the five files", doc.Source)
	}
}
