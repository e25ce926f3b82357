package regsim_test

import (
	"net/netip"

	"github.com/ipatlas/ipatlas/delegated"
)

type (
	netipPrefix   = netip.Prefix
	delegatedFile = delegated.File
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
