package serve_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/history"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/internal/historytest"
	"github.com/ipatlas/ipatlas/mapimg"
	"github.com/ipatlas/ipatlas/serve"
)

// mapIndex: ARIN holds all of 13.0.0.0/16 and RIPE NCC half of
// 62.0.0.0/16 in the first snapshot; the second adds 13.1.0.0/16.
func mapIndex(t testing.TB) *index.Index {
	t.Helper()
	first := []ipatlas.Record{rec("13.0.0.0", "13.0.255.255", `{"registry":"arin","country":"US"}`),
		rec("62.0.0.0", "62.0.127.255", `{"registry":"ripencc","country":"NL"}`)}
	second := append([]ipatlas.Record{first[0], rec("13.1.0.0", "13.1.255.255", `{"registry":"arin","country":"US"}`)}, first[1])
	var pending []history.Pending
	for k, st := range [][]ipatlas.Record{first, second} {
		at := time.Date(2025, 3, 1+7*k, 0, 0, 0, 0, time.UTC)
		pending = append(pending, history.Pending{Snapshot: ipatlas.Snapshot{At: at, Datetime: at.Format("2006-01-02")}, Records: st})
	}
	return historytest.Index(t, historytest.Timeline(t, pending))
}

func mapGet(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type mapAnswer struct {
	Snapshot struct {
		ID       int64
		Datetime string
	}
	Snapshots  []struct{ ID int64 }
	View       string
	CellBits   int `json:"cell_bits"`
	Side       int
	Color      string
	Legend     []struct{ Label, Color string }
	Registries []string
	Countries  []string
	Specials   []struct{ Prefix, Name string }
	Registered int
	Cells      []byte
}

// cellOf decodes one cell of an answer, as the page does.
func (m mapAnswer) cellOf(d int) (rgb [3]byte, reg, state byte, coverage, country uint16) {
	c := m.Cells[d*9:]
	return [3]byte{c[0], c[1], c[2]}, c[3], c[4], binary.LittleEndian.Uint16(c[5:]), binary.LittleEndian.Uint16(c[7:])
}

func decodeMap(t *testing.T, w *httptest.ResponseRecorder) mapAnswer {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var m mapAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cells) != 9*mapimg.Cells || m.Side != 256 {
		t.Fatalf("%d bytes of cells, side %d", len(m.Cells), m.Side)
	}
	return m
}

// TestMapData: the cells carry the palette's colours and what the page's
// hover shows, per view, colouring and snapshot.
func TestMapData(t *testing.T) {
	t.Parallel()
	h := serve.Handler(serve.NewLive(mapIndex(t)), serve.Options{})
	m := decodeMap(t, mapGet(t, h, "/map/v4.json"))
	if m.Snapshot.ID != 2 || len(m.Snapshots) != 2 || m.View != "0.0.0.0/0" || m.CellBits != 16 || m.Color != "registry" || m.Registered != 3 {
		t.Fatalf("answer %+v", m)
	}
	arin := 13<<8 | 0
	if rgb, reg, state, cov, country := m.cellOf(arin); rgb != [3]byte{0x00, 0x72, 0xB2} || m.Registries[reg] != "ARIN" ||
		state != 1 || cov != 10000 || m.Countries[country] != "US" {
		t.Errorf("13.0.0.0/16: %x %d %d %d %d", rgb, reg, state, cov, country)
	}
	if _, reg, state, cov, _ := m.cellOf(62 << 8); m.Registries[reg] != "RIPE NCC" || state != 1 || cov != 5000 {
		t.Errorf("62.0.0.0/16: registry %d, state %d, coverage %d", reg, state, cov)
	}
	if rgb, _, state, _, _ := m.cellOf(10 << 8); rgb != [3]byte{0x6B, 0x6F, 0x78} || state != 2 {
		t.Errorf("10.0.0.0/16: %x, state %d: want reserved grey", rgb, state)
	}
	old := decodeMap(t, mapGet(t, h, "/map/v4.json?at=1&color=coverage&view=13.0.0.0/8"))
	if old.Snapshot.ID != 1 || old.CellBits != 24 || old.Color != "coverage" || old.Registered != 256 {
		t.Errorf("13.0.0.0/8 at 1: snapshot %d, /%d, %s, %d registered: want 13.0.0.0/16's 256 /24s", old.Snapshot.ID, old.CellBits, old.Color, old.Registered)
	}
	if rgb, _, _, _, _ := old.cellOf(0); rgb != [3]byte{0xFD, 0xE7, 0x25} {
		t.Errorf("13.0.0.0/24 by coverage: %x, want the ramp's end", rgb)
	}
	if m := decodeMap(t, mapGet(t, h, "/map/v4.json?view=192.168.0.0/16")); len(m.Specials) != 1 || m.Specials[0].Prefix != "192.168.0.0/16" {
		t.Errorf("192.168.0.0/16: specials %+v", m.Specials)
	}
}

// TestMapDataCompressedAndCached: gzip for clients that take it, and a
// 304 for a client that has the answer.
func TestMapDataCompressedAndCached(t *testing.T) {
	t.Parallel()
	h := serve.Handler(serve.NewLive(mapIndex(t)), serve.Options{})
	plain := mapGet(t, h, "/map/v4.json?color=country")
	gz := mapGet(t, h, "/map/v4.json?color=country", "Accept-Encoding", "br, gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() >= plain.Body.Len()/10 {
		t.Fatalf("gzip: %q, %d bytes against %d plain", gz.Header().Get("Content-Encoding"), gz.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(zr); err != nil || !bytes.Equal(b, plain.Body.Bytes()) {
		t.Fatalf("gunzipped answer differs from the plain one (%v)", err)
	}
	etag := plain.Header().Get("ETag")
	if w := mapGet(t, h, "/map/v4.json?color=country", "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d", etag, w.Code)
	}
	if other := mapGet(t, h, "/map/v4.json?color=registry").Header().Get("ETag"); other == etag {
		t.Errorf("two colourings share the ETag %s", etag)
	}
}

func TestMapDataRefusesBadQueries(t *testing.T) {
	t.Parallel()
	h := serve.Handler(serve.NewLive(mapIndex(t)), serve.Options{})
	for target, want := range map[string]string{
		"/map/v4.json?view=13.0.0.0/24":  "at most a /16",
		"/map/v4.json?view=2001:db8::/8": "not an IPv4 prefix",
		"/map/v4.json?color=holder":      "want registry, coverage or country",
		"/map/v4.json?at=2020-01-01":     "none at or before",
		"/map/v4.json?at=99":             "no snapshot id",
	} {
		if w := mapGet(t, h, target); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d %s, want a 400 saying %q", target, w.Code, w.Body, want)
		}
	}
	empty := serve.Handler(serve.NewLive(historytest.Index(t, historytest.Timeline(t, nil))), serve.Options{})
	if w := mapGet(t, empty, "/map/v4.json"); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "no snapshot yet") {
		t.Errorf("no snapshots: %d %s, want a 404", w.Code, w.Body)
	}
}

// TestPageAndFiles: GET / is the page, with a policy that keeps it to
// this server; its files are served; other unknown paths are still the
// API's JSON 404, and other methods a 405.
func TestPageAndFiles(t *testing.T) {
	t.Parallel()
	h := serve.Handler(serve.NewLive(mapIndex(t)), serve.Options{})
	page := mapGet(t, h, "/")
	if page.Code != http.StatusOK || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(page.Header().Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(page.Body.String(), `<canvas id="map"`) {
		t.Fatalf("GET /: %d %v\n%s", page.Code, page.Header(), page.Body)
	}
	for path, ctype := range map[string]string{"/web/map.js": "text/javascript", "/web/map.css": "text/css"} {
		if w := mapGet(t, h, path); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) || w.Header().Get("ETag") == "" {
			t.Errorf("GET %s: %d %v", path, w.Code, w.Header())
		}
	}
	for _, path := range []string{"/web/nope.js", "/nope", "/index.html"} {
		if w := mapGet(t, h, path); w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %s, want a JSON 404", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("POST /: %d %s", w.Code, w.Body)
	}
}

// TestPageLoadsNothingFromElsewhere: no URL in the page's files leaves
// this server, so it works offline.
func TestPageLoadsNothingFromElsewhere(t *testing.T) {
	t.Parallel()
	external := regexp.MustCompile(`(?i:(https?:)?//[a-z0-9.-]+\.[a-z]{2,})|@import|url\(`)
	err := fs.WalkDir(os.DirFS("web"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("web/" + path)
		if m := external.Find(b); m != nil {
			t.Errorf("web/%s refers to %q", path, m)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestProgress: the latest run's progress while it runs, with the
// registries' colours; nothing once it has finished, or with no crawl.
func TestProgress(t *testing.T) {
	t.Parallel()
	started := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	runs := map[string]serve.ProgressFunc{
		"running": func(context.Context) (ipatlas.Run, []ipatlas.Progress, error) {
			return ipatlas.Run{ID: 7, Started: started}, []ipatlas.Progress{{Registry: ipatlas.RIPENCC, Units: 10, UnitsDone: 4,
				IPv4: ipatlas.Coverage{Addresses: 3, Covered: 1}, Counts: ipatlas.Counts{Queries: 99}}}, nil
		},
		"finished": func(context.Context) (ipatlas.Run, []ipatlas.Progress, error) {
			return ipatlas.Run{ID: 7, Started: started, Finished: started.Add(time.Hour)}, nil, nil
		},
		"none": func(context.Context) (ipatlas.Run, []ipatlas.Progress, error) {
			return ipatlas.Run{}, nil, ipatlas.ErrNotFound
		},
		"broken": func(context.Context) (ipatlas.Run, []ipatlas.Progress, error) {
			return ipatlas.Run{}, nil, errors.New("disk on fire")
		},
		"unset": nil,
	}
	want := map[string]string{
		"running": `{"crawling":true,"run":7,"started":"2025-03-01T12:00:00Z","registries":[{"registry":"ripencc","title":"RIPE NCC",` +
			`"color":"#d55e00","units":10,"units_done":4,"ipv4_percent":33.33,"ipv6_percent":100,"networks":0,"failures":0,"queries":99,"throttled":0}]}`,
		"finished": `{"crawling":false,"run":7,"started":"2025-03-01T12:00:00Z","finished":"2025-03-01T13:00:00Z"}`,
		"none":     `{"crawling":false}`,
		"broken":   `{"error":"crawl progress: disk on fire"}`,
		"unset":    `{"crawling":false}`,
	}
	for name, fn := range runs {
		h := serve.Handler(serve.NewLive(mapIndex(t)), serve.Options{Progress: fn})
		code := http.StatusOK
		if name == "broken" {
			code = http.StatusServiceUnavailable
		}
		if w := mapGet(t, h, "/map/progress"); w.Code != code || strings.TrimSpace(w.Body.String()) != want[name] {
			t.Errorf("%s: %d %s\nwant %d %s", name, w.Code, w.Body, code, want[name])
		}
	}
}
