// Package whois asks the Regional Internet Registries about addresses over
// WHOIS (RFC 3912, TCP port 43) and parses their answers into
// ipatlas.Network values: a second way in beside RDAP.
//
// # Formats
//
// RIPE NCC, APNIC and AFRINIC answer in RPSL (RFC 2622): an inetnum or
// inet6num object, and, unless the query asked for none, the organisation,
// role, person and irt objects it references. ARIN answers with its own
// "NetRange:" records, each followed by its organisation and points of
// contact; LACNIC with one inetnum block holding the owner, then a block per
// contact. [Parse] reads all three, picking the most specific network that
// holds the query when an answer lists several.
//
// # Client
//
// [Client] sends each registry its own query syntax (ARIN "n + ADDR", the
// RPSL servers "-r -B ADDR", LACNIC the bare address), bounds every exchange
// with timeouts and a size cap, follows referrals between the registries'
// servers, and reports failures as *rdap.QueryError values of the same kinds
// the RDAP client uses (not found, rate limited, truncated…), so the crawler
// walks and paces both protocols alike.
//
// WHOIS carries less than RDAP: no links, notices or status values, dates
// as days at some registries, and, since the crawler asks the RPSL servers
// not to return the contact objects a network references (their daily
// limits on personal data block a crawler that asks for them), contacts as
// handles and roles with only the abuse address the servers print beside
// the answer.
package whois
