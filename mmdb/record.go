package mmdb

import (
	"strconv"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/flat"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Record is the data an address's lookup finds: the most specific range
// of the snapshot that holds it (docs/mmdb.md). Decode a lookup's result
// into it with maxminddb-golang. A field the range lacks is absent from
// the file and zero here.
type Record struct {
	// Begin and End are the range as registered; the network a lookup
	// reports is only the piece of it the address falls in.
	Begin string `maxminddb:"begin"`
	End   string `maxminddb:"end"`

	Registry     string   `maxminddb:"registry"`
	Handle       string   `maxminddb:"handle"`
	Name         string   `maxminddb:"name"`
	Type         string   `maxminddb:"type"`
	Status       []string `maxminddb:"status"`
	Country      string   `maxminddb:"country"`
	Holder       string   `maxminddb:"holder"`
	AbuseEmail   string   `maxminddb:"abuse_email"`
	Registered   string   `maxminddb:"registered"`
	LastChanged  string   `maxminddb:"last_changed"`
	ParentHandle string   `maxminddb:"parent_handle"`
	OriginAS     []uint32 `maxminddb:"origin_as"`

	// The route 'enrich asn' found: absent where it found none (Team
	// Cymru's NA) and where the snapshot was not enriched.
	ASN            uint32 `maxminddb:"asn"`
	ASNCIDR        string `maxminddb:"asn_cidr"`
	ASNDescription string `maxminddb:"asn_description"`
	ASNCountryCode string `maxminddb:"asn_country_code"`
	ASNRegistry    string `maxminddb:"asn_registry"`
	ASNDate        string `maxminddb:"asn_date"`
}

// notAnswered is what Team Cymru writes where it has no answer.
const notAnswered = "NA"

// NewRecord is the MMDB record of a snapshot's record.
func NewRecord(rec ipatlas.Record) (Record, error) {
	f, err := flat.Read(rec.Payload)
	if err != nil {
		return Record{}, err
	}
	r := Record{Begin: rec.Range.From.String(), End: rec.Range.To.String(),
		Registry: f.Registry, Handle: f.Handle, Name: f.Name, Type: f.Type, Status: f.Status, Country: f.Country,
		Holder: f.Holder, AbuseEmail: f.AbuseEmail, Registered: f.Registered, LastChanged: f.LastChanged,
		ParentHandle: f.ParentHandle, OriginAS: f.OriginAS,
		ASNCIDR: answered(f.ASNCIDR), ASNDescription: answered(f.ASNDescription),
		ASNCountryCode: f.ASNCountryCode, ASNRegistry: f.ASNRegistry, ASNDate: f.ASNDate}
	if n, err := strconv.ParseUint(f.ASN, 10, 32); err == nil {
		r.ASN = uint32(n)
	}
	return r, nil
}

func answered(s string) string {
	if s == notAnswered {
		return ""
	}
	return s
}

// value is the record as the writer stores it: a map of the fields
// present. str makes a field's value; Write shares one value among the
// records that repeat it (registries, countries, holders).
func (r *Record) value(str func(string) mmdbtype.DataType) mmdbtype.Map {
	m := make(mmdbtype.Map, 8)
	m["begin"], m["end"] = mmdbtype.String(r.Begin), mmdbtype.String(r.End) // never repeated
	for _, f := range [...]struct {
		key mmdbtype.String
		v   string
	}{
		{"registry", r.Registry}, {"handle", r.Handle}, {"name", r.Name}, {"type", r.Type}, {"country", r.Country},
		{"holder", r.Holder}, {"abuse_email", r.AbuseEmail}, {"registered", r.Registered}, {"last_changed", r.LastChanged},
		{"parent_handle", r.ParentHandle}, {"asn_cidr", r.ASNCIDR}, {"asn_description", r.ASNDescription},
		{"asn_country_code", r.ASNCountryCode}, {"asn_registry", r.ASNRegistry}, {"asn_date", r.ASNDate},
	} {
		if f.v != "" {
			m[f.key] = str(f.v)
		}
	}
	if len(r.Status) > 0 {
		s := make(mmdbtype.Slice, len(r.Status))
		for i, v := range r.Status {
			s[i] = str(v)
		}
		m["status"] = s
	}
	if len(r.OriginAS) > 0 {
		s := make(mmdbtype.Slice, len(r.OriginAS))
		for i, v := range r.OriginAS {
			s[i] = mmdbtype.Uint32(v)
		}
		m["origin_as"] = s
	}
	if r.ASN != 0 {
		m["asn"] = mmdbtype.Uint32(r.ASN)
	}
	return m
}
