// Package mapimg draws the IPv4 address space as a picture: a square of
// 256×256 cells laid along a Hilbert curve (package hilbert), each cell a
// block of addresses coloured by who holds it. The whole space is drawn
// at one /16 per cell; a view of a shorter prefix (a /8, a /16) at 16 bits
// finer: a /8 at one /24 per cell, a /16 at one address per cell.
//
// `ipatlas map` writes the picture as a PNG, and the web page of `ipatlas
// serve` draws the same cells with the same colours, which it receives
// from the server rather than computing them: one palette, one layout.
//
// # Cells
//
// A [Grid] holds, per cell, the addresses that some network of a snapshot
// covers, the addresses IANA gives a Regional Internet Registry (its /8s
// less its special-purpose blocks), the registry whose networks cover the
// most of the cell (else the one IANA lists for its /8), and the country
// of the largest piece of a network in it. A cell is reserved when
// special-purpose or IANA-reserved space is half of it or more,
// registered when a network covers any of it, and unregistered otherwise.
//
// # Palette
//
// The palette is fixed, so maps of different snapshots compare at a
// glance. Registries take colours of Okabe and Ito's palette, told apart
// with the common colour-vision deficiencies:
//
//	AFRINIC   #E69F00 orange       APNIC     #009E73 green
//	ARIN      #0072B2 blue         LACNIC    #CC79A7 pink
//	RIPE NCC  #D55E00 vermillion   other     #F0E442 yellow (a network naming no RIR)
//
// Colouring by registry (the default), a registered cell is its
// registry's colour, deeper the more of the cell networks cover (55% of
// the colour over the background #1B1D23 for a sliver, all of it for a
// full cell); an unregistered cell is a faint 22% of the colour of the
// registry IANA lists for it; a reserved cell is flat grey #6B6F78.
// Colouring by coverage, a cell's share of its registrable addresses that
// networks cover runs along the viridis ramp, #440154 (none) through
// #3B528B, #21918C and #5EC962 to #FDE725 (all). Colouring by country,
// the twelve countries covering the most addresses of the view take
// Tableau's twelve hues in order (#4E79A7 #F28E2B #E15759 #76B7B2 #59A14F
// #EDC948 #B07AA1 #FF9DA7 #9C755F #86BCB6 #D37295 #8CD17D), any other
// country #C9B99A, networks with no country #9AA0A6, shaded as by
// registry; unregistered cells are a faint grey. Hashing two hundred
// countries into a dozen hues would give the main ones of a view the same
// colour; the legend names the twelve.
// Reserved cells are the same grey in every colouring.
package mapimg
