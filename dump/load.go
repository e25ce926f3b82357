package dump

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/internal/netjson"
	"github.com/ipatlas/ipatlas/rpsl"
)

// Options say how to load dumps. The zero value loads strictly over
// http.DefaultClient.
type Options struct {
	// Lenient skips malformed objects (counting them) instead of failing.
	Lenient bool
	// HTTP downloads URLs. Defaults to http.DefaultClient: a dump of
	// gigabytes downloads for as long as it takes.
	HTTP *http.Client
	// MaxErrors is how many malformed objects Result.Errors keeps.
	// Defaults to 100.
	MaxErrors int
}

func (o Options) withDefaults() Options {
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 100
	}
	return o
}

// Result is what a load read.
type Result struct {
	// Records are the networks as a snapshot keeps them
	// (ipatlas.NetworkRecord), sorted by ipatlas.CompareRecords, one per
	// range.
	Records []ipatlas.Record
	// Covered are the registries and IP versions the networks came from,
	// with how many each had, in ipatlas.Registries order, IPv4 first
	// (At, Datetime, Source and Loaded are the caller's to set).
	Covered []ipatlas.Dump
	Files   []File // in the order given
	// Date is the newest of the files' dates; zero when none has one.
	Date time.Time
	// Objects counts every object read, Networks the inetnum and inet6num
	// objects among them; Holders counts the organisations and contacts
	// known (by handle) from the organisation, role, irt and person objects.
	Objects, Networks, Holders int
	// Malformed counts the objects that could not be read or turned into
	// networks; Errors are the first of them (Options.MaxErrors), in file
	// order, each a *rpsl.SyntaxError or an *Error naming file and line.
	Malformed int
	Errors    []error
	// Duplicates counts networks dropped for having the range of another:
	// of those, the one whose record sorts first is kept, whatever the
	// order of the files.
	Duplicates int
	// Unmanaged counts the placeholder objects left out: the ones a
	// registry keeps for space it does not manage (see Unmanaged).
	Unmanaged int
}

// ErrMalformed is wrapped by the error a strict load returns when some
// objects are malformed.
var ErrMalformed = errors.New("malformed objects")

// Load reads split dump files (paths or http(s) URLs, gzipped or not) and
// returns their networks as records. The organisation, role, irt and
// person files are read first, whatever the order given, so every network
// names its holder and contacts; each file is streamed, and the networks of
// all files are converted on every core. A strict load that meets
// malformed objects reads on, to report them all, and returns the result
// with an error wrapping ErrMalformed.
func Load(ctx context.Context, locs []string, o Options) (*Result, error) {
	l := &loader{opts: o.withDefaults(), res: &Result{Files: make([]File, len(locs))}}
	for i, loc := range locs {
		l.res.Files[i].Name = loc
	}
	var err error
	if l.holders, err = l.readHolders(ctx); err != nil {
		return nil, err
	}
	if err := l.readNetworks(ctx); err != nil {
		return nil, err
	}
	return l.finish()
}

// loader is one Load in progress.
type loader struct {
	opts    Options
	res     *Result
	holders *Holders

	mu   sync.Mutex // guards errs
	errs []fileError
}

// fileError is a malformed object and where: errors are sorted by file
// and line before they are reported.
type fileError struct {
	file, line int
	err        error
}

func (l *loader) malformed(file, line int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fileError{file, line, err})
}

// eachFile reads the files of a role side by side, each with read; the
// first error stops them all.
func (l *loader) eachFile(ctx context.Context, role fileRole, read func(ctx context.Context, i int, r *rpsl.Reader) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i, f := range l.res.Files {
		if roleOf(f.Name)&role == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.readFile(ctx, i, read); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

func (l *loader) readFile(ctx context.Context, i int, read func(ctx context.Context, i int, r *rpsl.Reader) error) error {
	name := l.res.Files[i].Name
	f, err := open(ctx, l.opts.HTTP, name)
	if err != nil {
		return fmt.Errorf("read dump %s: %w", name, err)
	}
	defer f.close()
	l.res.Files[i].Date = f.date
	if err := read(ctx, i, rpsl.NewReader(f, name)); err != nil {
		return fmt.Errorf("read dump %s: %w", name, err)
	}
	return nil
}

// readHolders reads the holder objects of every file that may have some,
// side by side into one set, a batch at a time.
func (l *loader) readHolders(ctx context.Context) (*Holders, error) {
	all := NewHolders()
	var mu sync.Mutex // guards all
	err := l.eachFile(ctx, roleHolders, func(ctx context.Context, i int, r *rpsl.Reader) error {
		batch := make([]holderEntry, 0, batchSize)
		flush := func() {
			mu.Lock()
			defer mu.Unlock()
			all.put(batch)
			batch = batch[:0]
		}
		err := l.scan(ctx, i, r, func(o rpsl.Object) {
			e, ok := parseHolder(o)
			if !ok {
				return
			}
			l.res.Files[i].Objects++ // only this file's goroutine counts it
			e.file = int32(i)
			if batch = append(batch, e); len(batch) == cap(batch) {
				flush()
			}
		}, roleOf(l.res.Files[i].Name)&roleNetworks == 0)
		flush()
		return err
	})
	return all, err
}

// scan calls fn with each object of r, reporting malformed ones unless
// the file's networks pass will; it stops when the context is done.
func (l *loader) scan(ctx context.Context, file int, r *rpsl.Reader, fn func(rpsl.Object), report bool) error {
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		o, err := r.Next()
		var se *rpsl.SyntaxError
		switch {
		case err == io.EOF:
			return nil
		case errors.As(err, &se):
			if report {
				l.malformed(file, se.Line, se)
			}
		case err != nil:
			return err
		default:
			fn(o)
		}
	}
}

// batch is a run of one file's network objects, converted together.
type batch struct {
	file int
	objs []rpsl.Object
}

const batchSize = 256

// readNetworks reads the network objects of every file that may have
// some, converting them on every core as they come.
func (l *loader) readNetworks(ctx context.Context) error {
	batches := make(chan batch, 4*runtime.GOMAXPROCS(0))
	outs := make([]converted, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				l.convert(b, &outs[w])
			}
			// Each converter sorts its own share, side by side with the
			// others; one pass merges them.
			slices.SortFunc(outs[w].records, compareRecords)
		}()
	}
	err := l.eachFile(ctx, roleNetworks, func(ctx context.Context, i int, r *rpsl.Reader) error {
		return l.feed(ctx, i, r, batches)
	})
	close(batches)
	wg.Wait()
	if err != nil {
		return err
	}
	for _, out := range outs {
		l.res.Records = merge(l.res.Records, out.records)
		l.res.Unmanaged += out.unmanaged
		for k, n := range out.covered {
			l.addCoverage(k, n)
		}
	}
	return nil
}

// merge merges two runs sorted by compareRecords.
func merge(a, b []ipatlas.Record) []ipatlas.Record {
	if len(a) == 0 {
		return b
	}
	out := make([]ipatlas.Record, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compareRecords(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// compareRecords orders records as a snapshot keeps them, and records of
// one range by their payloads, so that which of them a load keeps does
// not depend on the order the files were read in.
func compareRecords(a, b ipatlas.Record) int {
	return cmp.Or(ipatlas.CompareRecords(a, b), bytes.Compare(a.Payload, b.Payload))
}

// feed sends a file's network objects to the converters in batches,
// counting its objects as it goes.
func (l *loader) feed(ctx context.Context, file int, r *rpsl.Reader, out chan<- batch) error {
	b := batch{file: file}
	f := &l.res.Files[file]
	holdersCounted := roleOf(f.Name)&roleHolders != 0
	err := l.scan(ctx, file, r, func(o rpsl.Object) {
		if !holdersCounted || !IsHolder(o.Class()) {
			f.Objects++ // a whole-database file's holders were counted in the first pass
		}
		if !IsNetwork(o.Class()) {
			return
		}
		f.Networks++
		if b.objs = append(b.objs, o); len(b.objs) == batchSize {
			out <- b
			b = batch{file: file}
		}
	}, true)
	if len(b.objs) > 0 {
		out <- b
	}
	return err
}

// converted is one converter's share of the networks.
type converted struct {
	records   []ipatlas.Record
	covered   map[coverKey]int
	unmanaged int
	scratch   []byte // a payload being encoded
	block     []byte // payloads kept, carved from one block
}

// blockSize is how much payload one allocation holds: a million small
// payloads would otherwise be a million objects for the collector.
const blockSize = 1 << 20

// keep copies a payload into the current block.
func (c *converted) keep(p []byte) []byte {
	if len(p) > cap(c.block)-len(c.block) {
		c.block = make([]byte, 0, max(blockSize, len(p)))
	}
	start := len(c.block)
	c.block = append(c.block, p...)
	return c.block[start:len(c.block):len(c.block)]
}

func (l *loader) convert(b batch, out *converted) {
	if out.covered == nil {
		out.covered = map[coverKey]int{}
	}
	name := l.res.Files[b.file].Name
	for _, o := range b.objs {
		n, err := Network(o, name, l.holders)
		if err == nil && Unmanaged(n) {
			out.unmanaged++
			continue
		}
		if err == nil {
			if out.scratch, err = netjson.AppendRecord(out.scratch[:0], &n); err == nil {
				out.records = append(out.records, ipatlas.Record{Range: n.Range, Payload: out.keep(out.scratch)})
				out.covered[coverKey{n.Registry, n.Range.Is4()}]++
				continue
			}
			err = &Error{File: name, Line: o.Line, Msg: err.Error()}
		}
		line := o.Line
		var de *Error
		if errors.As(err, &de) {
			line = de.Line
		}
		l.malformed(b.file, line, err)
	}
}

// coverKey is a registry and an IP version, counted cheaply.
type coverKey struct {
	reg ipatlas.Registry
	is4 bool
}

func (l *loader) addCoverage(k coverKey, n int) {
	v := 6
	if k.is4 {
		v = 4
	}
	for i, c := range l.res.Covered {
		if c.Registry == k.reg && c.IPVersion == v {
			l.res.Covered[i].Networks += n
			return
		}
	}
	l.res.Covered = append(l.res.Covered, ipatlas.Dump{Registry: k.reg, IPVersion: v, Networks: n})
}

// finish sorts the records, drops repeated ranges, sums the counts and
// decides whether the load stands.
func (l *loader) finish() (*Result, error) {
	res := l.res
	converted := len(res.Records)
	res.Records = slices.CompactFunc(res.Records, func(a, b ipatlas.Record) bool { return a.Range == b.Range })
	res.Duplicates = converted - len(res.Records)
	slices.SortFunc(res.Covered, func(a, b ipatlas.Dump) int {
		return cmp.Or(cmp.Compare(a.Registry, b.Registry), cmp.Compare(a.IPVersion, b.IPVersion))
	})
	for _, f := range res.Files {
		res.Objects += f.Objects
		res.Networks += f.Networks
		if f.Date.After(res.Date) {
			res.Date = f.Date
		}
	}
	res.Holders = l.holders.Len()
	l.reportErrors()
	if res.Malformed > 0 && !l.opts.Lenient {
		return res, fmt.Errorf("%w: %d (the first: %v)", ErrMalformed, res.Malformed, res.Errors[0])
	}
	return res, nil
}

func (l *loader) reportErrors() {
	slices.SortFunc(l.errs, func(a, b fileError) int {
		if a.file != b.file {
			return a.file - b.file
		}
		return a.line - b.line
	})
	l.res.Malformed = len(l.errs)
	for _, e := range l.errs[:min(len(l.errs), l.opts.MaxErrors)] {
		l.res.Errors = append(l.res.Errors, e.err)
	}
}
