package cymru

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Answer is one line of the service's answer: what it knows of one
// address. An address no route holds has AS 0 and no Prefix, but keeps
// its country, registry and date, which Cymru takes from the registries'
// delegated-stats files.
type Answer struct {
	AS        uint32       // origin AS; 0 where the service wrote NA
	Addr      netip.Addr   // the address asked about
	Prefix    netip.Prefix // BGP prefix; invalid for NA, and in lines that are not verbose
	Country   string       // ISO 3166 code of the delegated block, upper case; "" when none
	Registry  string       // "arin", "ripencc", "apnic", "lacnic", "afrinic" or "other"; "" in lines that are not verbose
	Allocated time.Time    // allocation date of the delegated block; zero when none
	ASName    string       // the AS's name ("GOOGLE, US"); "" where the service wrote NA
	Verbose   bool         // the line had every column (asked for with "verbose")
}

// Routed reports whether a route holds the address.
func (a Answer) Routed() bool { return a.AS != 0 }

// na is what the service writes for a value it does not have.
const na = "NA"

// ErrSyntax is wrapped by the errors of lines that do not read as an
// answer.
var ErrSyntax = errors.New("malformed answer line")

// ParseLine reads one answer line: verbose, "AS | IP | BGP Prefix | CC |
// Registry | Allocated | AS Name", or plain, "AS | IP | AS Name", with
// the columns padded or not. An AS name may hold commas and, in a verbose
// line, even "|": it is the rest of the line.
func ParseLine(line string) (Answer, error) {
	line = strings.TrimRight(line, "\r\n")
	v := strings.SplitN(line, "|", 7)
	for i := range v {
		v[i] = strings.TrimSpace(v[i])
	}
	var a Answer
	var err error
	switch len(v) {
	case 3:
		err = a.parsePlain(v)
	case 7:
		err = a.parseVerbose(v)
	default:
		err = fmt.Errorf("%w: %d columns, want 3 (AS | IP | AS Name) or 7 (verbose)", ErrSyntax, len(v))
	}
	return a, err
}

func (a *Answer) parsePlain(v []string) error {
	if err := a.parseASAndAddr(v[0], v[1]); err != nil {
		return err
	}
	return a.parseName(v[2])
}

func (a *Answer) parseVerbose(v []string) error {
	a.Verbose = true
	if err := a.parseASAndAddr(v[0], v[1]); err != nil {
		return err
	}
	if err := a.parsePrefix(v[2]); err != nil {
		return err
	}
	if err := a.parseCountry(v[3]); err != nil {
		return err
	}
	if err := a.parseRegistry(v[4]); err != nil {
		return err
	}
	if err := a.parseDate(v[5]); err != nil {
		return err
	}
	return a.parseName(v[6])
}

// parseASAndAddr reads the AS and IP columns. A prefix several ASes
// originate may have them all in its AS column, space-separated, as
// Cymru's DNS answers write them: the first is kept.
func (a *Answer) parseASAndAddr(as, addr string) error {
	var err error
	if a.Addr, err = netip.ParseAddr(addr); err != nil || a.Addr.Zone() != "" {
		return fmt.Errorf("%w: IP %q: not an address", ErrSyntax, addr)
	}
	if as == na {
		return nil
	}
	origins := strings.Fields(as)
	if len(origins) == 0 {
		origins = []string{as}
	}
	for i, o := range origins {
		n, err := strconv.ParseUint(o, 10, 32)
		if err != nil || n == 0 {
			return fmt.Errorf("%w: AS %q: want a number from 1 to 4294967295, or NA", ErrSyntax, as)
		}
		if i == 0 {
			a.AS = uint32(n)
		}
	}
	return nil
}

func (a *Answer) parsePrefix(s string) error {
	if s == na {
		if a.Routed() {
			return fmt.Errorf("%w: BGP prefix NA for a routed address (AS %d)", ErrSyntax, a.AS)
		}
		return nil
	}
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		return fmt.Errorf("%w: BGP prefix %q: not a prefix", ErrSyntax, s)
	case !p.Contains(a.Addr):
		return fmt.Errorf("%w: BGP prefix %s does not hold %s", ErrSyntax, p, a.Addr)
	case !a.Routed():
		return fmt.Errorf("%w: BGP prefix %s without an AS", ErrSyntax, p)
	}
	a.Prefix = p.Masked()
	return nil
}

func (a *Answer) parseCountry(s string) error {
	if s == "" {
		return nil
	}
	s = strings.ToUpper(s)
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return fmt.Errorf("%w: CC %q: want two letters", ErrSyntax, s)
	}
	a.Country = s
	return nil
}

func (a *Answer) parseRegistry(s string) error {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return fmt.Errorf("%w: registry %q: want a lower-case name such as ripencc", ErrSyntax, s)
	}
	a.Registry = s
	return nil
}

func (a *Answer) parseDate(s string) error {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("%w: allocated %q: want YYYY-MM-DD", ErrSyntax, s)
	}
	a.Allocated = t
	return nil
}

func (a *Answer) parseName(s string) error {
	if s != na {
		a.ASName = s
	}
	return nil
}

// LineError is an answer line that could not be read, with where it was.
type LineError struct {
	Line int    // 1-based, counting the banner
	Text string // the line as received
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("cymru answer line %d %q: %v", e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }
