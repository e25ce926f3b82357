package serve

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"time"
)

// The map page: a lookup box and a Hilbert-curve map of the IPv4 space,
// served from files embedded in the binary so it works with no network
// (it loads nothing from elsewhere, and its Content-Security-Policy lets
// it load nothing from elsewhere):
//
//	GET /                 the page (web/index.html)
//	GET /web/{file}       its script and style sheet
//	GET /map/v4.json      the map's cells (mapdata.go)
//	GET /map/progress     the latest crawl's progress (mapprogress.go)
//
// The page draws cells the server has coloured: the palette and the
// cells' meaning live in package mapimg, which `ipatlas map` draws its
// PNG with; the page only lays the cells along the curve.

//go:embed web
var webFiles embed.FS

// pagePolicy keeps the page to its own origin: scripts, styles and
// requests to this server only, no frames, no plug-ins.
const pagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// registerMap adds the page and its data to mux.
func registerMap(mux *http.ServeMux, live *Live, o Options) {
	m := &mapData{live: live}
	p := &progressCache{read: o.Progress, now: time.Now}
	mux.Handle("/{$}", getOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveWebFile(w, r, "index.html") })))
	mux.Handle("/web/{file}", getOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveWebFile(w, r, r.PathValue("file"))
	})))
	mux.Handle("/map/v4.json", getOnly(http.HandlerFunc(m.serve)))
	mux.Handle("/map/progress", getOnly(http.HandlerFunc(p.serve)))
}

// webETags are the embedded files' ETags, from their contents: a browser
// revalidates (Cache-Control: no-cache) and a new build's files are
// fetched anew.
var webETags = func() map[string]string {
	out := map[string]string{}
	entries, _ := webFiles.ReadDir("web")
	for _, e := range entries {
		b, _ := webFiles.ReadFile("web/" + e.Name())
		sum := sha256.Sum256(b)
		out[e.Name()] = `"` + hex.EncodeToString(sum[:8]) + `"`
	}
	return out
}()

// serveWebFile answers with one embedded file, or a 404 in JSON as for
// any other unknown path.
func serveWebFile(w http.ResponseWriter, r *http.Request, name string) {
	etag, ok := webETags[name]
	b, err := webFiles.ReadFile("web/" + name)
	if !ok || err != nil {
		fail(w, http.StatusNotFound, "no such file: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if name == "index.html" {
		h.Set("Content-Security-Policy", pagePolicy)
		h.Set("Referrer-Policy", "no-referrer")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
