package serve

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/whipfile"
)

// whoisQuery is one WHOIS query line, read: what to look up, when, and
// which objects to show. The zero value asks for the most specific
// network holding obj in the latest snapshot, with its contacts.
type whoisQuery struct {
	obj    ipatlas.Range // the address (From == To), prefix or range asked about
	text   string        // obj as the client wrote it, for messages
	at     *time.Time    // "@DATETIME": as of then; nil: the latest
	all    bool          // "@all": every version, newest first
	help   bool          // "help", "-h", "?"
	info   string        // "-q version|sources|types"
	less   whoisLess     // -l, -L, ARIN "<"
	exact  bool          // -x, ARIN "="
	noRefs bool          // -r: no contact objects
	brief  bool          // -b: the range and the abuse mailbox only
	keys   bool          // -K: primary keys only
	types  map[string]bool
	srcs   map[ipatlas.Registry]bool
}

// whoisLess says which of the networks holding the query to show.
type whoisLess int

const (
	whoisLessNone whoisLess = iota // the most specific
	whoisLessOne                   // -l: the most specific that is not an exact match
	whoisLessAll                   // -L: all of them, outermost first
)

// whoisLongFlags are the RIPE database's long spellings of the flags.
var whoisLongFlags = map[string]byte{
	"--one-less": 'l', "--all-less": 'L', "--exact": 'x', "--no-referenced": 'r', "--no-filtering": 'B',
	"--brief": 'b', "--primary-keys": 'K', "--select-types": 'T', "--sources": 's', "--no-grouping": 'G',
	"--all-sources": 'a', "--client": 'V', "--persistent-connection": 'k', "--help": 'h', "--one-more": 'm',
	"--all-more": 'M', "--inverse": 'i', "--template": 't', "--verbose": 'v', "--no-personal": 'r',
}

// whoisArgFlags take the next word as their argument (RIPE's -T, -s, -V,
// -q and the ones refused below).
const whoisArgFlags = "TsVqgitv"

// whoisRefused are RIPE flags whose answer this server cannot give: a
// silent ignore would answer another question than the one asked.
var whoisRefused = map[byte]string{
	'm': "more specific networks (-m)", 'M': "more specific networks (-M)", 'i': "inverse queries (-i)",
	'g': "mirroring (-g)", 't': "templates (-t)", 'v': "templates (-v)",
}

// parseWhoisQuery reads a query line: RIPE-style flags, ARIN's "n", "+",
// "=" and "<" words, "@DATETIME" or "@all", and one address, prefix or
// range. The error is the message for a "% ERROR:" line.
func parseWhoisQuery(line string) (whoisQuery, error) {
	var q whoisQuery
	for _, c := range line {
		if c < ' ' && c != '\t' || c == 0x7f {
			return q, fmt.Errorf("the query holds a control character")
		}
	}
	words := strings.Fields(line)
	var obj []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		var err error
		switch {
		case len(w) > 1 && w[0] == '-':
			i, err = q.flags(words, i)
		case w[0] == '@':
			err = q.when(w[1:])
		case w == "-" && len(obj) > 0: // "a - b", RIPE's range
			obj = append(obj, w)
		default:
			var isObj bool
			isObj, err = q.arinWord(w)
			if isObj {
				obj = append(obj, w)
			}
		}
		if err != nil {
			return q, err
		}
	}
	return q, q.object(strings.Join(obj, " "))
}

// flags reads the flag word at words[i], "-rB" or "--exact", and the
// argument after it when its flag takes one; it returns the index of the
// last word it used.
func (q *whoisQuery) flags(words []string, i int) (int, error) {
	w := words[i]
	if strings.HasPrefix(w, "--") {
		f, ok := whoisLongFlags[w]
		if !ok {
			return i, fmt.Errorf("unknown option %s; try 'help'", w)
		}
		w = "-" + string(f)
	}
	for k := 1; k < len(w); k++ {
		f, arg := w[k], ""
		if strings.IndexByte(whoisArgFlags, f) >= 0 {
			if k != len(w)-1 || i+1 == len(words) {
				return i, fmt.Errorf("option -%c needs an argument", f)
			}
			i++
			arg = words[i]
		}
		if err := q.flag(f, arg); err != nil {
			return i, err
		}
	}
	return i, nil
}

// flag applies one flag. Flags that change nothing here are accepted:
// -B (e-mail addresses are never hidden), -G, -a, -c, -d, -F, -k (one
// query per connection all the same, RFC 3912 §2), -R, -V.
func (q *whoisQuery) flag(f byte, arg string) error {
	switch f {
	case 'l':
		q.less = max(q.less, whoisLessOne)
	case 'L':
		q.less = whoisLessAll
	case 'x':
		q.exact = true
	case 'r':
		q.noRefs = true
	case 'b':
		q.brief = true
	case 'K':
		q.keys = true
	case 'h':
		q.help = true
	case 'T':
		return q.selectTypes(arg)
	case 's':
		return q.selectSources(arg)
	case 'q':
		return q.selectInfo(arg)
	case 'B', 'G', 'a', 'c', 'd', 'F', 'k', 'R', 'V':
	default:
		if what, ok := whoisRefused[f]; ok {
			return fmt.Errorf("%s not supported by this server", what)
		}
		return fmt.Errorf("unknown option -%c; try 'help'", f)
	}
	return nil
}

// whoisTypes are the object types an answer holds.
var whoisTypes = []string{"inetnum", "inet6num", "organisation", "role", "person"}

func (q *whoisQuery) selectTypes(arg string) error {
	q.types = map[string]bool{}
	for _, t := range strings.Split(strings.ToLower(arg), ",") {
		if t = strings.TrimSpace(t); t != "" {
			q.types[t] = true // another RPSL type (route, domain…) is valid and matches nothing here
		}
	}
	return nil
}

func (q *whoisQuery) selectSources(arg string) error {
	q.srcs = map[ipatlas.Registry]bool{}
	for _, s := range strings.Split(arg, ",") {
		reg, err := ipatlas.ParseRegistry(s)
		if err != nil {
			return fmt.Errorf("unknown source %q (want AFRINIC, APNIC, ARIN, LACNIC or RIPE)", strings.TrimSpace(s))
		}
		q.srcs[reg] = true
	}
	return nil
}

func (q *whoisQuery) selectInfo(arg string) error {
	switch a := strings.ToLower(arg); a {
	case "version", "sources", "types":
		q.info = a
		return nil
	}
	return fmt.Errorf("-q %s: want -q version, -q sources or -q types", arg)
}

// when reads "@DATETIME" or "@all".
func (q *whoisQuery) when(s string) error {
	if strings.EqualFold(s, "all") {
		q.all, q.at = true, nil
		return nil
	}
	t, err := whipfile.ParseDatetime(s)
	if err != nil {
		return fmt.Errorf("@%s: %v", s, err)
	}
	q.at, q.all = &t, false
	return nil
}

// arinWord reads ARIN's query words: "n" (a network), "+" (details,
// shown anyway), "-" (summary: the same answer), "=" (exact match), "<"
// (every enclosing network); ">" and "!" it cannot answer. Any other word
// is part of the object.
func (q *whoisQuery) arinWord(w string) (isObj bool, err error) {
	switch strings.ToLower(w) {
	case "n", "+", "-":
	case "=":
		q.exact = true
	case "<":
		q.less = whoisLessAll
	case ">":
		return false, fmt.Errorf("more specific networks (>) not supported by this server")
	case "!":
		return false, fmt.Errorf("handle lookups (!) not supported by this server; ask for an address or prefix")
	case "help", "?":
		q.help = true
	default:
		return true, nil
	}
	return false, nil
}

// object reads what the query asks about: an address, a prefix, or a
// range "a - b"; none is fine only for help and -q.
func (q *whoisQuery) object(s string) error {
	q.text = s
	switch {
	case s == "" && (q.help || q.info != ""):
		return nil
	case s == "":
		return fmt.Errorf("no address, prefix or range in the query; try 'help'")
	case strings.ContainsRune(s, '%'):
		return fmt.Errorf("%q: zoned addresses are not looked up", s)
	}
	rg, err := ipatlas.ParseRange(s)
	if err != nil {
		return fmt.Errorf("%q is not an IP address, prefix or range; this server looks up only those (try 'help')", s)
	}
	if rg.From.Is4In6() && rg.To.Is4In6() {
		rg = ipatlas.Range{From: rg.From.Unmap(), To: rg.To.Unmap()}
	}
	q.obj = rg
	return nil
}

// isAddr reports whether the query is one address.
func (q *whoisQuery) isAddr() bool { return q.obj.From == q.obj.To }

// wants reports whether the answer may show objects of class.
func (q *whoisQuery) wants(class string) bool { return q.types == nil || q.types[class] }

// wantsRegistry reports whether -s lets networks of reg be searched.
func (q *whoisQuery) wantsRegistry(reg string) bool {
	if q.srcs == nil {
		return true
	}
	r, err := ipatlas.ParseRegistry(reg)
	return err == nil && q.srcs[r]
}
