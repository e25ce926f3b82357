package cymru

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ipatlas/ipatlas/internal/jsonscan"
	"github.com/ipatlas/ipatlas/internal/netjson"
)

// FieldNames are the fields an answer becomes in a record's payload: the
// names ipwhois gives Team Cymru's answers, in ipwhois's order.
var FieldNames = [...]string{"asn_registry", "asn", "asn_cidr", "asn_country_code", "asn_date", "asn_description"}

// Fields are an answer as ipwhois reports it: every value a string, "NA"
// where the service wrote NA (the AS, prefix and AS name of space no
// route holds), "" where it wrote nothing.
type Fields struct {
	Registry    string // asn_registry: "arin", "ripencc", …
	ASN         string // asn: "15169"
	CIDR        string // asn_cidr: the BGP prefix, "74.125.225.0/24"
	CountryCode string // asn_country_code: of the delegated block
	Date        string // asn_date: the delegated block's allocation date, "2007-03-13"
	Description string // asn_description: the AS name, "GOOGLE, US"
}

// Fields is the answer as ipwhois reports it.
func (a Answer) Fields() Fields {
	f := Fields{Registry: a.Registry, ASN: na, CIDR: na, CountryCode: a.Country, Description: na}
	if a.Routed() {
		f.ASN = strconv.FormatUint(uint64(a.AS), 10)
		if a.Prefix.IsValid() {
			f.CIDR = a.Prefix.String()
		}
		if a.ASName != "" {
			f.Description = a.ASName
		}
	}
	if !a.Allocated.IsZero() {
		f.Date = a.Allocated.Format(time.DateOnly)
	}
	return f
}

func (f Fields) values() [len(FieldNames)]string {
	return [...]string{f.Registry, f.ASN, f.CIDR, f.CountryCode, f.Date, f.Description}
}

// fieldSet is the asn_* members of a payload as raw JSON values, nil where
// absent, in FieldNames order.
type fieldSet [len(FieldNames)][]byte

func (fs fieldSet) empty() bool {
	for _, v := range fs {
		if v != nil {
			return false
		}
	}
	return true
}

func (f Fields) set() fieldSet {
	var fs fieldSet
	for i, v := range f.values() {
		fs[i] = netjson.AppendString(nil, v)
	}
	return fs
}

func fieldIndex(key []byte) int {
	for i, n := range FieldNames {
		if string(key) == n {
			return i
		}
	}
	return -1
}

// member is one member of a JSON object, its value raw.
type member struct {
	key   string
	value []byte
}

// splitPayload reads a payload (a JSON object) into its members other than
// the asn_* fields, in order, and those fields.
func splitPayload(payload []byte) ([]member, fieldSet, error) {
	var rest []member
	var fs fieldSet
	r := jsonscan.New(payload)
	if r.Kind() != '{' {
		return nil, fs, fmt.Errorf("payload is not a JSON object: %.40q", payload)
	}
	err := r.Object(func(key []byte) error {
		v, err := r.Raw()
		if i := fieldIndex(key); i >= 0 {
			fs[i] = v
		} else {
			rest = append(rest, member{key: string(key), value: v})
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return nil, fs, fmt.Errorf("payload: %w", err)
	}
	return rest, fs, nil
}

// joinPayload writes members and then the asn_* fields present, in
// FieldNames order, as one compact object.
func joinPayload(rest []member, fs fieldSet) []byte {
	b := []byte{'{'}
	for _, m := range rest {
		b = appendMember(b, m.key, m.value)
	}
	for i, v := range fs {
		if v != nil {
			b = appendMember(b, FieldNames[i], v)
		}
	}
	return append(b, '}')
}

func appendMember(b []byte, key string, value []byte) []byte {
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(netjson.AppendString(b, key), ':')
	return append(b, value...)
}

// SetFields returns payload, a JSON object, with its asn_* fields set to
// f: any it had are dropped, and the new ones follow the other members,
// which keep their order and values. Setting the same fields again gives
// the same bytes, so an unchanged answer leaves a record unchanged.
func SetFields(payload []byte, f Fields) ([]byte, error) {
	rest, _, err := splitPayload(payload)
	if err != nil {
		return nil, err
	}
	return joinPayload(rest, f.set()), nil
}
