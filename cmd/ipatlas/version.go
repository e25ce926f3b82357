package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/ipatlas/ipatlas"
)

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the ipatlas version and the Go version it was built with.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ipatlas %s (%s, %s/%s)\n", ipatlas.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
