package netjson

import "github.com/ipatlas/ipatlas"

// AppendRecord appends the payload ipatlas.NetworkRecord keeps for n (its
// registration, without the range or how it was obtained), byte for byte
// what NetworkRecord's json.Marshal writes: a bulk dump load encodes
// millions of them.
func AppendRecord(dst []byte, n *ipatlas.Network) ([]byte, error) {
	w := writer{b: dst}
	w.open('{')
	w.str("registry", string(n.Registry))
	w.registration(n)
	return w.close('}'), w.err
}
