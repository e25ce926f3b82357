package dump

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// File is one dump file as read: where it came from, its date, and what
// it held.
type File struct {
	Name string    // the path or URL given
	Date time.Time // its Last-Modified header, or its modification time
	// Objects counts the objects read (networks, holders and others);
	// Networks the inetnum and inet6num objects among them.
	Objects, Networks int
}

// fileRole is what a file is read for.
type fileRole int

const (
	roleNetworks fileRole = 1 << iota // read in the second pass, for its networks
	roleHolders                       // read in the first pass, for its holders
)

// roleOf tells from a file's name what it holds: a split dump names its
// class (ripe.db.organisation.gz), a whole-database dump (afrinic.db.gz)
// names none and is read in both passes.
func roleOf(name string) fileRole {
	base := strings.TrimSuffix(baseName(name), ".gz")
	_, rest, _ := strings.Cut(base, ".db.")
	class, _, _ := strings.Cut(rest, ".")
	switch {
	case IsNetwork(class):
		return roleNetworks
	case IsHolder(class):
		return roleHolders
	case class == "":
		return roleNetworks | roleHolders
	}
	return roleNetworks // another class: its objects are counted and passed over
}

func isURL(loc string) bool {
	return strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://")
}

// opened is a dump file being read: its text (decompressed) and its date.
type opened struct {
	io.Reader
	date  time.Time
	close func() error
}

// open opens a path or URL, decompressing gzip (told by its magic bytes,
// RFC 1952 §2.3.1, not by its name).
func open(ctx context.Context, client *http.Client, loc string) (*opened, error) {
	var body io.ReadCloser
	var date time.Time
	var err error
	if isURL(loc) {
		body, date, err = get(ctx, client, loc)
	} else {
		body, date, err = openFile(loc)
	}
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(body, 1<<20)
	o := &opened{Reader: br, date: date, close: body.Close}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			body.Close()
			return nil, fmt.Errorf("%s: %w", loc, err)
		}
		o.Reader = zr
	}
	return o, nil
}

func openFile(name string) (io.ReadCloser, time.Time, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, time.Time{}, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, time.Time{}, err
	}
	return f, st.ModTime().UTC(), nil
}

// get starts downloading a URL: the body is read as it arrives.
func get(ctx context.Context, client *http.Client, u string) (io.ReadCloser, time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, time.Time{}, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, time.Time{}, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	date, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil {
		date = time.Time{} // no date: --at, or another file's, must give it
	}
	return resp.Body, date.UTC(), nil
}
