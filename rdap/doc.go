// Package rdap is ipatlas's RDAP client: it finds the registry for an
// address from the RFC 9224 bootstrap, queries it (following redirects only
// to servers the bootstrap lists), classifies what went wrong when a query
// fails, and parses RFC 9083 answers into ipatlas.Network.
package rdap
