package ipatlas

import "time"

// Dump is one registry's networks of one IP version as a bulk RPSL dump
// gave them (RIPE NCC, APNIC and AFRINIC publish their databases so): a
// load stores them as a snapshot of the history, and a crawl leaves the
// registry's space of that version unasked, taking the dump's networks
// into its own snapshot instead.
type Dump struct {
	Registry  Registry
	IPVersion int       // 4 or 6
	At        time.Time // the snapshot the dump was stored as: the dump's date
	Datetime  string    // At as the snapshot shows it
	Source    string    // the files it was read from
	Networks  int       // networks it held
	Loaded    time.Time // when it was first loaded
}
