// Package pgcluster starts private PostgreSQL servers for tests: a test that
// must restart, stop or break its server gets one of its own, so it does not
// disturb the shared PostgreSQL (IPATLAS_TEST_POSTGRES) the other tests use.
//
// A cluster lives in a directory the caller owns (usually t.TempDir()): the
// data directory, the log and the unix socket all go there, and the server
// listens on 127.0.0.1 only, on a port picked free when it first starts.
// It is tuned for speed, not durability (fsync and friends are off).
//
// initdb and postgres refuse to run as root, so when the tests do, the
// PostgreSQL programs run as the "postgres" system user through runuser.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// systemUser is who runs the server when the tests run as root.
	systemUser = "postgres"
	// startAttempts bounds the retries when a picked port gets taken
	// between choosing it and the server binding it.
	startAttempts = 3
	// commandTimeout stops a hung command from hanging the test binary
	// until go test's own (much longer) timeout.
	commandTimeout = 2 * time.Minute
	// outputLimit is how much of a command's output or the server log an
	// error carries: enough for the reason, not a wall of text.
	outputLimit = 2048
	// socketPathMax is the longest unix socket path the kernel accepts
	// (sun_path is 108 bytes including the terminating NUL).
	socketPathMax = 107
)

// Cluster is one private PostgreSQL server. It is safe for concurrent use;
// its operations are serialized.
type Cluster struct {
	bin   string // PostgreSQL's bin directory
	dir   string // the caller's directory, holding everything below
	data  string // the data directory
	sock  string // the unix socket directory
	log   string // the server's log file
	port  int    // fixed once Start returns, so DSN needs no lock
	owner *owner // who runs the programs; nil: this process's user

	mu      sync.Mutex
	running bool
}

// owner is the system user the PostgreSQL programs run as when this
// process is root.
type owner struct {
	name     string
	uid, gid int
	runuser  string // path of runuser, which switches to that user
}

// Available reports whether a private server can be started here: nil when
// the PostgreSQL programs are found and, when running as root, the postgres
// user and runuser exist; otherwise an error saying what is missing.
func Available() error {
	if _, err := binDir(); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if os.Geteuid() == 0 {
		if _, err := lookupOwner(); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	return nil
}

// MustStart starts a private server in a fresh t.TempDir() and closes it
// when the test ends. Where PostgreSQL is not installed it skips the test,
// except under CI (CI=true), where a skipped test would hide a broken setup,
// so it fails instead.
func MustStart(tb testing.TB) *Cluster {
	tb.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI must be able to start a private PostgreSQL: %v", err)
		}
		tb.Skipf("cannot start a private PostgreSQL (install PostgreSQL's server programs to run this test): %v", err)
	}
	c, err := Start(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.Close(); err != nil {
			tb.Error(err)
		}
	})
	return c
}

// Start creates a cluster in dir/data and starts it on a free port of
// 127.0.0.1. dir may exist (it should be empty); when running as root it
// and its parents are made searchable by the postgres user, which is only
// done inside the temporary directory, so dir should be there.
func Start(dir string) (*Cluster, error) {
	c, err := newCluster(dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.initdb(); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.firstStart(); err != nil {
		return nil, fmt.Errorf("pgcluster: start: %w", err)
	}
	return c, nil
}

// DSN is the URL of the server's postgres database, as its superuser
// postgres, who needs no password.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Stop shuts the server down in fast mode: open connections are cut and
// it waits until the server is gone. Stopping a stopped server does nothing.
func (c *Cluster) Stop() error {
	if err := c.stop("fast"); err != nil {
		return fmt.Errorf("pgcluster: stop: %w", err)
	}
	return nil
}

// Close stops the server in immediate mode, which is quickest, as the data
// is about to be thrown away; it leaves the files to the caller (t.TempDir
// removes them). Closing a stopped server does nothing.
func (c *Cluster) Close() error {
	if err := c.stop("immediate"); err != nil {
		return fmt.Errorf("pgcluster: close: %w", err)
	}
	return nil
}

// Start starts a stopped server again on the same port, so DSN stays
// valid. Starting a running server does nothing. It fails if something
// else took the port in the meantime.
func (c *Cluster) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil
	}
	if err := c.startServer("start"); err != nil {
		return fmt.Errorf("pgcluster: start: %w", err)
	}
	return nil
}

// Restart stops the server in fast mode, cutting every connection, and
// starts it again on the same port; it returns once the server accepts
// connections. A stopped server is just started.
func (c *Cluster) Restart() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.startServer("restart", "-m", "fast"); err != nil {
		return fmt.Errorf("pgcluster: restart: %w", err)
	}
	return nil
}

// newCluster finds the programs and lays out dir so that whoever runs
// them can use it.
func newCluster(dir string) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	c := &Cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data"),
		sock: filepath.Join(dir, "sock"), log: filepath.Join(dir, "log")}
	if os.Geteuid() == 0 {
		if c.owner, err = lookupOwner(); err != nil {
			return nil, err
		}
	}
	if err := c.layout(); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return c, nil
}

// layout makes the data and socket directories and the log file, owned by
// whoever runs the server, as it cannot create them in a root-owned dir.
func (c *Cluster) layout() error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if c.owner != nil {
		if err := searchable(c.dir); err != nil {
			return err
		}
	}
	for _, d := range []string{c.data, c.sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	if err := os.WriteFile(c.log, nil, 0o600); err != nil {
		return err
	}
	return c.chown(c.data, c.sock, c.log)
}

// chown gives paths to the user running the server, if that is not us.
func (c *Cluster) chown(paths ...string) error {
	if c.owner == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, c.owner.uid, c.owner.gid); err != nil {
			return err
		}
	}
	return nil
}

// initdb creates the cluster: superuser postgres, trusted on every
// connection, UTF8 in the C locale (so results do not depend on the
// machine's locale), without syncing to disk, which tests do not need.
func (c *Cluster) initdb() error {
	return c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
}

// firstStart picks a port and starts the server, picking another and
// retrying if someone took the port before the server could bind it.
func (c *Cluster) firstStart() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.port = port
		if err := c.writeConf(); err != nil {
			return err
		}
		from := logSize(c.log)
		err = c.startServer("start")
		if err == nil || attempt == startAttempts || !c.portTaken(from) {
			return err
		}
	}
}

// startServer runs pg_ctl start or restart, waiting until the server
// accepts connections, and adds the server log's tail to any error, as
// pg_ctl's own output rarely says why the server did not come up.
func (c *Cluster) startServer(action string, args ...string) error {
	from := logSize(c.log)
	args = append([]string{action, "-D", c.data, "-l", c.log, "-w", "-t", "60"}, args...)
	if err := c.run("pg_ctl", args...); err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, c.logTail(from))
	}
	c.running = true
	return nil
}

// stop runs pg_ctl stop in mode, unless the server is already down. A
// failure is forgiven if the server turns out to be gone anyway (a test
// may have killed it).
func (c *Cluster) stop(mode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	err := c.run("pg_ctl", "stop", "-D", c.data, "-m", mode, "-w", "-t", "60")
	if err != nil && c.run("pg_ctl", "status", "-D", c.data) == nil {
		return err
	}
	c.running = false
	return nil
}

// writeConf writes the server's settings into postgresql.auto.conf, which
// postgres reads last, rather than passing them to pg_ctl -o, where paths
// would need shell quoting. ALTER SYSTEM keeps them.
func (c *Cluster) writeConf() error {
	sock := c.sock
	if len(filepath.Join(sock, ".s.PGSQL.65535")) > socketPathMax {
		sock = "" // too long for a socket: TCP alone will do
	}
	conf := fmt.Sprintf(`listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 200
fsync = off
full_page_writes = off
synchronous_commit = off
`, c.port, strings.ReplaceAll(sock, "'", "''"))
	path := filepath.Join(c.data, "postgresql.auto.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if err := c.chown(path); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// portTaken reports whether the server log, since offset from, says the
// port was in use.
func (c *Cluster) portTaken(from int64) bool {
	return strings.Contains(c.logTail(from), "already in use")
}

// run runs one of PostgreSQL's programs, as the server's user, and puts
// its output in the error when it fails.
func (c *Cluster) run(prog string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	path := filepath.Join(c.bin, prog)
	cmd := exec.CommandContext(ctx, path, args...)
	if c.owner != nil {
		args = append([]string{"-u", c.owner.name, "--", path}, args...)
		cmd = exec.CommandContext(ctx, c.owner.runuser, args...)
	}
	cmd.Dir = c.dir // the caller's directory may be out of the user's reach
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", prog, err, trim(out))
	}
	return nil
}

// logTail is the end of the server log written since offset from.
func (c *Cluster) logTail(from int64) string {
	f, err := os.Open(c.log)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	from = max(from, logSize(c.log)-outputLimit)
	buf := make([]byte, outputLimit)
	n, _ := f.ReadAt(buf, from) // short of outputLimit at the end: io.EOF
	if n == 0 {
		return "(empty)"
	}
	return strings.TrimSpace(string(buf[:n]))
}

// logSize is the log's current length, where the next entries will start.
func logSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// trim shortens command output for an error, keeping its end, where
// PostgreSQL's programs say what went wrong.
func trim(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > outputLimit {
		s = "…" + s[len(s)-outputLimit:]
	}
	return s
}

// freePort asks the kernel for a free port on 127.0.0.1 and releases it
// for the server; someone may take it first, which firstStart handles.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// binDir finds PostgreSQL's server programs: where pg_config says, if it
// is on PATH and right, else the newest /usr/lib/postgresql/*/bin (the
// Debian layout, where server programs are not on PATH).
func binDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasPrograms(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionLess(dirs[j], dirs[i]) })
	for _, dir := range dirs {
		if hasPrograms(dir) {
			return dir, nil
		}
	}
	return "", errors.New("PostgreSQL server programs (initdb, pg_ctl, postgres) not found via pg_config --bindir or in /usr/lib/postgresql/*/bin")
}

// hasPrograms reports whether dir holds the programs a cluster needs.
func hasPrograms(dir string) bool {
	for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, prog)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// versionLess orders /usr/lib/postgresql/V/bin paths by V numerically, so
// that 10 comes after 9.6.
func versionLess(a, b string) bool {
	va := strings.Split(filepath.Base(filepath.Dir(a)), ".")
	vb := strings.Split(filepath.Base(filepath.Dir(b)), ".")
	for i := 0; i < len(va) && i < len(vb); i++ {
		na, _ := strconv.Atoi(va[i])
		nb, _ := strconv.Atoi(vb[i])
		if na != nb {
			return na < nb
		}
	}
	return len(va) < len(vb)
}

// lookupOwner finds the postgres user and runuser, which root needs to
// run initdb and postgres.
func lookupOwner() (*owner, error) {
	u, err := user.Lookup(systemUser)
	if err != nil {
		return nil, fmt.Errorf("running as root, so PostgreSQL must run as user %s: %w", systemUser, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", systemUser, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", systemUser, u.Gid, err)
	}
	runuser, err := findRunuser()
	if err != nil {
		return nil, fmt.Errorf("running as root, so runuser is needed to run PostgreSQL as %s: %w", systemUser, err)
	}
	return &owner{name: u.Username, uid: uid, gid: gid, runuser: runuser}, nil
}

// findRunuser looks for runuser on PATH, then in the sbin directories,
// which a non-login root shell's PATH may lack.
func findRunuser() (string, error) {
	path, err := exec.LookPath("runuser")
	if err == nil {
		return path, nil
	}
	for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser"} {
		if _, statErr := os.Stat(p); statErr == nil {
			return p, nil
		}
	}
	return "", err
}

// searchable lets others search (not list) dir and each parent lacking it,
// so the postgres user can reach dir: t.TempDir's parent is 0700. It only
// changes directories inside the temporary directory, and fails on one
// elsewhere, rather than open up, say, /root.
func searchable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode()&0o001 == 0 {
			if !inTempDir(d) {
				return fmt.Errorf("%s is not searchable by user %s: use a directory inside %s", d, systemUser, os.TempDir())
			}
			if err := os.Chmod(d, fi.Mode()&(os.ModePerm|os.ModeSticky|os.ModeSetgid)|0o011); err != nil {
				return err
			}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// inTempDir reports whether path is strictly inside the temporary
// directory, or inside GOTMPDIR, where go test puts t.TempDir.
func inTempDir(path string) bool {
	for _, base := range []string{os.TempDir(), os.Getenv("GOTMPDIR")} {
		if base == "" {
			continue
		}
		rel, err := filepath.Rel(base, path)
		if err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
