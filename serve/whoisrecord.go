package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
)

// whoisNet is a record of the index read for WHOIS: a crawled network's
// registration (ipatlas.NetworkRecord's payload) or a loaded range's
// fields, whichever of them it has.
type whoisNet struct {
	rg       ipatlas.Range
	datetime string          // when this version was first seen
	net      ipatlas.Network // the payload's registration fields; Range unset
	org      string          // a loaded range's holder ("org", Whip's files)
	extra    [][2]string     // every other field, name and value, by name
	raw      []byte          // the record, to tell versions apart
}

// decodeWhoisNet reads a record. Payloads are free-form (a loaded file
// may give "status" as a string, or fields of its own), so a field that
// does not have the type a network's has is kept as an extra, not refused.
func decodeWhoisNet(rec []byte) (whoisNet, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(rec, &fields); err != nil {
		return whoisNet{}, fmt.Errorf("index record: %w", err)
	}
	n := whoisNet{raw: rec}
	var begin, end string
	targets := map[string]any{"begin": &begin, "end": &end, "datetime": &n.datetime,
		"registry": &n.net.Registry, "handle": &n.net.Handle, "name": &n.net.Name, "type": &n.net.Type,
		"status": &n.net.Status, "country": &n.net.Country, "parent_handle": &n.net.ParentHandle,
		"origin_as": &n.net.OriginAS, "events": &n.net.Events, "entities": &n.net.Entities,
		"remarks": &n.net.Remarks, "org": &n.org}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[k]
		if t, ok := targets[k]; ok && json.Unmarshal(raw, t) == nil {
			continue
		}
		var one string
		if k == "status" && json.Unmarshal(raw, &one) == nil {
			n.net.Status = []string{one}
			continue
		}
		n.extra = append(n.extra, [2]string{k, whoisJSONText(raw)})
	}
	rg, err := ipatlas.ParseRange(begin + " - " + end)
	if err != nil {
		return whoisNet{}, fmt.Errorf("index record: %w", err)
	}
	n.rg = rg
	return n, nil
}

// whoisJSONText is a JSON value as a line of text: a string unquoted, anything
// else compact.
func whoisJSONText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// whoisChain reads a hit's networks: the most specific first, then the
// ones around it, innermost first. A record that cannot be read (only a
// damaged index has one) ends the chain.
func whoisChain(h index.Hit) []whoisNet {
	rec := h.Record()
	if rec == nil {
		return nil
	}
	var out []whoisNet
	for _, r := range append([][]byte{rec}, h.Parents(nil)...) {
		n, err := decodeWhoisNet(r)
		if err != nil {
			break
		}
		out = append(out, n)
	}
	return out
}

// pick chooses the networks to show of those holding the query
// (innermost first): by -x, -l or -L.
func (q *whoisQuery) pick(hold []whoisNet) []whoisNet {
	switch {
	case len(hold) == 0:
		return nil
	case q.exact:
		if hold[0].rg == q.obj {
			return hold[:1]
		}
		return nil
	case q.less == whoisLessAll:
		out := slices.Clone(hold)
		slices.Reverse(out)
		return out
	case q.less == whoisLessOne && hold[0].rg == q.obj:
		return hold[1:min(2, len(hold))]
	}
	return hold[:1]
}

// registryTitle names where a record's data came from.
func (n *whoisNet) registryTitle() string {
	if r, err := ipatlas.ParseRegistry(string(n.net.Registry)); err == nil {
		return r.Title()
	}
	if n.net.Registry != "" {
		return string(n.net.Registry)
	}
	return "a source it does not name"
}

// source is the RPSL source attribute: the registry's database name.
func (n *whoisNet) source() string {
	r, err := ipatlas.ParseRegistry(string(n.net.Registry))
	switch {
	case err == nil && r == ipatlas.RIPENCC:
		return "RIPE"
	case err == nil:
		return strings.ToUpper(string(r))
	case n.net.Registry != "":
		return strings.ToUpper(string(n.net.Registry))
	}
	return "IPATLAS"
}
