// Package shareddata finds the real registry samples (RDAP and WHOIS
// answers, delegated-stats files, IANA registries) that live beside the
// repository in ../shared/data, for the tests that check ipatlas against
// real data. The samples are never copied into the project.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the directory of one kind of sample ("rdap", "delegated",
// "iana" …) relative to a package directory one level below the module,
// skipping the test with a message when the samples are absent.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "shared", "data", sub)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("real registry samples not present (%v): this check needs ../shared/data/%s", err, sub)
	}
	return dir
}
