package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipatlas/ipatlas/mapimg"
)

// registryDB is a database with one loaded snapshot: ARIN holds all of
// 13.0.0.0/16, RIPE NCC half of 62.0.0.0/16.
func registryDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "snap.jsonl")
	lines := `{"begin":"13.0.0.0","end":"13.0.255.255","datetime":"2024-01-01","registry":"arin","country":"US"}
{"begin":"62.0.0.0","end":"62.0.127.255","datetime":"2024-01-01","registry":"ripencc","country":"NL"}
`
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "atlas.db")
	if code, out, errOut := runCmd(t, "load", "--db", db, file); code != 0 {
		t.Fatalf("load: exit %d: %s%s", code, out, errOut)
	}
	return db
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// cellPixel is the colour at the middle of cell d of a map drawn scale
// pixels a cell, from (left, top).
func cellPixel(img image.Image, left, top int, scale float64, d int) color.NRGBA {
	x, y := mapimg.Curve.XY(uint64(d))
	px, py := left+int((float64(x)+0.5)*scale), top+int((float64(y)+0.5)*scale)
	return color.NRGBAModel.Convert(img.At(px, py)).(color.NRGBA)
}

func hexRGB(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// TestMapWritesThePNG: the PNG has the documented palette at the curve's
// place for each block, whole space or zoomed, by registry or coverage.
func TestMapWritesThePNG(t *testing.T) {
	t.Parallel()
	db := registryDB(t)
	out := filepath.Join(t.TempDir(), "map.png")
	code, stdout, errOut := runCmd(t, "map", "--db", db, "--out", out, "--scale", "1")
	if code != 0 || !strings.Contains(stdout, "2 of 65536 blocks of /16 registered") {
		t.Fatalf("map: exit %d\n%s%s", code, stdout, errOut)
	}
	img := readPNG(t, out)
	if img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("map is %v, want 256×256", img.Bounds())
	}
	for d, want := range map[int]color.NRGBA{13 << 8: hexRGB(0x0072B2), 62 << 8: hexRGB(0xAB4F08), 10 << 8: hexRGB(0x6B6F78), 41 << 8: hexRGB(0x483A1B)} {
		if got := cellPixel(img, 0, 0, 1, d); got != want {
			t.Errorf("cell %d: %v, want %v", d, got, want)
		}
	}
	code, stdout, errOut = runCmd(t, "map", "--db", db, "--out", out, "--view", "13.0.0.0/8", "--color", "coverage", "--scale", "2", "--at", "1")
	if code != 0 || !strings.Contains(stdout, "13.0.0.0/8 by coverage: 256 of 65536 blocks of /24") {
		t.Fatalf("map --view: exit %d\n%s%s", code, stdout, errOut)
	}
	img = readPNG(t, out)
	if got := cellPixel(img, 0, 0, 2, 0); got != hexRGB(0xFDE725) || img.Bounds().Dx() != 512 {
		t.Errorf("13.0.0.0/24 by coverage: %v in a %v map, want all covered", got, img.Bounds())
	}
	if got := cellPixel(img, 0, 0, 2, 256); got != hexRGB(0x440154) {
		t.Errorf("13.1.0.0/24 by coverage: %v, want none covered", got)
	}
}

func TestMapRefusesBadFlags(t *testing.T) {
	t.Parallel()
	db := registryDB(t)
	out := filepath.Join(t.TempDir(), "map.png")
	for _, args := range [][]string{{"--color", "holder"}, {"--scale", "0"}, {"--scale", "17"}, {"--view", "13.0.0.0/24"},
		{"--at", "99"}, {"--db", "postgres://x/y"}} {
		if code, _, errOut := runCmd(t, append([]string{"map", "--db", db, "--out", out}, args...)...); code != 2 {
			t.Errorf("map %v: exit %d, want 2 (usage)\n%s", args, code, errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused map left %s behind", out)
	}
}
