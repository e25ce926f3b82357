package ipatlas

import (
	"net/netip"
	"time"
)

// Network is one IP network as a registry publishes it (an RDAP "ip network"
// object, an RPSL inetnum, an ARIN NetRange). Fields a source does not give are
// left at their zero value. A Network is a plain value: copying it copies the
// slice headers, so treat a copy's slices as shared.
type Network struct {
	Registry     Registry `json:"registry"`
	Range        Range    `json:"range"`                   // first and last address
	Handle       string   `json:"handle,omitempty"`        // registry identifier, e.g. "NET-13-64-0-0-1"
	Name         string   `json:"name,omitempty"`          // network name, e.g. "MSFT"
	Type         string   `json:"type,omitempty"`          // registry's type, e.g. "DIRECT ALLOCATION", "ASSIGNED PA"
	Status       []string `json:"status,omitempty"`        // RDAP status values, e.g. "active"
	Country      string   `json:"country,omitempty"`       // ISO 3166 alpha-2 code, upper case
	ParentHandle string   `json:"parent_handle,omitempty"` // handle of the enclosing network, if published
	OriginAS     []uint32 `json:"origin_as,omitempty"`     // origin autonomous systems, when published
	Events       []Event  `json:"events,omitempty"`
	Entities     []Entity `json:"entities,omitempty"`
	Remarks      []Remark `json:"remarks,omitempty"`
	// CIDRs are the range as prefixes: the registry's cidr0_cidrs when it
	// publishes them, else computed from Range.
	CIDRs []netip.Prefix `json:"cidrs,omitempty"`
	// Port43 is the registry's WHOIS server for this object.
	Port43 string `json:"port43,omitempty"`
	// Notices and Links are what the service said alongside the object
	// (terms of use, self and related links); they describe the answer, not
	// the registration.
	Notices []Remark `json:"notices,omitempty"`
	Links   []Link   `json:"links,omitempty"`
	Source  Source   `json:"source,omitzero"` // where and when this record was obtained
}

// Link is an RDAP link (RFC 9083 §4.2).
type Link struct {
	Value string `json:"value,omitempty"`
	Rel   string `json:"rel,omitempty"`
	Href  string `json:"href"`
	Type  string `json:"type,omitempty"`
}

// IPVersion is 4 or 6.
func (n Network) IPVersion() int {
	if n.Range.Is4() {
		return 4
	}
	return 6
}

// EventDate returns the date of the first event with the given action
// ("registration", "last changed"), or the zero time.
func (n Network) EventDate(action string) time.Time {
	for _, e := range n.Events {
		if e.Action == action {
			return e.Date
		}
	}
	return time.Time{}
}

// Event actions registries publish (RFC 9083 §10.2.3).
const (
	EventRegistration = "registration"
	EventLastChanged  = "last changed"
)

// Event is something that happened to an object, with its date.
type Event struct {
	Action string    `json:"action"`
	Date   time.Time `json:"date"`
	Actor  string    `json:"actor,omitempty"`
}

// Entity roles registries publish (RFC 9083 §10.2.4).
const (
	RoleRegistrant     = "registrant"
	RoleAbuse          = "abuse"
	RoleTechnical      = "technical"
	RoleAdministrative = "administrative"
	RoleNOC            = "noc"
)

// Entity is an organisation, person or role attached to a network, with the
// roles it plays there. Entities can hold entities (an organisation's abuse
// role, for example).
type Entity struct {
	Handle   string   `json:"handle,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Status   []string `json:"status,omitempty"` // RDAP status values, e.g. "validated"
	Contact  Contact  `json:"contact,omitzero"`
	Remarks  []Remark `json:"remarks,omitempty"`
	Events   []Event  `json:"events,omitempty"`
	Entities []Entity `json:"entities,omitempty"`
	Links    []Link   `json:"links,omitempty"`
}

// HasRole reports whether e plays role.
func (e Entity) HasRole(role string) bool {
	for _, r := range e.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Contact is the parsed vCard (jCard, RFC 7095) of an entity.
type Contact struct {
	Name    string   `json:"name,omitempty"`    // fn
	Kind    string   `json:"kind,omitempty"`    // "org", "individual", "group"
	Org     string   `json:"org,omitempty"`     // org
	Address string   `json:"address,omitempty"` // adr label, or its components joined by newlines
	Phone   []string `json:"phone,omitempty"`   // tel
	Email   []string `json:"email,omitempty"`   // email
}

// Remark is a titled block of free text (RFC 9083 §4.3).
type Remark struct {
	Title       string   `json:"title,omitempty"`
	Description []string `json:"description,omitempty"`
}

// Protocols a record can come from.
const (
	ProtocolRDAP  = "rdap"
	ProtocolWHOIS = "whois"
	ProtocolDump  = "dump"
	ProtocolLoad  = "load"
)

// Source says where a record came from.
type Source struct {
	Protocol  string    `json:"protocol,omitempty"` // one of the Protocol constants
	URL       string    `json:"url,omitempty"`      // the query or file it came from
	Retrieved time.Time `json:"retrieved,omitzero"` // when it was obtained
}
