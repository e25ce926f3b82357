package serve

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/index"
	"github.com/ipatlas/ipatlas/mapimg"
)

// GET /map/v4.json?view=PREFIX&color=MODE&at=SNAPSHOT answers a map's
// cells (docs/format/map.md): view an IPv4 prefix of length 0 to 16 (default 0.0.0.0/0, one
// /16 per cell), color registry, coverage or country (default registry),
// at a snapshot id or datetime (default the latest). The answer:
//
//	snapshot, snapshots  the snapshot drawn, and all of them: {id, datetime}
//	view, cell_bits      the view, and the prefix length of its cells
//	side                 the map's side in cells (256)
//	color, legend        the colouring, and [{label, color: "#rrggbb"}]
//	registries           registry titles by the code cells carry
//	countries            country codes by the number cells carry
//	specials             IANA's special-purpose blocks in the view: [{prefix, name}]
//	registered           how many cells some network covers
//	cells                base64, 9 bytes per cell in address order (along
//	                     the curve): red, green, blue, registry code,
//	                     state (0 unregistered, 1 registered, 2 reserved),
//	                     coverage (uint16 little-endian, in ten-thousandths
//	                     of the cell, rounded up so a sliver is not 0),
//	                     country (uint16 little-endian)
//
// Answers are computed once per index, snapshot, view and colouring, and
// kept gzipped: sent so to clients that take it (all browsers), unzipped
// for the others.

// cellBytes is the size of one cell in the answer's cells.
const cellBytes = 9

// maxCachedMaps bounds the cached answers (a map of the whole space is
// about 1 MiB of cells and 100 KiB of answer); past it the cache starts
// over.
const maxCachedMaps = 24

type mapData struct {
	live  *Live
	mu    sync.Mutex
	stamp uint64
	grids map[gridKey]*cachedGrid
	docs  map[docKey]*cachedDoc
}

type gridKey struct {
	k    int
	view netip.Prefix
}

type docKey struct {
	gridKey
	mode mapimg.Mode
}

type cachedGrid struct {
	once sync.Once
	grid *mapimg.Grid
	err  error
}

type cachedDoc struct {
	once sync.Once
	gz   []byte
	err  error
}

func (m *mapData) serve(w http.ResponseWriter, r *http.Request) {
	key, status, err := m.parse(r)
	if err != nil {
		fail(w, status, err.Error())
		return
	}
	h := m.live.acquire()
	defer h.release()
	if len(h.ix.Snapshots()) == 0 {
		fail(w, http.StatusNotFound, "no snapshot yet: the map appears when a crawl finishes or a snapshot is loaded")
		return
	}
	k, err := mapimg.PickSnapshot(h.ix.Snapshots(), r.URL.Query().Get("at"))
	if err != nil {
		fail(w, http.StatusBadRequest, "at: "+err.Error())
		return
	}
	key.k = k
	doc := m.doc(h.ix, key)
	if doc.err != nil {
		fail(w, http.StatusInternalServerError, doc.err.Error())
		return
	}
	body, hdr := doc.gz, w.Header()
	if acceptsGzip(r) {
		hdr.Set("Content-Encoding", "gzip")
	} else if body, err = gunzip(doc.gz); err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	hdr["Content-Type"] = jsonType
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cache-Control", "no-cache")
	// Weak: the plain and gzipped answers are the same JSON.
	hdr.Set("ETag", fmt.Sprintf(`W/"%016x-%d-%s-%s"`, h.ix.Stamp(), k, strings.ReplaceAll(key.view.String(), "/", "-"), key.mode))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// parse reads the view and colouring asked for.
func (m *mapData) parse(r *http.Request) (docKey, int, error) {
	q := r.URL.Query()
	key := docKey{gridKey: gridKey{view: mapimg.Whole}}
	var err error
	if v := q.Get("view"); v != "" {
		if key.view, err = mapimg.ParseView(v); err != nil {
			return key, http.StatusBadRequest, err
		}
	}
	if c := q.Get("color"); c != "" {
		if key.mode, err = mapimg.ParseMode(c); err != nil {
			return key, http.StatusBadRequest, err
		}
	}
	return key, 0, nil
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, c := range strings.Split(v, ",") {
			name, q, _ := strings.Cut(strings.TrimSpace(c), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}

// doc is the answer for a key, computed by the first request that asks
// for it while the others wait.
func (m *mapData) doc(ix *index.Index, key docKey) *cachedDoc {
	m.mu.Lock()
	if m.stamp != ix.Stamp() || m.docs == nil || len(m.docs) >= maxCachedMaps && m.docs[key] == nil {
		m.stamp, m.grids, m.docs = ix.Stamp(), map[gridKey]*cachedGrid{}, map[docKey]*cachedDoc{}
	}
	g, d := m.grids[key.gridKey], m.docs[key]
	if g == nil {
		g = &cachedGrid{}
		m.grids[key.gridKey] = g
	}
	if d == nil {
		d = &cachedDoc{}
		m.docs[key] = d
	}
	m.mu.Unlock()
	d.once.Do(func() {
		g.once.Do(func() { g.grid, g.err = mapimg.Compute(ix, key.k, key.view) })
		if d.err = g.err; d.err == nil {
			d.gz, d.err = encodeMap(g.grid, key.mode, ix.Snapshots())
		}
	})
	return d
}

// mapDoc is the answer's JSON.
type mapDoc struct {
	Snapshot   snapshotRef   `json:"snapshot"`
	Snapshots  []snapshotRef `json:"snapshots"`
	View       string        `json:"view"`
	CellBits   int           `json:"cell_bits"`
	Side       uint32        `json:"side"`
	Color      string        `json:"color"`
	Legend     []legendItem  `json:"legend"`
	Registries []string      `json:"registries"`
	Countries  []string      `json:"countries"`
	Specials   []specialRef  `json:"specials"`
	Registered int           `json:"registered"`
	Cells      []byte        `json:"cells"`
}

type snapshotRef struct {
	ID       int64  `json:"id"`
	Datetime string `json:"datetime"`
}

type legendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

type specialRef struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
}

// encodeMap writes a grid in a colouring as the answer, gzipped.
func encodeMap(g *mapimg.Grid, mode mapimg.Mode, snaps []index.Snapshot) ([]byte, error) {
	doc := mapDoc{Snapshot: snapshotRef{g.Snapshot.ID, g.Snapshot.Datetime}, View: g.View.String(), CellBits: g.CellBits(),
		Side: mapimg.Curve.Side(), Color: mode.String(), Countries: g.Countries, Specials: []specialRef{}}
	for _, s := range snaps {
		doc.Snapshots = append(doc.Snapshots, snapshotRef{s.ID, s.Datetime})
	}
	for _, l := range g.Legend(mode) {
		doc.Legend = append(doc.Legend, legendItem{l.Label, hexColor(l.Color)})
	}
	for r := mapimg.RegNone; r <= mapimg.RegOther; r++ {
		doc.Registries = append(doc.Registries, r.Title())
	}
	for _, s := range iana.Specials() {
		if s.Prefix.Addr().Is4() && s.Prefix.Overlaps(g.View) {
			doc.Specials = append(doc.Specials, specialRef{s.Prefix.String(), s.Name})
		}
	}
	doc.Cells, doc.Registered = encodeCells(g, mode)
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	err := json.NewEncoder(zw).Encode(doc)
	if err = errors.Join(err, zw.Close()); err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	return b.Bytes(), nil
}

func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	return io.ReadAll(zr)
}

// encodeCells lays the cells out as the answer's cells field says, and
// counts the registered ones.
func encodeCells(g *mapimg.Grid, mode mapimg.Mode) ([]byte, int) {
	out := make([]byte, 0, len(g.Cells)*cellBytes)
	registered := 0
	size := float64(g.CellSize())
	for d, c := range g.Cells {
		col := g.Color(d, mode)
		cov := uint16(math.Ceil(10000 * float64(c.Covered) / size))
		out = append(out, col.R, col.G, col.B, byte(c.Reg), byte(c.State))
		out = binary.LittleEndian.AppendUint16(out, cov)
		out = binary.LittleEndian.AppendUint16(out, c.Country)
		if c.State == mapimg.Registered {
			registered++
		}
	}
	return out, registered
}

func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
