package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipatlas/ipatlas/delegated"
	"github.com/ipatlas/ipatlas/rdap"
)

// DefaultDelegated are the registries' official extended delegated-stats
// files.
var DefaultDelegated = []string{
	"https://ftp.afrinic.net/pub/stats/afrinic/delegated-afrinic-extended-latest",
	"https://ftp.apnic.net/stats/apnic/delegated-apnic-extended-latest",
	"https://ftp.arin.net/pub/stats/arin/delegated-arin-extended-latest",
	"https://ftp.lacnic.net/pub/stats/lacnic/delegated-lacnic-extended-latest",
	"https://ftp.ripe.net/pub/stats/ripencc/delegated-ripencc-extended-latest",
}

// DefaultBootstrap is IANA's RDAP bootstrap service (RFC 9224).
const DefaultBootstrap = "https://data.iana.org/rdap/"

// Fetcher reads planning inputs from URLs or local files.
type Fetcher struct {
	// HTTP fetches URLs. Defaults to a client with a 2-minute timeout.
	HTTP *http.Client
	// MaxSize caps a downloaded file. Defaults to 512 MiB.
	MaxSize int64
}

func (f Fetcher) client() *http.Client {
	if f.HTTP != nil {
		return f.HTTP
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func isURL(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}

// open returns the content at loc, a URL or a file path.
func (f Fetcher) open(ctx context.Context, loc string) (io.ReadCloser, error) {
	if !isURL(loc) {
		return os.Open(loc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", loc, resp.Status)
	}
	max := f.MaxSize
	if max == 0 {
		max = 512 << 20
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, max), resp.Body}, nil
}

// Delegated reads delegated-stats files from URLs or paths. A cut-off
// download is an error: the plan would silently miss the rest.
func (f Fetcher) Delegated(ctx context.Context, locs []string) ([]*delegated.File, error) {
	var out []*delegated.File
	for _, loc := range locs {
		if !isURL(loc) {
			file, err := delegated.ParseFile(loc)
			if err != nil {
				return nil, err
			}
			out = append(out, file)
			continue
		}
		rc, err := f.open(ctx, loc)
		if err != nil {
			return nil, fmt.Errorf("delegated stats: %w", err)
		}
		file, err := delegated.Parse(rc, loc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, file)
	}
	return out, nil
}

// Bootstrap reads ipv4.json and ipv6.json from a base URL or a directory.
func (f Fetcher) Bootstrap(ctx context.Context, base string) (*rdap.Bootstrap, error) {
	var merged *rdap.Bootstrap
	for _, name := range []string{"ipv4.json", "ipv6.json"} {
		loc := filepath.Join(base, name)
		if isURL(base) {
			loc = strings.TrimSuffix(base, "/") + "/" + name
		}
		rc, err := f.open(ctx, loc)
		if err != nil {
			return nil, fmt.Errorf("bootstrap: %w", err)
		}
		b, err := rdap.ParseBootstrap(rc, loc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if merged == nil {
			merged = b
		} else {
			merged = merged.Merge(b)
		}
	}
	return merged, nil
}
