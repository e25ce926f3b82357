// Command mmdb measures `ipatlas export --format mmdb` against the MMDB
// anchor: MaxMind's writer (mmdbwriter v1.2.0) builds an MMDB of the
// latest of four weekly snapshots of 300,000 IPv4 ranges in about 7.5 s
// (parse, insert, write; peak 600 MiB).
//
//	go run ./bench/mmdb [-n 300000] [-k 4] [-seed 1] [-runs 3] [-gen PATH] [-keep DIR]
//
// Run it from the repository root. It generates the anchor's data with
// the shared generator (gen_ranges.py, by default ../shared/bench from the
// repository root) into a temporary directory, loads the snapshots with
// `ipatlas load`, times the export of the latest snapshot -runs times,
// and reads the file back with maxminddb-golang: every network of it, and
// every range of the latest snapshot's file, as mmdb.Verify checks. It
// prints the median time, the file size and the peak memory, and the
// ratio to the anchor's 7.5 s.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ipatlas/ipatlas/bench/internal/benchkit"
	"github.com/ipatlas/ipatlas/mmdb"
	"github.com/ipatlas/ipatlas/whipfile"
	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	"github.com/oschwald/maxminddb-golang/v2"
)

// anchor is the anchor's build time.
const anchor = 7.5 // seconds

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mmdb bench:", err)
		os.Exit(1)
	}
}

func run() error {
	n := flag.Int("n", 300_000, "ranges per snapshot")
	k := flag.Int("k", 4, "weekly snapshots")
	seed := flag.Int("seed", 1, "generator seed")
	runs := flag.Int("runs", 3, "exports to time; the median is reported")
	gen := flag.String("gen", filepath.Join("..", "shared", "bench", "gen_ranges.py"), "the data generator, from the repository root")
	keep := flag.String("keep", "", "work in `DIR` and keep it (default: a temporary directory)")
	refIn := flag.String("reference", "", "build the reference MMDB of this Whip `FILE` and exit (the driver runs itself so)")
	refOut := flag.String("reference-out", "", "where -reference writes")
	flag.Parse()
	if *refIn != "" {
		return reference(*refIn, *refOut)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run it from the repository root (go run ./bench/mmdb)")
	}
	if _, err := os.Stat(*gen); err != nil {
		return fmt.Errorf("the data generator %s is not there (-gen PATH names it): %w", *gen, err)
	}
	dir, cleanup, err := benchkit.WorkDir(*keep, "mmdb")
	if err != nil {
		return err
	}
	defer cleanup()
	bin, err := benchkit.BuildIpatlas(dir)
	if err != nil {
		return err
	}
	files, err := generate(*gen, filepath.Join(dir, "whip-data"), *n, *k, *seed)
	if err != nil {
		return err
	}
	db := filepath.Join(dir, "atlas.db")
	if _, _, err := timed(bin, append([]string{"load", "--db", db}, files...)...); err != nil {
		return err
	}
	out := filepath.Join(dir, "latest.mmdb")
	if err := measure(bin, db, out, files[len(files)-1], *runs); err != nil {
		return err
	}
	return verify(out, files[len(files)-1])
}

// generate writes the snapshots and returns their files, oldest first.
func generate(gen, dir string, n, k, seed int) ([]string, error) {
	start := time.Now()
	cmd := exec.Command("python3", gen, "-o", dir, "-n", fmt.Sprint(n), "-k", fmt.Sprint(k), "--seed", fmt.Sprint(seed))
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w", gen, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "snap-*.jsonl"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%s wrote no snap-*.jsonl into %s", gen, dir)
	}
	slices.Sort(files) // snap-<i>-<date>: i is one digit for the default k
	fmt.Printf("data: %d snapshots of %d ranges, generated in %s\n", len(files), n, time.Since(start).Round(time.Millisecond))
	return files, nil
}

// timed runs a command, echoing its output, and returns how it went.
func timed(bin string, args ...string) (*os.ProcessState, time.Duration, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", filepath.Base(bin), args[0], err)
	}
	took := time.Since(start)
	fmt.Printf("  %s %s: %s\n", filepath.Base(bin), args[0], took.Round(time.Millisecond))
	return cmd.ProcessState, took, nil
}

// figures are one command's runs.
type figures struct {
	wall, cpu []time.Duration
	peak      int64 // MiB
}

func (f *figures) add(st *os.ProcessState, took time.Duration) {
	f.wall = append(f.wall, took)
	f.cpu = append(f.cpu, st.UserTime()+st.SystemTime())
	f.peak = max(f.peak, st.SysUsage().(*syscall.Rusage).Maxrss/1024)
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func (f *figures) String() string {
	return fmt.Sprintf("median %.2f s of %d (%s), CPU %.2f s, peak RSS %d MiB",
		median(f.wall).Seconds(), len(f.wall), durations(f.wall), median(f.cpu).Seconds(), f.peak)
}

// measure times the export and the reference by turns and prints the
// medians.
func measure(bin, db, out, latest string, runs int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	refOut := out + ".reference"
	var ours, ref figures
	for range max(runs, 1) {
		st, took, err := timed(bin, "export", "--db", db, "--format", "mmdb", "--out", out)
		if err != nil {
			return err
		}
		ours.add(st, took)
		if st, took, err = timed(self, "-reference", latest, "-reference-out", refOut); err != nil {
			return err
		}
		ref.add(st, took)
	}
	size := func(path string) float64 {
		fi, _ := os.Stat(path)
		return float64(fi.Size()) / (1 << 20)
	}
	fmt.Printf("export --format mmdb of the latest snapshot: %s; %.1f MiB\n", &ours, size(out))
	fmt.Printf("reference (mmdbwriter alone, in this run): %s; %.1f MiB\n", &ref, size(refOut))
	fmt.Printf("ratio: %.2f× the anchor's %.1f s; %.2f× the reference's time, %.2f× its CPU\n",
		median(ours.wall).Seconds()/anchor, anchor, median(ours.wall).Seconds()/median(ref.wall).Seconds(),
		median(ours.cpu).Seconds()/median(ref.cpu).Seconds())
	return nil
}

func durations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(s, " ")
}

// reference builds an MMDB of a Whip file as the anchor did: each line
// parsed with encoding/json, its fields as they are (numbers as uint32)
// the record, inserted by range with MaxMind's writer, written out.
func reference(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "reference", IncludeReservedNetworks: true})
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		var doc map[string]any
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
			return err
		}
		rec := mmdbtype.Map{}
		for k, v := range doc {
			switch v := v.(type) {
			case string:
				rec[mmdbtype.String(k)] = mmdbtype.String(v)
			case float64:
				rec[mmdbtype.String(k)] = mmdbtype.Uint32(v)
			}
		}
		begin, _ := doc["begin"].(string)
		end, _ := doc["end"].(string)
		if err := tree.InsertRange(net.ParseIP(begin), net.ParseIP(end), rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := tree.WriteTo(w); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// verify reads the file back against the latest snapshot's own file.
func verify(path, latest string) error {
	start := time.Now()
	f, err := whipfile.Open(latest)
	if err != nil {
		return err
	}
	db, err := maxminddb.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Verify(); err != nil {
		return fmt.Errorf("maxminddb's check of %s: %w", path, err)
	}
	if err := mmdb.Verify(db, f.Records); err != nil {
		return fmt.Errorf("%s against %s: %w", path, filepath.Base(latest), err)
	}
	networks := 0
	for range db.Networks() {
		networks++
	}
	fmt.Printf("read back: %d networks, every one and every range of %s checked in %s\n",
		networks, filepath.Base(latest), time.Since(start).Round(time.Millisecond))
	return nil
}
