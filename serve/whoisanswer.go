package serve

import (
	"bytes"
	"fmt"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/index"
)

// whoisHelp is the answer to "help": the query syntax.
var whoisHelp = []string{
	"Queries, one per connection (RFC 3912):",
	"",
	"  ADDRESS            1.2.3.4 or 2001:db8::1: the most specific network holding it",
	"  PREFIX, RANGE      1.2.3.0/24, 1.2.3.0 - 1.2.3.255: the most specific network",
	"                     holding all of it",
	"  QUERY @DATETIME    as of a time (ISO 8601: 2024-01-08, 2024-01-08T12:00:00Z):",
	"                     from the last snapshot taken at or before it",
	"  QUERY @all         every version, newest first",
	"  help, -h           this text",
	"",
	"Flags, as the RIPE database takes them (several at once too: -rB):",
	"",
	"  -L                 every network holding the query, outermost first",
	"  -l                 the most specific network holding it that is not an exact match",
	"  -x                 only a network with exactly this range",
	"  -r                 no contact objects (organisation, role, person)",
	"  -b                 brief: the range and its abuse mailbox",
	"  -K                 primary keys only",
	"  -T TYPE[,TYPE]     only objects of these types: inetnum, inet6num, organisation,",
	"                     role, person",
	"  -s SOURCE[,...]    only networks of these registries: AFRINIC, APNIC, ARIN,",
	"                     LACNIC, RIPE",
	"  -q version|sources|types",
	"  -B -G -a -c -d -F -k -R, -V TAG    accepted; they change nothing here",
	"",
	"ARIN's words: n + 1.2.3.4 (n, + and - are accepted), n = 1.2.3.4 (exact),",
	"n < 1.2.3.4 (every network holding it).",
	"",
	"Networks carry the registry's fields in RPSL: nethandle is the registry's",
	"handle when it is not the range, org-name the holder, source the registry.",
}

// whoisAnswer is the whole answer to a query line from ix.
func whoisAnswer(ix *index.Index, line string) []byte {
	t := &whoisText{seen: map[string]bool{}}
	t.banner()
	q, err := parseWhoisQuery(line)
	switch {
	case err != nil:
		t.failure(err.Error())
	case q.help:
		for _, l := range whoisHelp {
			t.comment(l)
		}
		t.line("")
	case q.info != "":
		t.info(q.info)
	case q.all:
		t.history(ix, &q)
	default:
		t.state(ix, &q)
	}
	t.trailer()
	return t.b
}

// whoisFailure is an answer that is only an error: a query too long or
// too late, or a connection over the limit.
func whoisFailure(msg string) []byte {
	t := &whoisText{}
	t.banner()
	t.failure(msg)
	t.trailer()
	return t.b
}

func (t *whoisText) banner() {
	t.comment("This is the ipatlas WHOIS server: who holds each IP address block, from the")
	t.comment("Regional Internet Registries' data as ipatlas recorded it, snapshot by snapshot.")
	t.comment("Ask 'help' for the queries it takes.")
	t.line("")
}

// trailer closes every answer, as the RIPE database's server does, so a
// client can tell a whole answer from a cut one.
func (t *whoisText) trailer() {
	t.comment("This query was served by the ipatlas WHOIS server, ipatlas " + ipatlas.Version + ".")
	t.line("")
}

func (t *whoisText) failure(msg string) {
	t.comment("ERROR: " + msg)
	t.line("")
}

// noEntries says nothing matched; a client exits as for any answer.
func (t *whoisText) noEntries(q *whoisQuery, why string) {
	t.comment("No entries found for '" + q.text + "'" + why + ".")
	t.line("")
}

func (t *whoisText) info(what string) {
	switch what {
	case "version":
		t.comment("ipatlas-" + ipatlas.Version)
	case "sources":
		for _, r := range []string{"AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE"} {
			t.line(r)
		}
	case "types":
		for _, c := range whoisTypes {
			t.line(c)
		}
	}
	t.line("")
}

// state answers from one snapshot: the latest, or the one in force at
// q.at.
func (t *whoisText) state(ix *index.Index, q *whoisQuery) {
	snaps := ix.Snapshots()
	k := len(snaps) - 1
	if q.at != nil {
		k = ix.SnapshotAt(*q.at)
	}
	switch {
	case len(snaps) == 0:
		t.noEntries(q, ": no snapshot is stored yet")
		return
	case k < 0:
		t.noEntries(q, fmt.Sprintf(" at %s: the history begins at %s", q.at.Format("2006-01-02T15:04:05Z"), snaps[0].Datetime))
		return
	case q.at == nil:
		t.comment(fmt.Sprintf("Snapshot %s, the latest of %d.", snaps[k].Datetime, len(snaps)))
	default:
		t.comment(fmt.Sprintf("Snapshot %s, the one in force at %s (%d of %d).", snaps[k].Datetime,
			q.at.Format("2006-01-02T15:04:05Z"), k+1, len(snaps)))
	}
	t.line("")
	hit := ix.Latest(q.obj.From)
	if q.at != nil {
		hit = ix.At(q.obj.From, *q.at)
	}
	hold := q.holding(whoisChain(hit))
	for _, n := range q.pick(hold) {
		t.network(q, &n)
	}
	if t.objs == 0 {
		t.noEntries(q, "")
	} else if q.less == whoisLessNone && !q.exact && len(hold) > 1 {
		t.comment(fmt.Sprintf("%d larger networks hold it too: add -L to see them.", len(hold)-1))
		t.line("")
	}
}

// whoisSpan is a run of snapshots over which the answer was the same.
type whoisSpan struct {
	from, until int // snapshot indexes; until is exclusive
	nets        []whoisNet
}

// history answers with every version of what held the query, newest
// first; versions that differ only in networks the query does not show
// are one.
func (t *whoisText) history(ix *index.Index, q *whoisQuery) {
	snaps := ix.Snapshots()
	if len(snaps) > 0 {
		t.comment(fmt.Sprintf("Every version in the %d snapshots, %s to %s, newest first.", len(snaps), snaps[0].Datetime, snaps[len(snaps)-1].Datetime))
		t.line("")
	}
	var spans []whoisSpan
	for _, v := range ix.History(q.obj.From, nil) {
		nets := q.pick(q.holding(whoisChain(v.Hit)))
		switch last := len(spans) - 1; {
		case len(nets) == 0:
		case last >= 0 && spans[last].from == v.Until && sameWhoisNets(spans[last].nets, nets):
			spans[last].from = v.From
		default:
			spans = append(spans, whoisSpan{from: v.From, until: v.Until, nets: nets})
		}
	}
	for i, s := range spans {
		until := "to now"
		if s.until < len(snaps) {
			until = "until " + snaps[s.until].Datetime
		}
		t.comment(fmt.Sprintf("Version %d of %d: from snapshot %s %s.", len(spans)-i, len(spans), snaps[s.from].Datetime, until))
		t.line("")
		t.seen = map[string]bool{} // each version with its own contacts
		for _, n := range s.nets {
			t.network(q, &n)
		}
	}
	if t.objs == 0 {
		t.noEntries(q, " in any snapshot")
	}
}

func sameWhoisNets(a, b []whoisNet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i].raw, b[i].raw) {
			return false
		}
	}
	return true
}

// network writes one network with the comments above it, as the RIPE
// database does: what it is, where its data came from, its abuse
// contact; then its objects.
func (t *whoisText) network(q *whoisQuery, n *whoisNet) {
	c := whoisContactsOf(n.net.Entities)
	objs := n.objects(q, &c, t.seen)
	if len(objs) == 0 {
		return
	}
	key := rpslKey(n.rg)
	t.comment("Information related to '" + key + "'")
	t.comment(fmt.Sprintf("Data from %s, unchanged since snapshot %s.", n.registryTitle(), n.datetime))
	t.line("")
	if mail := c.abuseMail(); mail != "" && !q.brief {
		t.comment("Abuse contact for '" + key + "' is '" + mail + "'")
		t.line("")
	}
	for _, o := range objs {
		t.object(o)
	}
}

// objects are the network's objects the query asks for: by -b, -K, -r
// and -T.
func (n *whoisNet) objects(q *whoisQuery, c *whoisContacts, seen map[string]bool) []rpslObject {
	var all []rpslObject
	if q.brief {
		var o rpslObject
		o.add(rpslClass(n.rg), rpslKey(n.rg))
		o.add("abuse-mailbox", c.abuseMail())
		all = append(all, o)
	} else {
		all = append(all, n.netObject(c))
		if !q.noRefs && !q.keys {
			all = append(all, n.contactObjects(c, seen)...)
		}
	}
	var out []rpslObject
	for _, o := range all {
		if q.wants(o.class()) {
			if q.keys {
				o.attrs = o.attrs[:1]
			}
			out = append(out, o)
		}
	}
	return out
}

// holding is the chain's networks that hold the whole query, of the
// sources asked for, innermost first.
func (q *whoisQuery) holding(chain []whoisNet) []whoisNet {
	var hold []whoisNet
	for _, n := range chain {
		if n.rg.ContainsRange(q.obj) && q.wantsRegistry(string(n.net.Registry)) {
			hold = append(hold, n)
		}
	}
	return hold
}
