package whois

import (
	"bytes"
	"strings"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/rdap"
)

// signals are what servers write instead of an answer, matched in lower
// case against their message lines, with the kind of failure each is.
var signals = []struct {
	text string
	kind rdap.Kind
}{
	// RIPE NCC, APNIC, AFRINIC: "%ERROR:201: access denied for ADDR" when a
	// client queries too fast or for too much personal data.
	{"%error:201", rdap.KindRateLimited},
	{"access denied", rdap.KindRateLimited},
	// ARIN and LACNIC: "Query rate limit exceeded"; LACNIC heads its
	// refusal "Rate Limit Notice" as its RDAP service does.
	{"rate limit exceeded", rdap.KindRateLimited},
	{"rate limit notice", rdap.KindRateLimited},
	{"%error:101", rdap.KindNotFound}, // "%ERROR:101: no entries found"
	{"no entries found", rdap.KindNotFound},
	{"no match", rdap.KindNotFound}, // ARIN "No match found for n + ADDR.", LACNIC "% No match found"
	{"%error:100", rdap.KindServer}, // "%ERROR:100: internal software error"
	{"%error:", rdap.KindBadRequest},
}

// classify looks for a refusal, a not-found or an error message in an
// answer; 0 means the answer should hold a network. Only message lines
// (comments, and lines that are not attributes) are read, so a network
// whose remarks mention "no match" is still a network.
func classify(body []byte) (rdap.Kind, string) {
	for _, line := range bytes.Split(body, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || !isMessage(line) {
			continue
		}
		low := strings.ToLower(string(line))
		for _, s := range signals {
			if strings.Contains(low, s.text) {
				return s.kind, string(line)
			}
		}
	}
	return 0, ""
}

// isMessage reports whether a line is a comment or free text rather than
// an attribute ("Name: value").
func isMessage(line []byte) bool {
	if line[0] == '%' || line[0] == '#' {
		return true
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return true
	}
	for _, c := range line[:colon] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return true
		}
	}
	return strings.EqualFold(string(line[:colon]), "error")
}

// complete reports whether an answer ends the way reg ends every answer,
// since WHOIS has no length to tell a whole answer from a cut one: RIPE
// NCC and APNIC close with "% This query was served by…", ARIN with its
// terms of use as "#" comments, LACNIC with "%" comments, AFRINIC with
// blank lines.
func complete(reg ipatlas.Registry, body []byte) bool {
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	trimmed := strings.TrimRight(text, "\n ")
	last := trimmed[strings.LastIndexByte(trimmed, '\n')+1:]
	switch reg {
	case ipatlas.RIPENCC, ipatlas.APNIC:
		return strings.Contains(text, "\n% This query was served by ")
	case ipatlas.ARIN:
		return strings.HasPrefix(last, "#")
	case ipatlas.LACNIC:
		return strings.HasPrefix(last, "%")
	}
	return strings.HasSuffix(text, "\n\n")
}

// referral is the registry an answer sends the client on to, if any:
// ARIN's "ReferralServer: whois://whois.ripe.net" (or "ResourceLink:"), or
// LACNIC's "% RIPENCC resource: whois.ripe.net" for space it does not
// hold. A referral to a server that is not a registry's (ARIN's rwhois://
// referrals lead to a provider's own server) is not one to follow: the
// answer stands.
func referral(reg ipatlas.Registry, body []byte) (ipatlas.Registry, bool) {
	for _, raw := range bytes.Split(body, []byte{'\n'}) {
		line := strings.TrimSpace(string(raw))
		var target string
		if name, value, ok := strings.Cut(line, ":"); ok && (strings.EqualFold(name, "ReferralServer") || strings.EqualFold(name, "ResourceLink")) {
			target, ok = strings.CutPrefix(strings.TrimSpace(value), "whois://")
			if !ok {
				continue
			}
		} else if _, host, ok := strings.Cut(line, " resource: "); ok && strings.HasPrefix(line, "%") {
			target = host
		} else {
			continue
		}
		if to, ok := registryAt(target); ok && to != reg {
			return to, true
		}
	}
	return "", false
}

// registryAt is the registry whose WHOIS server host (with an optional
// port or path) names.
func registryAt(target string) (ipatlas.Registry, bool) {
	host := strings.ToLower(strings.TrimSpace(target))
	if i := strings.IndexAny(host, ":/ "); i >= 0 {
		host = host[:i]
	}
	for reg, name := range Servers {
		if host == name {
			return reg, true
		}
	}
	return "", false
}
