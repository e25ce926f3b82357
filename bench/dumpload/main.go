// Command dumpload measures `ipatlas load-dump` end to end: a simulated
// world's split RPSL dumps (RIPE NCC, APNIC, AFRINIC) are written to a
// temporary directory, then loaded by the ipatlas binary into a fresh
// embedded database (read, converted, stored as a snapshot, indexed). It
// prints the objects loaded per second against the goal of 100,000, with
// the load's CPU time and peak memory.
//
//	go run ./bench/dumpload [-blocks dumped|all|PREFIX,…] [-seed 1] [-keep DIR]
//
// The default world is every IANA IPv4 /8 and IPv6 block of the three
// registries that publish dumps: about 1.4 million networks, 3.6 million
// objects with their organisations and roles.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ipatlas/ipatlas"
	"github.com/ipatlas/ipatlas/bench/internal/benchkit"
	"github.com/ipatlas/ipatlas/iana"
	"github.com/ipatlas/ipatlas/regsim"
)

// goal is the load's target, in objects per second.
const goal = 100_000

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dumpload bench:", err)
		os.Exit(1)
	}
}

func run() error {
	blocks := flag.String("blocks", "dumped", `the world: "dumped" (every block of RIPE NCC, APNIC and AFRINIC), "all", or PREFIX,…`)
	seed := flag.Uint64("seed", 1, "world seed")
	keep := flag.String("keep", "", "write the dumps and the database into `DIR` and keep them (default: a temporary directory)")
	flag.Parse()
	cfg, err := worldConfig(*blocks, *seed)
	if err != nil {
		return err
	}
	dir, cleanup, err := benchkit.WorkDir(*keep, "dumpload")
	if err != nil {
		return err
	}
	defer cleanup()
	bin, err := benchkit.BuildIpatlas(dir)
	if err != nil {
		return err
	}
	paths, err := writeDumps(cfg, dir)
	if err != nil {
		return err
	}
	return measure(bin, filepath.Join(dir, "atlas.db"), paths)
}

// worldConfig is the world -blocks names.
func worldConfig(blocks string, seed uint64) (regsim.Config, error) {
	cfg := regsim.Config{Seed: seed, IPv4: []netip.Prefix{}, IPv6: []netip.Prefix{}}
	switch blocks {
	case "all":
		cfg.IPv4, cfg.IPv6 = regsim.FullIPv4(), regsim.FullIPv6()
	case "dumped":
		for _, s := range iana.IPv4Slash8s() {
			if dumps(s.Registry) {
				cfg.IPv4 = append(cfg.IPv4, s.Prefix())
			}
		}
		for _, b := range iana.IPv6Blocks() {
			if dumps(b.Registry) {
				cfg.IPv6 = append(cfg.IPv6, b.Prefix)
			}
		}
	default:
		for _, s := range strings.Split(blocks, ",") {
			p, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return cfg, fmt.Errorf("-blocks: %v", err)
			}
			if p.Addr().Is4() {
				cfg.IPv4 = append(cfg.IPv4, p)
			} else {
				cfg.IPv6 = append(cfg.IPv6, p)
			}
		}
	}
	return cfg, nil
}

func dumps(r ipatlas.Registry) bool {
	for _, d := range regsim.DumpRegistries() {
		if d == r {
			return true
		}
	}
	return false
}

// writeDumps builds the world and writes its dumps, saying how big they are.
func writeDumps(cfg regsim.Config, dir string) ([]string, error) {
	start := time.Now()
	w, err := regsim.New(cfg)
	if err != nil {
		return nil, err
	}
	n := 0
	for range w.Dumped() {
		n++
	}
	paths, err := w.WriteDumps(filepath.Join(dir, "dumps"))
	if err != nil {
		return nil, err
	}
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	fmt.Printf("world: %d networks in the dumps; %d files, %.0f MiB gzipped, written in %s\n",
		n, len(paths), float64(size)/(1<<20), time.Since(start).Round(time.Millisecond))
	return paths, nil
}

var loadedLine = regexp.MustCompile(`loaded (\d+) objects \((\d+) networks\)`)

// measure runs the load and prints its figures.
func measure(bin, db string, paths []string) error {
	cmd := exec.Command(bin, append([]string{"load-dump", "--db", db}, paths...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	var objects, networks int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := loadedLine.FindStringSubmatch(sc.Text()); m != nil {
			objects, _ = strconv.Atoi(m[1])
			networks, _ = strconv.Atoi(m[2])
		}
		if strings.HasPrefix(sc.Text(), "snapshot ") || strings.HasPrefix(sc.Text(), "index ") || strings.HasPrefix(sc.Text(), "loaded ") {
			fmt.Println("  " + sc.Text())
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("load-dump: %w", err)
	}
	took := time.Since(start)
	if objects == 0 {
		return errors.New("load-dump printed no count of objects loaded")
	}
	st := cmd.ProcessState
	rate := float64(objects) / took.Seconds()
	fmt.Printf("load-dump: %d objects (%d networks) in %s, %.0f objects/s = %.2f× the %d goal; %.0f networks/s\n",
		objects, networks, took.Round(time.Millisecond), rate, rate/goal, goal, float64(networks)/took.Seconds())
	fmt.Printf("  CPU %s user + %s system; peak RSS %d MiB\n", st.UserTime().Round(time.Millisecond),
		st.SystemTime().Round(time.Millisecond), st.SysUsage().(*syscall.Rusage).Maxrss/1024)
	return nil
}
