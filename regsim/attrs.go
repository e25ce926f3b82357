package regsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas"
)

// orgMask bounds organisation ids: about a million organisations, so that
// large worlds still share holders between networks.
const orgMask = 1<<20 - 1

// registryOpened is the first registration day (since dayZero) of each
// registry's space: ARIN's legacy space is older than any RIR.
var registryOpened = map[ipatlas.Registry]int{
	ipatlas.ARIN:    daysSince(1985),
	ipatlas.RIPENCC: daysSince(1992),
	ipatlas.APNIC:   daysSince(1993),
	ipatlas.LACNIC:  daysSince(1999),
	ipatlas.AFRINIC: daysSince(2005),
}

func daysSince(year int) int {
	return int(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Sub(dayZero).Hours() / 24)
}

// countries are each registry's countries, most frequent first; drawCountry
// picks the first ones far more often.
var countries = [][]string{
	{"ZA", "EG", "NG", "KE", "MA", "TN", "GH", "DZ", "TZ", "UG", "SN", "CI", "AO", "MU", "ZM"},                   // afrinic
	{"CN", "JP", "AU", "IN", "KR", "ID", "VN", "TW", "HK", "SG", "TH", "PH", "MY", "NZ", "BD", "PK", "NP"},       // apnic
	{"US", "CA", "PR", "JM", "BS", "BB", "VI", "TT", "KY", "BM", "AG"},                                           // arin
	{"BR", "MX", "AR", "CL", "CO", "PE", "EC", "VE", "UY", "CR", "PA", "BO", "PY", "GT", "DO"},                   // lacnic
	{"DE", "GB", "RU", "FR", "NL", "IT", "ES", "SE", "PL", "CH", "UA", "TR", "IR", "NO", "DK", "AT", "CZ", "BE"}, // ripencc
}

func (b *builder) drawCountry(reg uint8) [2]byte {
	return pickCountry(reg, b.rng.Float64())
}

// pickCountry maps u in [0,1) to one of the registry's countries, skewed
// towards the first.
func pickCountry(reg uint8, u float64) [2]byte {
	list := countries[reg]
	cc := list[int(float64(len(list))*u*u*u)]
	return [2]byte{cc[0], cc[1]}
}

// countryOf parses a two-letter code from outside (a delegated file); an
// empty or odd one becomes "ZZ", the code registries use for unknown.
func countryOf(s string) [2]byte {
	s = strings.ToUpper(s)
	if len(s) != 2 {
		return [2]byte{'Z', 'Z'}
	}
	return [2]byte{s[0], s[1]}
}

func (b *builder) presetDay(t topSpec) uint16 {
	if t.date.IsZero() {
		return b.topDay()
	}
	return uint16(max(t.date.Sub(dayZero).Hours()/24, 0))
}

// words build organisation and network names.
var words = []string{
	"Acme", "Blue", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
	"Kestrel", "Lumen", "Maple", "Nova", "Orbit", "Pioneer", "Quartz", "Raven", "Summit", "Tidal",
	"Umbra", "Vertex", "Willow", "Xenon", "Yarrow", "Zephyr", "Atlas", "Beacon", "Cobalt", "Dune",
	"Ember", "Fjord", "Glacier", "Horizon", "Indigo", "Jade", "Keystone", "Lattice", "Meridian", "Nimbus",
	"Onyx", "Prairie", "Quill", "Ridge", "Sierra", "Topaz", "Unity", "Valley", "Wave", "Zenith",
}

var orgSuffix = map[string]string{
	"US": "Inc.", "CA": "Ltd.", "GB": "Ltd", "DE": "GmbH", "FR": "SAS", "NL": "B.V.", "RU": "LLC",
	"BR": "Ltda.", "MX": "S.A. de C.V.", "AR": "S.A.", "JP": "K.K.", "AU": "Pty Ltd", "CN": "Co., Ltd.",
	"ZA": "(Pty) Ltd", "IN": "Pvt Ltd", "IT": "S.r.l.", "ES": "S.L.", "CH": "AG", "SE": "AB",
}

var orgTrade = []string{"Networks", "Telecom", "Communications", "Internet", "Hosting", "Data", "Broadband", "Cloud", "University", "Systems"}

// org is an organisation derived from its id alone, so every network and
// entity lookup that names it agrees.
type org struct {
	id      uint32
	reg     ipatlas.Registry
	cc      string
	word    string
	trade   string
	created time.Time

	name, domain, address, phone string // derived once: every entity of a network uses them
}

func (w *World) org(id uint32, reg uint8) org {
	r := rand.New(rand.NewPCG(w.cfg.Seed^0x6f7267, uint64(id)))
	cc := pickCountry(reg, r.Float64())
	o := org{id: id, reg: registries[reg], cc: string(cc[:])}
	o.word = words[r.IntN(len(words))] + words[r.IntN(len(words))]
	o.trade = orgTrade[r.IntN(len(orgTrade))]
	o.created = dayZero.AddDate(0, 0, registryOpened[o.reg]+r.IntN(9000))
	suffix := orgSuffix[o.cc]
	if suffix == "" {
		suffix = "Ltd."
	}
	o.name = o.word + " " + o.trade + " " + suffix
	o.domain = strings.ToLower(o.word+"-"+o.trade) + "." + strings.ToLower(ccTLD(o.cc))
	o.address = fmt.Sprintf("%d %s Street\n%s\n%05d\n%s", 1+r.IntN(400), words[r.IntN(len(words))],
		words[r.IntN(len(words))]+"ville", r.IntN(99999), o.cc)
	o.phone = fmt.Sprintf("+%d %d %07d", 1+int(o.id%89), 10+int(o.id%89), int(o.id)%10000000)
	return o
}

// Name is the organisation's legal name, e.g. "AcmeNova Networks GmbH".
func (o org) Name() string { return o.name }

// Domain is the organisation's mail domain.
func (o org) Domain() string { return o.domain }

func ccTLD(cc string) string {
	if cc == "US" {
		return "com"
	}
	return cc
}

// Short is a short upper-case tag for handles and network names.
func (o org) Short() string { return strings.ToUpper(o.word) }

// initials abbreviates the organisation the way RIPE-style handles do.
func (o org) initials() string {
	var b strings.Builder
	for _, c := range o.word + o.trade {
		if c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Address is a postal address label, one line per element.
func (o org) Address() string { return o.address }

// Phone is an international phone number.
func (o org) Phone() string { return o.phone }
