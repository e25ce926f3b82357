// Package benchkit is what the benchmark drivers under bench/ share: a
// working folder and an ipatlas binary built from this checkout, so every
// driver measures the code as it is.
package benchkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// WorkDir is keep (created if need be, and kept), or a new temporary
// folder named after the driver that cleanup removes.
func WorkDir(keep, driver string) (dir string, cleanup func(), err error) {
	if keep != "" {
		return keep, func() {}, os.MkdirAll(keep, 0o755)
	}
	dir, err = os.MkdirTemp("", "ipatlas-"+driver+"-")
	return dir, func() { os.RemoveAll(dir) }, err
}

// BuildIpatlas builds ./cmd/ipatlas (run from the repository root) into dir
// and returns the binary's path.
func BuildIpatlas(dir string) (string, error) {
	bin := filepath.Join(dir, "ipatlas")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ipatlas")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return bin, nil
}
