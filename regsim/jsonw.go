package regsim

import (
	"strconv"

	"github.com/ipatlas/ipatlas/internal/netjson"
)

// jw appends JSON to a byte slice. The simulator renders tens of thousands
// of answers a second, so it writes JSON directly rather than building maps
// for encoding/json. Callers keep the structure valid; jw handles commas.
type jw struct {
	b     []byte
	comma bool // a value was written at this level, so the next needs a comma
}

func (w *jw) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
	w.comma = true
}

func (w *jw) open(c byte)  { w.sep(); w.b = append(w.b, c); w.comma = false }
func (w *jw) close(c byte) { w.b = append(w.b, c); w.comma = true }

func (w *jw) obj()    { w.open('{') }
func (w *jw) endObj() { w.close('}') }
func (w *jw) arr()    { w.open('[') }
func (w *jw) endArr() { w.close(']') }

// key writes "k": and leaves the next value without a leading comma.
func (w *jw) key(k string) {
	w.sep()
	w.b = netjson.AppendPlainString(w.b, k)
	w.b = append(w.b, ':')
	w.comma = false
}

func (w *jw) str(s string) { w.sep(); w.b = netjson.AppendPlainString(w.b, s) }
func (w *jw) num(n int64)  { w.sep(); w.b = strconv.AppendInt(w.b, n, 10) }
func (w *jw) raw(s string) { w.sep(); w.b = append(w.b, s...) }

func (w *jw) kstr(k, v string) { w.key(k); w.str(v) }
func (w *jw) knum(k string, v int64) {
	w.key(k)
	w.num(v)
}

// strs writes an array of strings.
func (w *jw) strs(ss ...string) {
	w.arr()
	for _, s := range ss {
		w.str(s)
	}
	w.endArr()
}
