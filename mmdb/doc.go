// Package mmdb writes a snapshot as a MaxMind DB file, the lookup format
// every MaxMind reader (libmaxminddb, maxminddb-golang, the Python and
// Java readers, mmdblookup) reads, and reads one back to check it.
//
// # The file
//
// One IPv6 tree holds IPv4 and IPv6, IPv4 under ::/96 with MaxMind's
// aliases (::ffff:0:0/96, 2001::/32, 2002::/16) pointing at it. Every
// range of the snapshot is split exactly into CIDR prefixes, and each
// prefix leads to the range's [Record]: an address finds the most
// specific range that holds it, the innermost of nested networks. The
// record schema, the choices about special-purpose space and the metadata
// are documented in docs/mmdb.md.
//
// The writer is github.com/maxmind/mmdbwriter, MaxMind's own; [Verify]
// reads with github.com/oschwald/maxminddb-golang/v2.
package mmdb
