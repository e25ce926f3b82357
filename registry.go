package ipatlas

import (
	"fmt"
	"strings"
)

// Registry names one of the five Regional Internet Registries. The zero value
// is no registry (for example, space IANA reserves).
type Registry string

// The five Regional Internet Registries, spelled as in their delegated-stats
// files.
const (
	AFRINIC Registry = "afrinic"
	APNIC   Registry = "apnic"
	ARIN    Registry = "arin"
	LACNIC  Registry = "lacnic"
	RIPENCC Registry = "ripencc"
)

// Registries lists the five RIRs in a fixed (alphabetical) order.
func Registries() []Registry { return []Registry{AFRINIC, APNIC, ARIN, LACNIC, RIPENCC} }

// ErrUnknownRegistry is returned by ParseRegistry for a name that is not an RIR.
var ErrUnknownRegistry = fmt.Errorf("unknown registry")

// separators are dropped from registry names: built once, as a planner
// parses one name per delegated record.
var separators = strings.NewReplacer(" ", "", "-", "", "_", "")

// ParseRegistry accepts a registry's delegated-stats name or a common
// spelling of it ("RIPE NCC", "ripe", "ARIN").
func ParseRegistry(s string) (Registry, error) {
	key := strings.ToLower(separators.Replace(strings.TrimSpace(s)))
	switch key {
	case "afrinic":
		return AFRINIC, nil
	case "apnic":
		return APNIC, nil
	case "arin":
		return ARIN, nil
	case "lacnic":
		return LACNIC, nil
	case "ripencc", "ripe":
		return RIPENCC, nil
	}
	return "", fmt.Errorf("%w %q (want one of afrinic, apnic, arin, lacnic, ripencc)", ErrUnknownRegistry, s)
}

// ParseRegistries parses a comma-separated list of registries; "all" or an
// empty string means all five.
func ParseRegistries(s string) ([]Registry, error) {
	if strings.TrimSpace(s) == "" || strings.EqualFold(strings.TrimSpace(s), "all") {
		return Registries(), nil
	}
	var out []Registry
	seen := map[Registry]bool{}
	for _, part := range strings.Split(s, ",") {
		r, err := ParseRegistry(part)
		if err != nil {
			return nil, err
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// Title is the registry's name as people write it ("RIPE NCC").
func (r Registry) Title() string {
	switch r {
	case RIPENCC:
		return "RIPE NCC"
	case "":
		return ""
	}
	return strings.ToUpper(string(r))
}

// Valid reports whether r is one of the five RIRs, spelled as the constants
// are. Other spellings ParseRegistry accepts ("ripe", "RIPE NCC") are not
// valid Registry values: parse them first.
func (r Registry) Valid() bool {
	switch r {
	case AFRINIC, APNIC, ARIN, LACNIC, RIPENCC:
		return true
	}
	return false
}
