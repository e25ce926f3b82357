// Command ipatlas maps who holds every IPv4 and IPv6 block: it plans, crawls,
// stores and serves registry data. Run `ipatlas help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand: its name, one line of help, and what it runs.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its output streams. Tests run commands
// with buffers here.
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
}

func commands() []command {
	return []command{
		{"crawl", "crawl the registries' RDAP services (or WHOIS, --via whois) into the database (resumable); --plan-only for a fleet", runCrawl},
		{"coverage", "how much of the registered space a snapshot covers, per registry, and its holes", runCoverage},
		{"diff", "list the networks added, removed and changed between two snapshots", runDiff},
		{"demo", "run the whole job offline against the built-in registry simulator", runDemo},
		{"enrich", "add each network's origin AS to a snapshot, from Team Cymru's IP-to-ASN service", runEnrich},
		{"export", "export a snapshot: JSON lines (Whip's layout, loads back), CSV or MMDB (MaxMind DB)", runExport},
		{"index", "build or verify the lookup index of the database's history", runIndex},
		{"load", "load Whip-format snapshot files into the history", runLoad},
		{"load-dump", "load bulk RPSL dumps (RIPE NCC, APNIC, AFRINIC) into the history: no queries", runLoadDump},
		{"lookup", "look addresses up: latest, at a datetime, or their whole history", runLookup},
		{"map", "draw a snapshot's IPv4 space as a PNG: a Hilbert-curve map coloured by registry, coverage or country", runMap},
		{"migrate", "bring the database's schema up to date (workers also do it when they start)", runMigrate},
		{"serve", "serve lookups over HTTP with Whip's API (GET /ip/{addr})", runServe},
		{"snapshots", "list the snapshots of the history", runSnapshots},
		{"sim", "run the registry simulator (RDAP and WHOIS for five RIRs, bootstrap and delegated files)", runSim},
		{"stats", "allocation analytics of a snapshot or of delegated-stats files: sizes, coverage, gaps, top holders", runStats},
		{"status", "show a crawl's progress from the database", runStatus},
		{"version", "print the version", runVersion},
		{"worker", "work on the latest run of a shared PostgreSQL database, beside other workers", runWorker},
	}
}

func main() { os.Exit(runMain()) }

// runMain runs the command line with the process's streams; Ctrl-C and
// SIGTERM cancel the command's context so it can stop cleanly.
func runMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}, os.Args[1:])
}

// run dispatches to a subcommand and turns its error into an exit code:
// 0 on success, 2 for bad usage, 1 for everything else.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				fmt.Fprintf(e.stderr, "ipatlas %s: %v\nRun 'ipatlas %s --help' for usage.\n", c.name, err, c.name)
				return 2
			default:
				fmt.Fprintf(e.stderr, "ipatlas %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(e.stderr, "ipatlas: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

// errUsage marks errors in how a command was called.
var errUsage = errors.New("usage")

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ipatlas maps who holds every IPv4 and IPv6 block, from the five Regional Internet Registries.")
	fmt.Fprintln(w, "\nUsage:\n  ipatlas <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ipatlas <command> --help' for a command's flags.")
}

// newFlags makes a command's flag set, with a usage text that reads well.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: ipatlas %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		// Show flags the way people type them: --name.
		fmt.Fprint(e.stdout, strings.ReplaceAll("\n"+b.String(), "\n  -", "\n  --")[1:])
	}
	return fs
}

// checkFormat refuses a --format value the command does not write.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usageErr("--format %q: want %s", format, strings.Join(allowed, " or "))
}

// parseFlags parses args, turning flag errors into usage errors and
// refusing stray arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parseFlagsAndArgs(fs, args)
	if err == nil && len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	return err
}

// parseFlagsAndArgs parses flags wherever they stand among the arguments
// (ipatlas load a.jsonl --db x.db b.jsonl) and returns the arguments;
// after "--" everything is an argument.
func parseFlagsAndArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	usage := fs.Usage
	fs.Usage = func() {} // Parse calls it on every error; print it only when asked
	defer func() { fs.Usage = usage }()
	var rest []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return nil, err
		}
		if err != nil {
			return nil, usageErr("%v", err)
		}
		consumed := len(args) - fs.NArg()
		if consumed > 0 && args[consumed-1] == "--" {
			return append(rest, fs.Args()...), nil
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
}
