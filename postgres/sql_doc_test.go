package postgres_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/crawl"
	"github.com/ipatlas/ipatlas/internal/simtest"
	"github.com/ipatlas/ipatlas/postgres"
	"github.com/ipatlas/ipatlas/regsim"
)

// docChecks holds a check for every query of docs/sql.md, by the name on
// the query's first line (`-- query: NAME`). Each runs the query as the
// page prints it (and, where it names an address or a date, with others
// put in their place) and compares the rows with what Go computes from the
// crawls the database holds.
var docChecks = map[string]func(*testing.T, *atlas, string){
	"holder-of-address":         checkHolderOfAddress,
	"holder-at-date":            checkHolderAtDate,
	"allocation-sizes":          checkAllocationSizes,
	"ipv4-coverage":             checkIPv4Coverage,
	"countries":                 checkCountries,
	"top-holders":               checkTopHolders,
	"changes-between-snapshots": checkChanges,
	"crawl-progress":            checkCrawlProgress,
}

// docQuery is one ```sql block of docs/sql.md.
type docQuery struct{ name, sql string }

var (
	sqlBlock  = regexp.MustCompile("(?s)```sql\n(.*?)```")
	queryName = regexp.MustCompile(`^-- query: ([a-z0-9-]+)\n`)
)

// docQueries reads the page's queries; it fails when the page shows fewer
// than the eight the page promises, or one carries no name.
func docQueries(t *testing.T) []docQuery {
	t.Helper()
	page, err := os.ReadFile("../docs/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []docQuery
	for _, m := range sqlBlock.FindAllStringSubmatch(string(page), -1) {
		name := queryName.FindStringSubmatch(m[1])
		if name == nil {
			t.Fatalf("a query of docs/sql.md does not start with a `-- query: NAME` line:\n%s", m[1])
		}
		out = append(out, docQuery{name: name[1], sql: m[1]})
	}
	if len(out) < 8 {
		t.Fatalf("docs/sql.md shows %d sql blocks, want at least 8", len(out))
	}
	return out
}

// TestSQLDocQueriesHaveChecks: every query of docs/sql.md has a check and
// every check a query, so the page and its test cannot drift apart.
func TestSQLDocQueriesHaveChecks(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, q := range docQueries(t) {
		if docChecks[q.name] == nil {
			t.Errorf("docs/sql.md: query %q has no check in sql_doc_test.go", q.name)
		}
		if seen[q.name] {
			t.Errorf("docs/sql.md: two queries are named %q", q.name)
		}
		seen[q.name] = true
	}
	for name := range docChecks {
		if !seen[name] {
			t.Errorf("sql_doc_test.go checks query %q, which docs/sql.md no longer shows", name)
		}
	}
}

// TestSQLDocQueriesAnswerRight runs the page's queries on two crawls of
// one world (nothing changed between them), then again once a crawl of
// another world has changed everything.
func TestSQLDocQueriesAnswerRight(t *testing.T) {
	t.Parallel()
	queries := docQueries(t)
	a := newAtlas(t)
	start := time.Now()
	// Crawls of one world go through one server: the links in an answer's
	// entities name the server, so a server on another port would change
	// every network that has them.
	one := simtest.Serve(t, sqlDocWorld(t, 1), regsim.ServerConfig{})
	a.crawl(t, one)
	a.crawl(t, one)
	t.Logf("two crawls of %d networks each in %s", len(a.last().nets), time.Since(start).Round(time.Millisecond))
	t.Run("TwoCrawlsOfOneWorld", func(t *testing.T) { a.check(t, queries) })
	two := simtest.Serve(t, sqlDocWorld(t, 2), regsim.ServerConfig{})
	a.crawl(t, two)
	t.Run("ThenAnotherWorld", func(t *testing.T) { a.check(t, queries) })
}

func (a *atlas) check(t *testing.T, queries []docQuery) {
	for _, q := range queries {
		t.Run(camel(q.name), func(t *testing.T) {
			check := docChecks[q.name]
			if check == nil {
				t.Fatalf("query %q has no check", q.name)
			}
			check(t, a, q.sql)
		})
	}
}

func camel(name string) string {
	var b strings.Builder
	for w := range strings.SplitSeq(name, "-") {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// sqlDocWorld is small enough to crawl in a second: parts of three
// registries' IPv4 space, one transferred block in ten, and a little IPv6.
func sqlDocWorld(t *testing.T, seed uint64) *regsim.World {
	t.Helper()
	v4 := []netip.Prefix{netip.MustParsePrefix("13.64.0.0/14"), netip.MustParsePrefix("62.0.0.0/15"), netip.MustParsePrefix("41.10.0.0/16")}
	v6 := []netip.Prefix{netip.MustParsePrefix("2001:600::/23")}
	w, err := regsim.New(regsim.Config{Seed: seed, TransferShare: 0.1, IPv4: v4, IPv6: v6, IPv6PerBlock: 20})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// atlas is a database holding finished crawls of the registry simulator,
// and what each crawl recorded, read back through the store.
type atlas struct {
	store *postgres.Store
	conn  *pgx.Conn
	runs  []crawled // oldest first
}

// crawled is one finished run.
type crawled struct {
	world *regsim.World
	run   ipatlas.Run
	at    time.Time // its snapshot
	units []ipatlas.Unit
	nets  []ipatlas.Network
	byKey map[string]ipatlas.Network // by versionKey
}

// shows reports whether the crawl recorded n as it is: the same version.
func (c crawled) shows(n ipatlas.Network) bool {
	m, ok := c.byKey[versionKey(n)]
	return ok && record(m) == record(n)
}

func newAtlas(t *testing.T) *atlas {
	t.Helper()
	s, dsn := openFresh(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &atlas{store: s, conn: conn}
}

func (a *atlas) last() crawled { return a.runs[len(a.runs)-1] }

// crawl crawls the simulator's world into a new run as a fleet worker
// does, finishes the run (a snapshot), and reads back what it recorded,
// which must be the world's truth.
func (a *atlas) crawl(t *testing.T, srv *regsim.Server) {
	t.Helper()
	ctx := context.Background()
	w := srv.World()
	c := crawled{world: w, units: simtest.Plan(t, srv).Units, byKey: map[string]ipatlas.Network{}}
	var err error
	if c.run, err = a.store.StartRun(ctx, "sql doc", c.units); err != nil {
		t.Fatal(err)
	}
	cr := simCrawler(t, srv, a.store, fmt.Sprint("crawler-", c.run.ID))
	if complete, err := cr.Run(ctx, c.run.ID); err != nil || !complete {
		t.Fatalf("crawl: complete %v, %v", complete, err)
	}
	cr.Leave()
	if err := a.store.FinishRun(ctx, c.run.ID); err != nil {
		t.Fatal(err)
	}
	c.nets = networksOf(t, a.store, c.run.ID)
	if report := w.Check(c.nets); !report.OK() {
		t.Fatal(report)
	}
	for _, n := range c.nets {
		c.byKey[versionKey(n)] = n
	}
	snaps, err := a.store.Snapshots(ctx)
	if err != nil || len(snaps) != len(a.runs)+1 {
		t.Fatalf("%d snapshots after %d runs: %v", len(snaps), len(a.runs)+1, err)
	}
	c.at = snaps[len(snaps)-1].At
	a.runs = append(a.runs, c)
}

func networksOf(t *testing.T, s *postgres.Store, run int64) []ipatlas.Network {
	t.Helper()
	var nets []ipatlas.Network
	if err := s.Networks(context.Background(), run, func(n ipatlas.Network) error {
		nets = append(nets, n)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return nets
}

func simCrawler(t *testing.T, srv *regsim.Server, s *postgres.Store, owner string) *crawl.Crawler {
	t.Helper()
	cr, err := crawl.New(crawl.Config{Store: s, Client: simtest.Client(t, srv), Rates: map[ipatlas.Registry]float64{}, Concurrency: 4,
		Owner: owner, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

// versionKey is what makes a network the same network across snapshots:
// its range and handle (the range gives the family).
func versionKey(n ipatlas.Network) string { return n.Range.String() + " " + n.Handle }

// record is what tells two versions of a network apart: the registration,
// without how it was asked for.
func record(n ipatlas.Network) string {
	n.Range, n.CIDRs, n.Port43, n.Notices, n.Links, n.Source = ipatlas.Range{}, nil, "", nil, nil, ipatlas.Source{}
	b, err := json.Marshal(n)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// rowsOf runs a query and reads its rows into T by column name: a column
// the page adds or renames fails here, so the check notices.
func rowsOf[T any](t *testing.T, a *atlas, sql string) []T {
	t.Helper()
	rows, err := a.conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	return out
}

// literal is the one literal of the given SQL type in a query, such as
// the address in '13.65.12.34'::inet.
func literal(t *testing.T, sql, typ string) string {
	t.Helper()
	ms := regexp.MustCompile(`'([^']*)'::`+typ+`\b`).FindAllStringSubmatch(sql, -1)
	if len(ms) != 1 {
		t.Fatalf("want one '…'::%s literal in the query, found %d", typ, len(ms))
	}
	return ms[0][1]
}

// with puts value in place of the query's one literal of typ.
func with(sql, typ, old, value string) string {
	return strings.Replace(sql, "'"+old+"'::"+typ, "'"+value+"'::"+typ, 1)
}

// chain is the networks holding addr, the most specific (smallest) first;
// of two the same size, the one starting later.
func chain(nets []ipatlas.Network, addr netip.Addr) []ipatlas.Network {
	var out []ipatlas.Network
	for _, n := range nets {
		if n.Range.Contains(addr) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(x, y ipatlas.Network) int {
		return cmp.Or(x.Range.Size().Cmp(y.Range.Size()), y.Range.From.Compare(x.Range.From))
	})
	return out
}

// sampleAddrs are addresses to look up in nets: the first, second and last
// of a dozen networks of each family, and addresses no network holds.
func sampleAddrs(nets []ipatlas.Network) []netip.Addr {
	addrs := []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:db8::1")}
	for _, is4 := range []bool{true, false} {
		fam := family(nets, is4)
		for i := 0; i < len(fam); i += max(1, len(fam)/12) {
			r := fam[i].Range
			addrs = append(addrs, r.From, r.From.Next(), r.To)
		}
	}
	return addrs
}

// holding is a row of holder-of-address: a network holding the address.
type holding struct {
	Registry string         `db:"registry"`
	Handle   string         `db:"handle"`
	Name     string         `db:"name"`
	Country  string         `db:"country"`
	StartIP  netip.Addr     `db:"start_ip"`
	EndIP    netip.Addr     `db:"end_ip"`
	CIDRs    []netip.Prefix `db:"cidrs"`
}

func holdingOf(n ipatlas.Network) holding {
	return holding{Registry: string(n.Registry), Handle: n.Handle, Name: n.Name, Country: n.Country,
		StartIP: n.Range.From, EndIP: n.Range.To, CIDRs: n.Range.Prefixes()}
}

func (h holding) String() string {
	return fmt.Sprintf("%s %s %q %q %s-%s %v", h.Registry, h.Handle, h.Name, h.Country, h.StartIP, h.EndIP, h.CIDRs)
}

// version is a row of holder-at-date: a network and when it was valid.
type version struct {
	holding
	ValidFrom time.Time  `db:"valid_from"`
	ValidTo   *time.Time `db:"valid_to"`
}

func (v version) String() string {
	s := v.holding.String() + " from " + v.ValidFrom.UTC().Format(time.RFC3339Nano)
	if v.ValidTo != nil {
		s += " to " + v.ValidTo.UTC().Format(time.RFC3339Nano)
	}
	return s
}

func describe[T fmt.Stringer](rows []T) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

// The page's address, then each sample put in its place, finds exactly
// the networks holding it in the latest crawl, innermost first; some
// samples of each family sit two or more networks deep.
func checkHolderOfAddress(t *testing.T, a *atlas, sql string) {
	lit := literal(t, sql, "inet")
	nets := a.last().nets
	deepest := map[bool]int{}
	for _, addr := range append([]netip.Addr{netip.MustParseAddr(lit)}, sampleAddrs(nets)...) {
		got := describe(rowsOf[holding](t, a, with(sql, "inet", lit, addr.String())))
		var want []string
		for _, n := range chain(nets, addr) {
			want = append(want, holdingOf(n).String())
		}
		if !slices.Equal(got, want) {
			t.Errorf("holders of %s:\n got %q\nwant %q", addr, got, want)
		}
		deepest[addr.Is4()] = max(deepest[addr.Is4()], len(want))
	}
	if deepest[true] < 2 || deepest[false] < 2 {
		t.Errorf("the samples sit at most %d deep in IPv4, %d in IPv6: the order of nested networks went untested", deepest[true], deepest[false])
	}
}

// The page's address and date, then samples before the first snapshot,
// at each and after the last, find the networks of the crawl in effect
// then, innermost first, each with the span its version was valid over.
func checkHolderAtDate(t *testing.T, a *atlas, sql string) {
	addrLit, dateLit := literal(t, sql, "inet"), literal(t, sql, "timestamptz")
	pageDate, err := time.Parse("2006-01-02 15:04:05-07", dateLit)
	if err != nil {
		t.Fatalf("the page's date %q: %v", dateLit, err)
	}
	dates := []time.Time{pageDate, a.runs[0].at.Add(-time.Microsecond), a.last().at.Add(time.Hour)}
	for _, c := range a.runs {
		dates = append(dates, c.at)
	}
	addrs := append([]netip.Addr{netip.MustParseAddr(addrLit)}, sampleAddrs(a.runs[0].nets)...)
	if a.last().world != a.runs[0].world {
		addrs = append(addrs, sampleAddrs(a.last().nets)...)
	}
	for _, at := range dates {
		for _, addr := range addrs {
			q := with(with(sql, "inet", addrLit, addr.String()), "timestamptz", dateLit, at.UTC().Format("2006-01-02 15:04:05.999999-07"))
			got := describe(rowsOf[version](t, a, q))
			if want := describe(a.holdersAt(at, addr)); !slices.Equal(got, want) {
				t.Errorf("holders of %s at %s:\n got %q\nwant %q", addr, at, got, want)
			}
		}
	}
}

// holdersAt is what held addr at a moment: the chain in the latest crawl
// whose snapshot is no later, each network valid from the first snapshot
// of the unbroken series showing it as it was until the first that did
// not.
func (a *atlas) holdersAt(at time.Time, addr netip.Addr) []version {
	i := -1
	for j, c := range a.runs {
		if !c.at.After(at) {
			i = j
		}
	}
	if i < 0 {
		return nil
	}
	var out []version
	for _, n := range chain(a.runs[i].nets, addr) {
		v := version{holding: holdingOf(n)}
		from := i
		for from > 0 && a.runs[from-1].shows(n) {
			from--
		}
		v.ValidFrom = a.runs[from].at
		for j := i + 1; j < len(a.runs) && v.ValidTo == nil; j++ {
			if !a.runs[j].shows(n) {
				v.ValidTo = &a.runs[j].at
			}
		}
		out = append(out, v)
	}
	return out
}

// topLevel is the latest crawl's IPv4 networks no other network encloses
// (of two with one range, the first), found the slow, obvious way.
func (a *atlas) topLevel() []ipatlas.Network {
	v4 := family(a.last().nets, true)
	var out []ipatlas.Network
	for i, n := range v4 {
		before := slices.ContainsFunc(v4[:i], func(p ipatlas.Network) bool { return p.Range.ContainsRange(n.Range) })
		after := slices.ContainsFunc(v4[i+1:], func(p ipatlas.Network) bool { return p.Range.ContainsRange(n.Range) && p.Range != n.Range })
		if !before && !after {
			out = append(out, n)
		}
	}
	return out
}

func family(nets []ipatlas.Network, is4 bool) []ipatlas.Network {
	return slices.DeleteFunc(slices.Clone(nets), func(n ipatlas.Network) bool { return n.Range.Is4() != is4 })
}

func addresses(n ipatlas.Network) int64 { return n.Range.Size().Int64() }

type sizeRow struct {
	Registry string `db:"registry"`
	Size     string `db:"size"`
	Blocks   int64  `db:"blocks"`
}

// sizeOf labels a block as the page does: its prefix length when it is
// one prefix, else its number of addresses.
func sizeOf(n ipatlas.Network) string {
	if ps := n.Range.Prefixes(); len(ps) == 1 {
		return fmt.Sprintf("/%d", ps[0].Bits())
	}
	return fmt.Sprintf("%d addresses", addresses(n))
}

// labelAddresses is how many addresses a size label stands for.
func labelAddresses(t *testing.T, label string) int64 {
	var n int64
	if _, err := fmt.Sscanf(label, "/%d", &n); err == nil {
		return 1 << (32 - n)
	}
	if _, err := fmt.Sscanf(label, "%d addresses", &n); err != nil {
		t.Fatalf("size %q is neither /N nor N addresses", label)
	}
	return n
}

// Top-level blocks per registry and size are those Go counts, listed by
// registry, the largest first.
func checkAllocationSizes(t *testing.T, a *atlas, sql string) {
	got := rowsOf[sizeRow](t, a, sql)
	order := func(x, y sizeRow) int {
		return cmp.Or(cmp.Compare(x.Registry, y.Registry), cmp.Compare(labelAddresses(t, y.Size), labelAddresses(t, x.Size)))
	}
	if !slices.IsSortedFunc(got, order) {
		t.Errorf("sizes are not by registry, the largest first: %v", got)
	}
	count := map[sizeRow]int64{}
	for _, n := range a.topLevel() {
		count[sizeRow{Registry: string(n.Registry), Size: sizeOf(n)}]++
	}
	var want []sizeRow
	for k, v := range count {
		want = append(want, sizeRow{k.Registry, k.Size, v})
	}
	byLabel := func(x, y sizeRow) int { return cmp.Or(order(x, y), cmp.Compare(x.Size, y.Size)) }
	slices.SortFunc(got, byLabel)
	slices.SortFunc(want, byLabel)
	if !slices.Equal(got, want) {
		t.Errorf("allocation sizes:\n got %v\nwant %v", got, want)
	}
}

// availableIPv4 is 2^32 less IANA's reserved space, as the page lists it.
const availableIPv4 = 1<<32 - 35<<24 - 1<<22 - 1<<16 - 1<<20 - 1<<16 - 1<<17 - 5<<8

// Each registry's top-level blocks and addresses, and the total, are Go's,
// and the addresses are those of the world's delegated blocks.
func checkIPv4Coverage(t *testing.T, a *atlas, sql string) {
	type row struct {
		Registry  string  `db:"registry"`
		Blocks    int64   `db:"blocks"`
		Addresses int64   `db:"addresses"`
		Percent   float64 `db:"percent"`
	}
	want := map[string]row{}
	for _, n := range a.topLevel() {
		for _, reg := range []string{string(n.Registry), "all"} {
			r := want[reg]
			r.Registry, r.Blocks, r.Addresses = reg, r.Blocks+1, r.Addresses+addresses(n)
			want[reg] = r
		}
	}
	truth := a.last().world.Truth()
	for reg, rt := range truth.ByRegistry {
		if uint64(want[string(reg)].Addresses) != rt.IPv4Addresses {
			t.Errorf("%s: top-level crawled networks hold %d addresses, the world's delegated blocks %d", reg, want[string(reg)].Addresses, rt.IPv4Addresses)
		}
	}
	got := rowsOf[row](t, a, sql)
	for i, r := range got {
		w := want[r.Registry]
		w.Percent = math.Round(100*100*float64(w.Addresses)/availableIPv4) / 100
		if r != w {
			t.Errorf("coverage row %+v, want %+v", r, w)
		}
		if last := i == len(got)-1; last != (r.Registry == "all") || i > 0 && !last && got[i-1].Addresses < r.Addresses {
			t.Errorf("row %d is %+v: want registries by addresses, the most first, then all", i, r)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d coverage rows, want %d: %+v", len(got), len(want), got)
	}
}

type countryRow struct {
	Country   string `db:"country"`
	Networks  int64  `db:"networks"`
	Addresses int64  `db:"addresses"`
}

// The 20 countries are those Go ranks first by addresses, with Go's counts.
func checkCountries(t *testing.T, a *atlas, sql string) {
	by := map[string]countryRow{}
	for _, n := range a.topLevel() {
		r := by[n.Country]
		r.Country, r.Networks, r.Addresses = n.Country, r.Networks+1, r.Addresses+addresses(n)
		by[n.Country] = r
	}
	want := slices.SortedFunc(maps.Values(by), func(x, y countryRow) int {
		return cmp.Or(cmp.Compare(y.Addresses, x.Addresses), cmp.Compare(x.Country, y.Country))
	})
	want = want[:min(20, len(want))]
	if got := rowsOf[countryRow](t, a, sql); !slices.Equal(got, want) {
		t.Errorf("countries:\n got %v\nwant %v", got, want)
	}
}

// Each holder listed holds as many networks as Go counts, and the list is
// the 20 largest counts, largest first. Which of equal holders make the cut
// is the database's collation's business, so it is not checked.
func checkTopHolders(t *testing.T, a *atlas, sql string) {
	type row struct {
		Registry string `db:"registry"`
		Holder   string `db:"holder"`
		Name     string `db:"name"`
		Networks int64  `db:"networks"`
	}
	count := map[row]int64{}
	for _, n := range a.last().nets {
		held := map[row]bool{}
		for _, e := range n.Entities {
			if e.HasRole(ipatlas.RoleRegistrant) {
				held[row{Registry: string(n.Registry), Holder: e.Handle, Name: e.Contact.Name}] = true
			}
		}
		for h := range held {
			count[h]++
		}
	}
	counts := slices.Sorted(maps.Values(count))
	slices.Reverse(counts)
	counts = counts[:min(20, len(counts))]
	var got []int64
	for _, r := range rowsOf[row](t, a, sql) {
		held := r.Networks
		got, r.Networks = append(got, held), 0
		if count[r] != held {
			t.Errorf("%s %s %q holds %d networks, Go counts %d", r.Registry, r.Holder, r.Name, held, count[r])
		}
	}
	if !slices.Equal(got, counts) {
		t.Errorf("holders' counts %v, want the largest 20 of Go's, largest first: %v", got, counts)
	}
}

type changeRow struct {
	Change     string     `db:"change"`
	Registry   string     `db:"registry"`
	StartIP    netip.Addr `db:"start_ip"`
	EndIP      netip.Addr `db:"end_ip"`
	Handle     string     `db:"handle"`
	NameBefore *string    `db:"name_before"`
	NameAfter  *string    `db:"name_after"`
}

func (r changeRow) String() string {
	name := func(s *string) string {
		if s == nil {
			return "-"
		}
		return *s
	}
	return fmt.Sprintf("%s %s %s-%s %s %q→%q", r.Change, r.Registry, r.StartIP, r.EndIP, r.Handle, name(r.NameBefore), name(r.NameAfter))
}

// The changes are Go's comparison of the last two crawls: none between two
// crawls of one world.
func checkChanges(t *testing.T, a *atlas, sql string) {
	before, after := a.runs[len(a.runs)-2], a.last()
	var want []changeRow
	for _, n := range after.nets {
		old, ok := before.byKey[versionKey(n)]
		switch {
		case !ok:
			want = append(want, changed("added", n, nil, &n.Name))
		case !before.shows(n):
			want = append(want, changed("changed", n, &old.Name, &n.Name))
		}
	}
	for _, n := range before.nets {
		if _, ok := after.byKey[versionKey(n)]; !ok {
			want = append(want, changed("removed", n, &n.Name, nil))
		}
	}
	got := describe(rowsOf[changeRow](t, a, sql))
	wantS := describe(want)
	slices.Sort(got)
	slices.Sort(wantS)
	if !slices.Equal(got, wantS) {
		t.Errorf("%d changes, want %d:\n got %q\nwant %q", len(got), len(wantS), got, wantS)
	}
	if after.world == before.world && len(got) != 0 {
		t.Errorf("two crawls of one world differ by %d changes", len(got))
	}
	kinds := map[string]int{}
	for _, c := range want {
		kinds[c.Change]++
	}
	t.Logf("runs %d and %d: %v", before.run.ID, after.run.ID, kinds)
}

func changed(kind string, n ipatlas.Network, before, after *string) changeRow {
	return changeRow{Change: kind, Registry: string(n.Registry), StartIP: n.Range.From, EndIP: n.Range.To, Handle: n.Handle,
		NameBefore: before, NameAfter: after}
}

type progressRow struct {
	Registry         string  `db:"registry"`
	Done             int64   `db:"done"`
	Leased           int64   `db:"leased"`
	Pending          int64   `db:"pending"`
	PercentDone      float64 `db:"percent_done"`
	WorkersAlive     int64   `db:"workers_alive"`
	QueriesPerSecond float64 `db:"queries_per_second"`
}

// liveRates are what the live worker of checkCrawlProgress reports.
var liveRates = map[ipatlas.Registry]float64{ipatlas.ARIN: 5, ipatlas.RIPENCC: 2.5}

// The latest run shows every unit done; a run in flight, with three of
// ARIN's units leased, shows them leased and the rest pending. Either
// way one worker is alive: not the crawler that left, nor one silent for
// a minute.
func checkCrawlProgress(t *testing.T, a *atlas, sql string) {
	ctx := context.Background()
	last := a.last()
	a.workersOn(t, last.run.ID)
	if got, want := rowsOf[progressRow](t, a, sql), progress(last.units, nil); !slices.Equal(got, want) {
		t.Errorf("progress of finished run %d:\n got %+v\nwant %+v", last.run.ID, got, want)
	}
	run, err := a.store.StartRun(ctx, "sql doc, in flight", last.units)
	if err != nil {
		t.Fatal(err)
	}
	units, _, err := a.store.Lease(ctx, run.ID, ipatlas.ARIN, "sqldoc-live", time.Minute, 3)
	if err != nil || len(units) != 3 {
		t.Fatalf("leased %d units of ARIN: %v", len(units), err)
	}
	a.workersOn(t, run.ID)
	if got, want := rowsOf[progressRow](t, a, sql), progress(last.units, units); !slices.Equal(got, want) {
		t.Errorf("progress of run %d in flight:\n got %+v\nwant %+v", run.ID, got, want)
	}
}

// workersOn reports a live worker on the run, and a dead one last heard
// of a minute ago.
func (a *atlas) workersOn(t *testing.T, run int64) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"sqldoc-live", "sqldoc-dead"} {
		w := ipatlas.Worker{ID: id, Host: "test", Budget: "test", Run: run, Started: time.Now(), Rates: liveRates}
		if _, err := a.store.Heartbeat(ctx, w, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.conn.Exec(ctx, `UPDATE workers SET seen = now() - interval '1 minute' WHERE id = 'sqldoc-dead'`); err != nil {
		t.Fatal(err)
	}
}

// progress is a run's units per registry: all done when leased is nil,
// else those leased and the rest pending.
func progress(units, leased []ipatlas.Unit) []progressRow {
	by := map[ipatlas.Registry]*progressRow{}
	for _, u := range units {
		if by[u.Registry] == nil {
			by[u.Registry] = &progressRow{Registry: string(u.Registry), WorkersAlive: 1, QueriesPerSecond: liveRates[u.Registry]}
		}
		if leased == nil {
			by[u.Registry].Done++
		} else {
			by[u.Registry].Pending++
		}
	}
	for _, u := range leased {
		by[u.Registry].Pending--
		by[u.Registry].Leased++
	}
	var out []progressRow
	for _, r := range by {
		r.PercentDone = math.Round(1000*float64(r.Done)/float64(r.Done+r.Leased+r.Pending)) / 10
		out = append(out, *r)
	}
	slices.SortFunc(out, func(x, y progressRow) int { return cmp.Compare(x.Registry, y.Registry) })
	return out
}
