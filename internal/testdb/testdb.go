// Package testdb gives tests a database: a fresh MariaDB database on a
// throwaway server, or a directory for SQLite.
//
// The first call to MariaDB in a test binary starts one mariadbd for the
// whole binary: a new data directory under os.TempDir, a free loopback
// port, no configuration files read (--no-defaults), root without a
// password, UTC and utf8mb4 by default. Each call then creates its own
// database on that server, so tests never see each other's rows. Main
// stops the server (SIGTERM) and removes its directory when the tests end;
// on Linux the server is also told to die with the test binary.
//
// A package using MariaDB must run its tests through Main:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// Without mariadbd (looked up on PATH and in /usr/sbin) the MariaDB tests
// are skipped, except with CI=true in the environment, where they fail.
package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"kaohe/internal/testenv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// dirPrefix names the servers' directories under os.TempDir.
const dirPrefix = "kaohe-mariadb-"

// startTimeout bounds how long the server may take to answer a ping.
const startTimeout = 30 * time.Second

// The test binary's one server. A package-level singleton is the point
// here: one server per test binary, shared by every test.
var (
	mainCalled bool
	once       sync.Once
	shared     *server
	startErr   error
)

// missingError says that MariaDB is not installed on this machine.
type missingError struct{ what string }

// Error names the missing program.
func (e *missingError) Error() string { return e.what + " not found on PATH or in /usr/sbin" }

// Main runs the tests of m and then stops the MariaDB server, if a test
// started one, and removes its files. Call it from TestMain.
func Main(m *testing.M) {
	mainCalled = true
	code := m.Run()
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
	}
	if shared != nil {
		shared.stop()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// atExit holds what Main runs after the tests, newest first.
var atExit []func()

// AtExit registers fn to run in Main after the tests and before the process
// exits, for resources a whole test binary shares (a browser, say). Call it
// from the tests' goroutine or under a sync.Once.
func AtExit(fn func()) { atExit = append(atExit, fn) }

// MariaDB returns the DSN of a new, empty utf8mb4 database on the test
// binary's MariaDB server, starting the server on first use. It skips the
// test when mariadbd is not installed, unless CI=true, where it fails.
func MariaDB(t testing.TB) string {
	t.Helper()
	if !mainCalled {
		t.Fatal("testdb.MariaDB needs testdb.Main: add func TestMain(m *testing.M) { testdb.Main(m) } to the package's tests")
	}
	once.Do(func() { shared, startErr = start() })
	var me *missingError
	if errors.As(startErr, &me) {
		testenv.Missing(t, "MariaDB", me)
	}
	if startErr != nil {
		t.Fatalf("start MariaDB: %v", startErr)
	}
	name := "t_" + testenv.RandomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := shared.admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return shared.dsn(name)
}

// SQLite returns a fresh data directory for a SQLite store, removed when
// the test ends.
func SQLite(t testing.TB) string {
	t.Helper()
	return t.TempDir()
}

// server is a running mariadbd.
type server struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	admin  *sql.DB
}

// findBinary looks name up on PATH, then in the usual system directories.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &missingError{name}
}

// start installs a data directory and starts mariadbd on it. A port taken
// between choosing it and binding it is retried with another.
func start() (*server, error) {
	mariadbd, err := findBinary("mariadbd")
	if err != nil {
		return nil, err
	}
	installDB, err := findBinary("mariadb-install-db")
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{dir: dir}
	if err := s.install(installDB); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		err = s.run(mariadbd)
		if err == nil {
			return s, nil
		}
		s.stop()
		if attempt == 2 {
			os.RemoveAll(dir)
			return nil, err
		}
		os.Remove(filepath.Join(dir, "err.log"))
	}
}

// userArgs runs the server as root when the tests run as root, which
// mariadbd otherwise refuses.
func userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func (s *server) install(installDB string) error {
	args := append([]string{"--no-defaults"}, userArgs()...)
	args = append(args, "--datadir="+filepath.Join(s.dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db")
	out, err := exec.Command(installDB, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	return nil
}

// run starts mariadbd on a free port and waits until it answers.
func (s *server) run(mariadbd string) error {
	port, err := testenv.FreePort()
	if err != nil {
		return err
	}
	s.port = port
	args := append([]string{"--no-defaults"}, userArgs()...)
	args = append(args,
		"--datadir="+filepath.Join(s.dir, "data"),
		"--socket="+filepath.Join(s.dir, "sock"),
		"--pid-file="+filepath.Join(s.dir, "pid"),
		"--port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--skip-name-resolve",
		"--log-error="+filepath.Join(s.dir, "err.log"),
		"--innodb-buffer-pool-size=64M",
		// Several servers start at once when test packages run in
		// parallel; native AIO (io_uring) takes locked memory per server
		// and a server that cannot get it aborts at start. Simulated AIO
		// is as correct and fast enough for tests.
		"--innodb-use-native-aio=0",
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_unicode_ci",
		"--default-time-zone=+00:00",
	)
	s.cmd = exec.Command(mariadbd, args...)
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()

	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cfg.Timeout = 2 * time.Second
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	s.admin = sql.OpenDB(connector)
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = s.admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("mariadbd exited at start: %s", s.errLog())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd did not answer within %s: %v\n%s", startTimeout, err, s.errLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errLog returns the end of the server's error log.
func (s *server) errLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "err.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}

// dsn is the DSN of database name as root over TCP.
func (s *server) dsn(name string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), name
	cfg.ParseTime, cfg.Loc, cfg.ClientFoundRows = true, time.UTC, true
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	return cfg.FormatDSN()
}

// stop terminates the server: SIGTERM, then SIGKILL after 30 s.
func (s *server) stop() {
	if s.admin != nil {
		s.admin.Close()
		s.admin = nil
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		s.cmd = nil
	}
}

// sweepStale removes the directories left by test binaries that died
// without running Main's cleanup (their server died with them). A
// directory records its owner's PID in the file "owner"; one without it is
// still being created and is left alone.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		os.RemoveAll(d)
	}
}

// Exec runs script (statements separated by semicolons, as mariadb-dump
// writes them) on the database of dsn, for loading fixtures.
func Exec(t testing.TB, dsn, script string) {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MultiStatements = true
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), script); err != nil {
		t.Fatalf("load SQL: %v", err)
	}
}
