// Package flat reads a record's payload into the flat fields the exports
// carry (CSV columns, MMDB record fields): registry, handle, name, type,
// status, country, holder, abuse mailbox, dates, parent handle, origin AS
// and the asn_* fields of 'enrich asn'.
//
// A payload is a crawled network's (ipatlas.NetworkRecord) or whatever a
// loaded Whip file holds, so a field of an unexpected type is left out
// rather than refused: a Whip file's fields are whatever its writer chose.
package flat

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/jsonscan"
)

// Fields are a record's flat fields; a field the payload lacks is empty.
type Fields struct {
	Registry     string
	Handle       string
	Name         string
	Type         string
	Status       []string
	Country      string
	ParentHandle string
	// Holder is a Whip file's "org" (or "holder"), else the name of the
	// network's registrant: its organisation, else its name, else its
	// handle. The registrant nearest the network wins (RIPE NCC hangs a
	// maintainer with the registrant role under the abuse contact).
	Holder string
	// AbuseEmail is the first mailbox of the abuse contact nearest the
	// network (ARIN lists it under the holder).
	AbuseEmail string
	// Registered and LastChanged are the dates of the registration and
	// last-changed events as stored (RFC 3339).
	Registered, LastChanged string
	// OriginAS is what the registry names as the network's origin ASes.
	OriginAS []uint32
	// The fields of 'enrich asn' (cymru.FieldNames) as the payload holds
	// them: ASN is an AS number's text, or "NA" for space no route holds
	// (a Whip file's numeric asn is written out).
	ASN, ASNCIDR, ASNDescription, ASNCountryCode, ASNRegistry, ASNDate string
}

// Read reads a payload: a JSON object.
func Read(payload []byte) (Fields, error) {
	var f Fields
	var org string
	best := candidates{holderAt: -1, abuseAt: -1}
	r := jsonscan.New(payload)
	err := r.Object(func(key []byte) error {
		if dst := f.stringField(string(key)); dst != nil {
			return r.OptString(dst)
		}
		switch string(key) {
		case "org", "holder":
			return r.OptString(&org)
		case "status":
			return readStrings(r, &f.Status)
		case "origin_as":
			return readOriginAS(r, &f.OriginAS)
		case "asn":
			return readASN(r, &f.ASN)
		case "events":
			return readEvents(r, &f)
		case "entities":
			return best.entities(r, 0)
		}
		return r.Skip()
	})
	if err == nil {
		err = r.End()
	}
	if err != nil {
		return Fields{}, fmt.Errorf("payload: %w", err)
	}
	f.Holder, f.AbuseEmail = org, best.abuse
	if f.Holder == "" {
		f.Holder = best.holder
	}
	return f, nil
}

// stringField is where a plain string member goes, nil for other keys.
func (f *Fields) stringField(key string) *string {
	switch key {
	case "registry":
		return &f.Registry
	case "handle":
		return &f.Handle
	case "name":
		return &f.Name
	case "type":
		return &f.Type
	case "country":
		return &f.Country
	case "parent_handle":
		return &f.ParentHandle
	case "asn_cidr":
		return &f.ASNCIDR
	case "asn_description":
		return &f.ASNDescription
	case "asn_country_code":
		return &f.ASNCountryCode
	case "asn_registry":
		return &f.ASNRegistry
	case "asn_date":
		return &f.ASNDate
	}
	return nil
}

// readStrings reads a list of strings, or one string; other values in
// it are left out.
func readStrings(r *jsonscan.Reader, dst *[]string) error {
	return r.EachString(func(s []byte) {
		if len(s) > 0 {
			*dst = append(*dst, string(s))
		}
	})
}

// readOriginAS reads a list of AS numbers; anything else in it is left
// out.
func readOriginAS(r *jsonscan.Reader, dst *[]uint32) error {
	if r.Kind() != '[' {
		return r.Skip()
	}
	return r.Array(func(int) error {
		if c := r.Kind(); c < '0' || c > '9' {
			return r.Skip()
		}
		lit, err := r.Raw()
		if n, perr := strconv.ParseUint(string(lit), 10, 32); err == nil && perr == nil {
			*dst = append(*dst, uint32(n))
		}
		return err
	})
}

// readASN reads the asn field: a string ('enrich asn' writes "15169" or
// "NA") or a Whip file's number.
func readASN(r *jsonscan.Reader, dst *string) error {
	if c := r.Kind(); c == '-' || '0' <= c && c <= '9' {
		lit, err := r.Raw()
		*dst = string(lit)
		return err
	}
	return r.OptString(dst)
}

// readEvents reads the dates of the first registration and last-changed
// events (RFC 9083 §10.2.3 actions).
func readEvents(r *jsonscan.Reader, f *Fields) error {
	if r.Kind() != '[' {
		return r.Skip()
	}
	return r.Array(func(int) error {
		var action, date string
		if r.Kind() != '{' {
			return r.Skip()
		}
		err := r.Object(func(key []byte) error {
			switch string(key) {
			case "action":
				return r.OptString(&action)
			case "date":
				return r.OptString(&date)
			}
			return r.Skip()
		})
		switch {
		case action == ipatlas.EventRegistration && f.Registered == "":
			f.Registered = date
		case action == ipatlas.EventLastChanged && f.LastChanged == "":
			f.LastChanged = date
		}
		return err
	})
}

// candidates are the holder and abuse mailbox found so far in a
// network's entities, with the depth each was found at (-1: none yet).
// Entities are walked depth first, and a find replaces another only from
// a shallower depth, so the one kept is the first at the least depth, as
// a walk level by level would find.
type candidates struct {
	holder, abuse     string
	holderAt, abuseAt int
}

// entities reads an entity list at a depth.
func (c *candidates) entities(r *jsonscan.Reader, depth int) error {
	if r.Kind() != '[' {
		return r.Skip()
	}
	return r.Array(func(int) error { return c.entity(r, depth) })
}

// entity reads one entity (RFC 9083 §5.1) and the entities under it.
func (c *candidates) entity(r *jsonscan.Reader, depth int) error {
	if r.Kind() != '{' {
		return r.Skip()
	}
	var handle string
	var roles []string
	var ct contact
	err := r.Object(func(key []byte) error {
		switch string(key) {
		case "handle":
			return r.OptString(&handle)
		case "roles":
			return readStrings(r, &roles)
		case "contact":
			return ct.read(r)
		case "entities":
			return c.entities(r, depth+1)
		}
		return r.Skip()
	})
	if has(roles, ipatlas.RoleRegistrant) && (c.holderAt < 0 || depth < c.holderAt) {
		if name := firstNonEmpty(ct.org, ct.name, handle); name != "" {
			c.holder, c.holderAt = name, depth
		}
	}
	if has(roles, ipatlas.RoleAbuse) && ct.email != "" && (c.abuseAt < 0 || depth < c.abuseAt) {
		c.abuse, c.abuseAt = ct.email, depth
	}
	return err
}

// contact is what an entity's contact gives the fields.
type contact struct{ name, org, email string }

func (ct *contact) read(r *jsonscan.Reader) error {
	if r.Kind() != '{' {
		return r.Skip()
	}
	return r.Object(func(key []byte) error {
		switch string(key) {
		case "name":
			return r.OptString(&ct.name)
		case "org":
			return r.OptString(&ct.org)
		case "email":
			var emails []string
			err := readStrings(r, &emails)
			if len(emails) > 0 {
				ct.email = emails[0]
			}
			return err
		}
		return r.Skip()
	})
}

// has reports whether roles holds role; RFC 9083 roles are lower case,
// but a loaded file's may not be.
func has(roles []string, role string) bool {
	for _, r := range roles {
		if strings.EqualFold(r, role) {
			return true
		}
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
