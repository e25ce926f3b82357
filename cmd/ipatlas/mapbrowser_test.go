package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/mapimg"
	"github.com/ipatlas/ipatlas/regsim"
)

// browser runs a headless Chromium against the map page, as a user's
// browser would load it.
type browser struct {
	t       *testing.T
	path    string
	profile string
}

// newBrowser finds Chromium: a test without it is skipped with a
// message, or fails under CI=true, where .ci/run installs it.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return &browser{t: t, path: p, profile: t.TempDir()}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH (.ci/run installs Debian's chromium)")
	}
	t.Skip("no chromium on PATH: install it (Debian: apt-get install chromium) to test the map page in a browser")
	return nil
}

// load opens url for as long as the page's scripts take to settle
// (virtual time: fetches in flight hold the clock), then does what the
// flags ask (--dump-dom, --screenshot=FILE). Every host name but
// 127.0.0.1 fails to resolve, and Chromium's own background traffic is
// off: the page must work offline.
func (b *browser) load(url string, action ...string) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + b.profile,
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		"--disable-background-networking", "--disable-component-update", "--disable-default-apps",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--window-size=1280,1000", "--force-device-scale-factor=1", "--hide-scrollbars", "--virtual-time-budget=15000"}
	cmd := exec.CommandContext(ctx, b.path, append(append(args, action...), url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("chromium %v %s: %v\n%s", action, url, err, stderr.String())
	}
	return out
}

// attrs are the attributes of the element with the given id in a dumped
// DOM.
func attrs(t *testing.T, dom []byte, id string) map[string]string {
	t.Helper()
	tag := regexp.MustCompile(`<[a-z]+\s[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).Find(dom)
	if tag == nil {
		t.Fatalf("no element #%s in the page:\n%s", id, dom)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`([a-z][a-z0-9-]*)="([^"]*)"`).FindAllSubmatch(tag, -1) {
		out[string(m[1])] = html.UnescapeString(string(m[2]))
	}
	return out
}

// TestMapPageInABrowser crawls a simulated world, serves it, and has
// Chromium load the page: its lookup of ?q= shows the network the world
// holds there, its map has the blocks the server counted, the map's
// pixels have the palette's colours at the curve's places, a zoomed view
// draws, and an unfinished crawl shows its progress per registry.
func TestMapPageInABrowser(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	w, err := regsim.New(regsim.Config{Seed: 9, IPv4: []netipPrefix{mustPrefix("13.64.0.0/14"), mustPrefix("62.0.0.0/14")},
		IPv6: []netipPrefix{mustPrefix("2001:600::/23")}, IPv6PerBlock: 5})
	if err != nil {
		t.Fatal(err)
	}
	srv := slowSim(t, w, 0, false)
	db := filepath.Join(t.TempDir(), "atlas.db")
	if code, out, errOut := runCmd(t, crawlArgs(srv, db)...); code != 0 {
		t.Fatalf("crawl: exit %d\n%s%s", code, out, errOut)
	}
	addr, stop := startServe(t, db)
	page := "http://" + addr + "/"
	step := nestedStep(t, w)
	checkLookupCard(t, b, w, page+"?q="+step.Query.String(), step)
	checkMapPixels(t, b, db, page+"?q="+step.Query.String())
	checkZoomedView(t, b, db, page+"?view=62.0.0.0/8&color=country")
	stop()

	if code, out, errOut := runCmd(t, crawlArgs(srv, db, "--new-run", "--max-queries", "20")...); code != 0 {
		t.Fatalf("crawl --new-run --max-queries 20: exit %d\n%s%s", code, out, errOut)
	}
	addr, stop = startServe(t, db)
	defer stop()
	checkProgress(t, b, "http://"+addr+"/")
}

// nestedStep is a step of the world's walk in 62.0.0.0/14 whose network
// lies inside another, so the card has parents to show.
func nestedStep(t *testing.T, w *regsim.World) regsim.Step {
	t.Helper()
	ripe := mustPrefix("62.0.0.0/14")
	for _, s := range w.Truth().Steps {
		if ripe.Contains(s.Query) && w.Parent(s.Net).Valid() {
			return s
		}
	}
	t.Fatal("no nested network in 62.0.0.0/14: pick another seed")
	return regsim.Step{}
}

func checkLookupCard(t *testing.T, b *browser, w *regsim.World, url string, step regsim.Step) {
	t.Helper()
	dom := b.load(url, "--dump-dom")
	card := attrs(t, dom, "card")
	rg := w.Range(step.Net)
	parents := 0
	for p := w.Parent(step.Net); p.Valid(); p = w.Parent(p) {
		parents++
	}
	want := map[string]string{"data-state": "done", "data-found": "true", "data-addr": step.Query.String(),
		"data-handle": w.Handle(step.Net), "data-begin": rg.From.String(), "data-end": rg.To.String(),
		"data-registry": string(ipatlas.RIPENCC), "data-parents": strconv.Itoa(parents)}
	for k, v := range want {
		if card[k] != v {
			t.Errorf("lookup of %s: card %s=%q, want %q (card %v)", step.Query, k, card[k], v, card)
		}
	}
	if name := w.Network(step.Net).Name; !bytes.Contains(dom, []byte(html.EscapeString(name))) {
		t.Errorf("lookup of %s: the card does not show the network's name %q", step.Query, name)
	}
}

// gridOf computes a view of the database's latest snapshot as the server
// does, from its index.
func gridOf(t *testing.T, db string, view string) *mapimg.Grid {
	t.Helper()
	ix, err := index.Open(db + ".index")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	g, err := mapimg.Compute(ix, len(ix.Snapshots())-1, mustPrefix(view))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func registeredCells(g *mapimg.Grid) int {
	n := 0
	for _, c := range g.Cells {
		if c.State == mapimg.Registered {
			n++
		}
	}
	return n
}

// checkMapPixels reads the drawn map back from a screenshot: each cell
// checked has, at the curve's place for it, the colour the server gave it,
// which is its registry's.
func checkMapPixels(t *testing.T, b *browser, db, url string) {
	t.Helper()
	g := gridOf(t, db, "0.0.0.0/0")
	canvas := attrs(t, b.load(url, "--dump-dom"), "map")
	if canvas["data-cells"] != "65536" || canvas["data-registered"] != strconv.Itoa(registeredCells(g)) || canvas["data-view"] != "0.0.0.0/0" {
		t.Fatalf("map drawn: %v, want 65536 cells, %d registered", canvas, registeredCells(g))
	}
	var left, top, width, height int
	if n, err := fmtSscanRect(canvas["data-rect"], &left, &top, &width, &height); n != 4 || err != nil || width != height {
		t.Fatalf("map's place %q: %v", canvas["data-rect"], err)
	}
	shot := filepath.Join(t.TempDir(), "map-page.png")
	b.load(url, "--screenshot="+shot)
	t.Logf("screenshot of the map page: %s", shot)
	img := readPNG(t, shot)
	scale := float64(width) / 256
	cells := map[int]mapimg.Reg{13<<8 | 64: mapimg.RegARIN, 13<<8 | 66: mapimg.RegARIN, 62 << 8: mapimg.RegRIPENCC, 62<<8 | 3: mapimg.RegRIPENCC,
		10 << 8: mapimg.RegNone, 41 << 8: mapimg.RegAFRINIC}
	for d, reg := range cells {
		if g.Cells[d].Reg != reg {
			t.Errorf("%s: registry %q, want %q", g.Block(d), g.Cells[d].Reg.Title(), reg.Title())
		}
		want, got := g.Color(d, mapimg.ByRegistry), cellPixel(img, left, top, scale, d)
		if !near(got.R, want.R) || !near(got.G, want.G) || !near(got.B, want.B) {
			t.Errorf("%s (cell %d): pixel %v, want %v", g.Block(d), d, got, want)
		}
	}
}

func fmtSscanRect(s string, v ...*int) (int, error) {
	parts := strings.Split(s, ",")
	for i := range min(len(parts), len(v)) {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return i, err
		}
		*v[i] = n
	}
	return min(len(parts), len(v)), nil
}

// near allows for a browser's rounding of colours.
func near(a, b uint8) bool { return int(a)-int(b) <= 2 && int(b)-int(a) <= 2 }

func checkZoomedView(t *testing.T, b *browser, db, url string) {
	t.Helper()
	g := gridOf(t, db, "62.0.0.0/8")
	canvas := attrs(t, b.load(url, "--dump-dom"), "map")
	if canvas["data-view"] != "62.0.0.0/8" || canvas["data-color"] != "country" || canvas["data-registered"] != strconv.Itoa(registeredCells(g)) {
		t.Errorf("62.0.0.0/8 by country: %v, want %d registered /24s", canvas, registeredCells(g))
	}
}

// checkProgress: with the latest run unfinished, GET /map/progress says
// so per registry, and the page shows a row for each.
func checkProgress(t *testing.T, b *browser, page string) {
	t.Helper()
	res, err := http.Get(page + "map/progress")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct {
		Crawling   bool
		Run        int64
		Registries []struct {
			Registry string
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || !p.Crawling || p.Run != 2 || len(p.Registries) == 0 {
		t.Fatalf("progress of an unfinished run: %+v, %v", p, err)
	}
	dom := b.load(page, "--dump-dom")
	box := attrs(t, dom, "progress")
	if box["data-crawling"] != "true" || box["data-run"] != "2" {
		t.Errorf("progress panel %v, want run 2 crawling", box)
	}
	for _, r := range p.Registries {
		if !bytes.Contains(dom, []byte(`data-registry="`+r.Registry+`"`)) {
			t.Errorf("the page shows no progress row for %s", r.Registry)
		}
	}
}
