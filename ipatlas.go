// Package ipatlas holds the domain types every part of ipatlas shares: the
// registries, address ranges, and the networks they publish with their
// entities and contacts.
//
// ipatlas builds, keeps and serves a complete, time-versioned map of who holds
// every IPv4 and IPv6 block. The packages beside this one each deal with one
// outside thing (a protocol, a file format, a database); this package imports
// only the standard library so that all of them can share its nouns.
package ipatlas

// Version is the ipatlas release. It is reported by `ipatlas version` and sent
// in the User-Agent of every request ipatlas makes.
var Version = "0.1.0-dev"

// UserAgent is the User-Agent header ipatlas sends to registries.
func UserAgent() string { return "ipatlas/" + Version + " (+https://github.com/ipatlas/ipatlas)" }
