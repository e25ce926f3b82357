package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/mapimg"
	"github.com/ipatlas/ipatlas/serve"
	"github.com/ipatlas/ipatlas/sqlite"
)

func runMap(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "map", "[flags]", `Draw a snapshot's IPv4 space as a PNG: 256×256 blocks laid along a Hilbert
curve (neighbouring blocks stay neighbours and every /8 is a square), the
first block at the top left, the last at the top right. The whole space is
drawn at one /16 per block; --view 62.0.0.0/8 draws a /8 at one /24 per
block, a /16 at one address. Colours (the page of 'ipatlas serve' uses the
same): by registry, deeper the more of a block networks cover, faint for
a registry's space with no network, grey for special-purpose and reserved
space; by coverage, the share of a block's registrable space networks
cover, from purple (none) to yellow (all); by country.`)
	db := fs.String("db", "ipatlas.db", "the embedded database `FILE`")
	out := fs.String("out", "map.png", "the PNG `FILE` to write")
	at := fs.String("at", "", atFlagHelp)
	colorBy := fs.String("color", "registry", "colour blocks by `registry`, coverage or country")
	scale := fs.Int("scale", 2, fmt.Sprintf("pixels on a side per block, 1 to %d (2: a 512-pixel square)", mapimg.MaxScale))
	view := fs.String("view", "0.0.0.0/0", "the IPv4 `PREFIX` to draw, of length 0 to 16")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := embeddedOnly("map", *db); err != nil {
		return err
	}
	mode, err := mapimg.ParseMode(*colorBy)
	if err != nil {
		return usageErr("--color: %v", err)
	}
	if *scale < 1 || *scale > mapimg.MaxScale {
		return usageErr("--scale %d: want 1 to %d", *scale, mapimg.MaxScale)
	}
	prefix, err := mapimg.ParseView(*view)
	if err != nil {
		return usageErr("--view: %v", err)
	}
	ix, err := openIndex(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer ix.Close()
	k, err := mapimg.PickSnapshot(ix.Snapshots(), *at)
	if err != nil {
		if len(ix.Snapshots()) == 0 {
			return fmt.Errorf("%s: no snapshots yet: crawl or load first", *db)
		}
		return usageErr("--at: %v (see 'ipatlas snapshots')", err)
	}
	began := time.Now()
	g, err := mapimg.Compute(ix, k, prefix)
	if err != nil {
		return err
	}
	computed := time.Since(began)
	if err := writePNG(g, mode, *scale, *out); err != nil {
		return err
	}
	registered := 0
	for _, c := range g.Cells {
		if c.State == mapimg.Registered {
			registered++
		}
	}
	fmt.Fprintf(e.stdout, "map of snapshot %d (%s), %s by %s: %d of %d blocks of /%d registered; %s (%d×%d), computed in %s\n",
		g.Snapshot.ID, g.Snapshot.Datetime, g.View, mode, registered, len(g.Cells), g.CellBits(), *out,
		256**scale, 256**scale, computed.Round(time.Millisecond))
	return nil
}

// writePNG writes the map to path, whole or not at all.
func writePNG(g *mapimg.Grid, mode mapimg.Mode, scale int, path string) error {
	img, err := g.Image(mode, scale)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = png.Encode(w, img)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// crawlProgress reads the latest run of the embedded database read-only,
// and its progress while it is unfinished, for the map page of serve. The
// database is opened for each read and closed after, so serve holds
// nothing open that a crawl would mind.
func crawlProgress(db string) serve.ProgressFunc {
	type result struct {
		run  ipatlas.Run
		prog []ipatlas.Progress
	}
	return func(ctx context.Context) (ipatlas.Run, []ipatlas.Progress, error) {
		r, err := readStore(ctx, db, func(s *sqlite.Store) (result, error) {
			run, err := s.LatestRun(ctx)
			if err != nil || !run.Finished.IsZero() {
				return result{run: run}, err
			}
			prog, err := s.Progress(ctx, run.ID)
			return result{run, prog}, err
		})
		if err != nil && !errors.Is(err, ipatlas.ErrNotFound) {
			err = fmt.Errorf("%s: %w", db, err)
		}
		return r.run, r.prog, err
	}
}
