// Package dump reads the bulk RPSL dumps RIPE NCC, APNIC and AFRINIC
// publish (ripe.db.inetnum.gz, apnic.db.inet6num.gz, …) into networks:
// millions of them with no query.
//
// # Files
//
// A registry's split dump is one file per object class. [Load] takes any
// of them, as paths or http(s) URLs, gzipped or not (told by the gzip
// magic bytes, not the name), in any order: the organisation, role, irt
// and person files are read first, so that every inetnum and inet6num
// names its holder and contacts. A file whose name names no class (a
// whole-database dump such as afrinic.db.gz) is read twice, for its
// holders and then for its networks. Each file is streamed: memory grows
// with the networks kept, not with the size of the input (a dump's
// remarks, maintainers and dummified contacts are read and dropped).
//
// # What a dump gives
//
// A network from a dump ([Network]) has:
//   - Registry from the source: attribute ("RIPE", a mirror's "RIPE-GRS"),
//     else from the file name (ripe.db.… is RIPE NCC's);
//   - Range and Handle from the key: "a - b" for an inetnum, a prefix for
//     an inet6num, written as the registry's RDAP service writes handles;
//   - Name from netname:, Type from status: ("ALLOCATED PA"), Country from
//     country:, and the descr: lines as one untitled remark (remarks: lines
//     as a second, without the "THIS OBJECT IS MODIFIED" block dummifiers
//     add);
//   - Events: registration from created:, last changed from last-modified:;
//   - Entities: the holder (org:, role registrant, named by its org-name),
//     then each contact in the order the object names it, with every role
//     it plays there (admin-c administrative, tech-c technical, abuse-c and
//     mnt-irt abuse), named by its role: name (an irt by its key) with its
//     abuse-mailbox; and when the object names no abuse contact, its
//     holder's abuse-c. Placeholders (DUMY-RIPE) name nobody and are left
//     out. Addresses, phones and e-mails are dummified in every public dump
//     and are not read.
//
// A dump has no RDAP status, parent handle or origin AS: those stay empty.
//
// RIPE NCC's dump also holds placeholders for space it does not manage:
// the whole space ("IANA-BLK") and each block another registry manages
// ("NON-RIPE-NCC-MANAGED-ADDRESS-BLOCK"), of status ALLOCATED UNSPECIFIED.
// They are counted ([Result].Unmanaged) and left out, as is any object for
// a whole address space: kept, they would hold every address no real
// network holds.
//
// # Malformed objects
//
// An object that is not RPSL ([*rpsl.SyntaxError]) or not a network
// ([*Error]: a key that is no range, no netname or status, a date that is
// not RFC 3339, a source that names no registry) is counted and reported
// with its file and line. A strict load reads on to report them all and
// then fails; a lenient one ([Options].Lenient) skips them.
//
// # Snapshots
//
// A dump holds some registries' networks of some IP versions; a snapshot
// of the history is the whole state. [Overlay] makes a dump's snapshot from
// the history's state at its date ([history.StateAt]), replacing the dumped
// registries' networks, and takes a dump's networks into a crawl's
// snapshot for the space the crawl left unasked.
package dump
