package regsim

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/parallel"
	"github.com/klauspost/compress/gzip"
)

// dumpChunk is how many objects one gzip member of a dump file holds: a
// full-scale RIPE NCC inetnum file has millions of objects, rendered and
// compressed a chunk per core.
const dumpChunk = 4096

// Dump renders one file of reg's split dump (a name DumpFiles lists),
// gzipped. The file is a series of gzip members, one per chunk of objects,
// compressed side by side; RFC 1952 §2.2 makes such a file one stream to
// every gzip reader.
func (w *World) Dump(reg ipatlas.Registry, name string) ([]byte, error) {
	class, ok := dumpClass(reg, name)
	if !ok {
		return nil, fmt.Errorf("%w: %s publishes no dump file %q", ErrConfig, reg.Title(), name)
	}
	n, write := w.dumpItems(reg, class)
	chunks := make([][]byte, 1+(n+dumpChunk-1)/dumpChunk)
	errs := make([]error, len(chunks))
	chunks[0], errs[0] = gzipBytes([]byte(dumpProfiles[reg].header))
	parallel.For(len(chunks)-1, func(c int) {
		t := rpslText{b: make([]byte, 0, 1<<20)}
		for i := c * dumpChunk; i < min(n, (c+1)*dumpChunk); i++ {
			write(&t, i)
		}
		chunks[1+c], errs[1+c] = gzipBytes(t.b)
	})
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("dump %s: %w", name, err)
		}
	}
	return bytes.Join(chunks, nil), nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// WriteDumps writes the split dumps of regs (every registry that publishes
// one when none is given) into dir, each file's modification time set to
// the world's epoch, the day the dump shows; it returns the paths written.
func (w *World) WriteDumps(dir string, regs ...ipatlas.Registry) ([]string, error) {
	if len(regs) == 0 {
		regs = DumpRegistries()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, reg := range regs {
		for _, name := range DumpFiles(reg) {
			body, err := w.Dump(reg, name)
			if err != nil {
				return nil, err
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, body, 0o644); err != nil {
				return nil, err
			}
			if err := os.Chtimes(path, w.cfg.Epoch, w.cfg.Epoch); err != nil {
				return nil, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// dumpPath is where the data server serves one of reg's dump files.
func dumpPath(reg ipatlas.Registry, name string) string {
	return "/dumps/" + string(reg) + "/" + name
}

// DumpURLs are the URLs of reg's split dump files on the data server
// (…/dumps/ripencc/ripe.db.inetnum.gz, …); nil for a registry that
// publishes none.
func (s *Server) DumpURLs(reg ipatlas.Registry) []string {
	var out []string
	for _, name := range DumpFiles(reg) {
		out = append(out, s.dataURL+dumpPath(reg, name)[1:])
	}
	return out
}

// dumpGenerator finds the dump file served at path, or nil.
func (w *World) dumpGenerator(path string) func() ([]byte, string) {
	for _, reg := range DumpRegistries() {
		for _, name := range DumpFiles(reg) {
			if path == dumpPath(reg, name) {
				return func() ([]byte, string) {
					body, err := w.Dump(reg, name)
					if err != nil { // as delegatedBytes: the reader finds the error where the file should be
						return []byte(err.Error() + "\n"), "text/plain"
					}
					return body, "application/gzip"
				}
			}
		}
	}
	return nil
}
