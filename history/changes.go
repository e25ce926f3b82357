package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ipatlas/ipatlas"
)

// Change is one range that differs between two states: added (Before
// nil), removed (After nil) or changed, with the payload fields that
// differ.
type Change struct {
	Range         ipatlas.Range
	Before, After []byte // payloads
	Fields        []string
}

// Kind is "added", "removed" or "changed".
func (c Change) Kind() string {
	switch {
	case c.Before == nil:
		return "added"
	case c.After == nil:
		return "removed"
	}
	return "changed"
}

// Changes lists what differs from prev to next, in range order; Fields
// of a changed range are the payload's top-level fields that were added,
// removed or given another value, sorted.
func Changes(prev, next []ipatlas.Record) ([]Change, error) {
	var out []Change
	var err error
	compare(prev, next, func(p, n *ipatlas.Record) {
		switch {
		case err != nil:
		case n == nil:
			out = append(out, Change{Range: p.Range, Before: p.Payload})
		case p == nil:
			out = append(out, Change{Range: n.Range, After: n.Payload})
		case !bytes.Equal(p.Payload, n.Payload):
			var fields []string
			if fields, err = changedFields(p.Payload, n.Payload); err != nil {
				err = fmt.Errorf("%s: %w", n.Range, err)
				return
			}
			out = append(out, Change{Range: n.Range, Before: p.Payload, After: n.Payload, Fields: fields})
		}
	})
	return out, err
}

func changedFields(before, after []byte) ([]string, error) {
	var b, a map[string]json.RawMessage
	if err := json.Unmarshal(before, &b); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(after, &a); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrCorrupt, err)
	}
	var fields []string
	for k, v := range b {
		if w, ok := a[k]; !ok || !bytes.Equal(v, w) {
			fields = append(fields, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			fields = append(fields, k)
		}
	}
	slices.Sort(fields)
	return fields, nil
}
