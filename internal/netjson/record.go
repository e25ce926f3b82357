package netjson

import (
	"strconv"

	"github.com/ipatlas/ipatlas"
)

// AppendRecord appends the payload ipatlas.NetworkRecord keeps for n (its
// registration, without the range or how it was obtained), byte for byte
// what NetworkRecord's json.Marshal writes: a bulk dump load encodes
// millions of them.
func AppendRecord(dst []byte, n *ipatlas.Network) ([]byte, error) {
	w := writer{b: dst}
	w.open('{')
	w.str("registry", string(n.Registry))
	w.optStr("handle", n.Handle)
	w.optStr("name", n.Name)
	w.optStr("type", n.Type)
	w.optStrs("status", n.Status)
	w.optStr("country", n.Country)
	w.optStr("parent_handle", n.ParentHandle)
	w.optList("origin_as", len(n.OriginAS), func(i int) { w.b = strconv.AppendUint(w.b, uint64(n.OriginAS[i]), 10) })
	w.events(n.Events)
	w.entities(n.Entities)
	w.remarks("remarks", n.Remarks)
	return w.close('}'), w.err
}
