// Package cymru asks Team Cymru's IP-to-ASN service which AS originates
// the route of each address, and attaches the answers to snapshot records
// as the asn_* fields ipwhois users know.
//
// # The protocol
//
// The service (whois.cymru.com, port 43) takes many addresses in one
// session: the client sends "begin", options ("verbose" for every column),
// one address a line and "end"; the service answers a banner, then a line
// per address, and closes:
//
//	Bulk mode; whois.cymru.com [2024-10-15 05:46:42 +0000]
//	15169   | 74.125.225.229   | 74.125.225.0/24     | US | arin     | 2007-03-13 | GOOGLE, US
//	NA      | 89.38.234.0      | NA                  | RO | ripencc  | 2005-11-29 | NA
//
// NA marks space no route holds; the country, registry and date come from
// the registries' delegated-stats files and are there either way. The
// service is shared and free, so a [Client] is gentle with it: never a
// connection per address, but Config.Batch addresses a session, one
// session at a time, paced, and a session cut off is retried only for the
// addresses it left unanswered.
//
// # Records
//
// [OriginAddrs] picks the address that decides each record's origin,
// [Enrich] sets the fields from the answers, and [Carry] copies them from
// one snapshot to the next for records whose range stayed the same.
package cymru
