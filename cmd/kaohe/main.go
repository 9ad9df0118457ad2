// Command kaohe runs the assessment server and its administration commands.
//
//	kaohe serve [--addr 127.0.0.1:8080] [--data DIR] [--config FILE]
//	kaohe migrate [--status] [--data DIR] [--config FILE]
//	kaohe backup --to FILE [--data DIR] [--config FILE]
//	kaohe restore FILE [--data DIR] [--config FILE]
//	kaohe check [--data DIR] [--config FILE]
//	kaohe user add --username NAME --role office|unit|viewer [--unit CODE] [--password PW]
//	kaohe score --year 2019 [--publish ID]
//	kaohe evidence migrate --from URL [--to URL]
//	kaohe plan new|check|import|export …
//	kaohe demo [--data DIR] [--addr ADDR] [--at TIME] [--password PW]
//	kaohe version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the plan's zone must exist in a bare container

	"kaohe/configs"
	"kaohe/internal/app"
	"kaohe/workflow"
	"kaohe/workflow/service"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kaohe:", err)
		os.Exit(1)
	}
}

const usage = `kaohe — 工会实绩考核

usage:
  kaohe serve   [--addr ADDR] [--data DIR] [--config FILE]   run the server
  kaohe migrate [--status] [--data DIR] [--config FILE]      create or upgrade the schema; --status lists migrations
  kaohe backup  --to FILE [--data DIR] [--config FILE]       write a backup archive (FILE.tar or FILE.tar.gz)
  kaohe restore FILE [--data DIR] [--config FILE]            restore an archive into an empty data directory or MySQL database
  kaohe check   [--data DIR] [--config FILE]                 check evidence files, nodes, outbox and schema version
  kaohe user add --username NAME --role ROLE [--unit CODE] [--password PW] [--data DIR] [--config FILE]
  kaohe score   --year YEAR [--publish ID] [--data DIR] [--config FILE]   year-end scoring run
  kaohe evidence migrate [--from URL] [--to URL] [--data DIR] [--config FILE]
                copy evidence files between stores, verifying every hash
  kaohe plan new --year YEAR --from YEAR       a new year's plan (YAML) from an earlier one
  kaohe plan check FILE                        check a plan file (exit status 1 on a problem)
  kaohe plan import FILE [--publish [--confirm]]   store a plan file as a new version
  kaohe plan export YEAR [--version N]         the plan in force (or a version) as YAML
  kaohe demo [--data DIR] [--addr ADDR] [--at TIME] [--password PW]
                play the 2019 year into a new data directory and serve it, the clock stopped at TIME
  kaohe version
`

// command is a one-shot subcommand; it takes the arguments after its name.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the one-shot subcommands, by name.
var commands = map[string]command{
	"migrate":  runMigrate,
	"backup":   runBackup,
	"restore":  runRestore,
	"check":    runCheck,
	"user":     runUser,
	"score":    runScore,
	"evidence": runEvidence,
	"plan":     runPlan,
	"demo":     runDemo,
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			m := NewMain(getenv, stdout, stderr)
			if err := m.ParseFlags(args[1:]); err != nil {
				return err
			}
			if err := m.Run(ctx); err != nil {
				m.Close()
				return err
			}
			<-ctx.Done()
			return m.Close()
		case "version":
			fmt.Fprintln(stdout, "kaohe", version)
			return nil
		case "help", "-h", "--help":
			fmt.Fprint(stdout, usage)
			return nil
		}
	}
	return dispatch(ctx, commands, "", usage, args, getenv, stdout, stderr)
}

// dispatch runs the command of table that args[0] names, or prints usage
// and fails; prefix ("plan: ") starts the errors of a subcommand's table.
func dispatch(ctx context.Context, table map[string]command, prefix, usage string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	word := "command"
	if prefix != "" {
		word = "subcommand"
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%sno %s", prefix, word)
	}
	if cmd := table[args[0]]; cmd != nil {
		return cmd(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%sunknown %s %q", prefix, word, args[0])
}

// Main is the server program: ParseFlags, Run, then Close. Tests run it on
// 127.0.0.1:0 and read Addr.
type Main struct {
	Config *configs.Config
	// Clock is the server's clock: the system clock (or KAOHE_CLOCK_START's)
	// unless a test sets it before Run.
	Clock workflow.Clock
	Log   *slog.Logger
	// App is the running program once Run (or openCommand) returns.
	App *app.App
	// Addr is the address the server listens on once Run returns.
	Addr string

	// noMigrate opens the database without migrating it (commands that
	// report or must not change the schema).
	noMigrate bool
	getenv    func(string) string
	stdout    io.Writer
	stderr    io.Writer
	http      *http.Server
}

// NewMain returns a program reading the environment through getenv.
func NewMain(getenv func(string) string, stdout, stderr io.Writer) *Main {
	return &Main{getenv: getenv, stdout: stdout, stderr: stderr}
}

// ParseFlags reads --config, then the environment, then --addr and --data.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("kaohe", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	configPath := fs.String("config", "", "YAML configuration file")
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080)")
	data := fs.String("data", "", "data directory (default ./data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := configs.Load(*configPath, m.getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *data != "" {
		cfg.Data = *data
	}
	m.Config = cfg
	return nil
}

// open sets up the logger and the clock and opens the program.
func (m *Main) open(ctx context.Context) error {
	cfg := m.Config
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		m.Log = slog.New(slog.NewJSONHandler(m.stderr, opts))
	} else {
		m.Log = slog.New(slog.NewTextHandler(m.stderr, opts))
	}
	if m.Clock == nil {
		m.Clock = workflow.SystemClock{}
		if cfg.ClockStart != "" {
			start, _ := time.Parse(time.RFC3339, cfg.ClockStart)
			m.Clock = workflow.NewOffsetClock(start, workflow.SystemClock{})
			if cfg.ClockAnchor != "" {
				anchor, _ := time.Parse(time.RFC3339, cfg.ClockAnchor)
				m.Clock = workflow.NewAnchoredClock(start, anchor, workflow.SystemClock{})
			}
			m.Log.Warn("KAOHE_CLOCK_START is set: the server's clock is not the real time; for demos and acceptance runs only", "start", start)
		}
	}
	open := app.Open
	if m.noMigrate {
		open = app.OpenAsIs
	}
	a, err := open(ctx, cfg, m.Clock, m.Log)
	if err != nil {
		return err
	}
	a.Version = version
	m.App = a
	return nil
}

// Run opens the program, creates the first account, starts the jobs and
// the HTTP server, and returns once it listens.
func (m *Main) Run(ctx context.Context) error {
	if err := m.open(ctx); err != nil {
		return err
	}
	return m.serve(ctx)
}

// serve creates the first account of an open program, checks the evidence
// store, starts the jobs and the HTTP server, and returns once it listens.
func (m *Main) serve(ctx context.Context) error {
	pw, err := m.App.Service.EnsureAdmin(ctx, m.Config.AdminPassword)
	if err != nil {
		return err
	}
	if pw != "" && m.Config.AdminPassword == "" {
		fmt.Fprintf(m.stdout, "首次启动：已创建办公室账号 admin，密码 %s （仅显示一次，请登录后修改）\n", pw)
	} else if pw != "" {
		m.Log.Info("created office account admin with KAOHE_ADMIN_PASSWORD")
	}
	if err := m.App.CheckEvidence(ctx); err != nil {
		return err
	}
	if err := m.App.StartJobs(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	m.Addr = ln.Addr().String()
	hs := &http.Server{
		Handler:           m.App.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       m.Config.HTTP.ReadTimeout,
		WriteTimeout:      m.Config.HTTP.WriteTimeout,
		IdleTimeout:       m.Config.HTTP.IdleTimeout,
		// Above the handler's own limit (http.max_header_bytes), which
		// answers in the API's error shape; net/http answers beyond this
		// in plain text.
		MaxHeaderBytes: 4 * max(m.Config.HTTP.MaxHeaderBytes, 16<<10),
	}
	m.http = hs
	go func() {
		// hs, not m.http: Close may clear the field before this goroutine runs.
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http server", "err", err)
		}
	}()
	m.Log.Info("kaohe listening", "addr", m.Addr, "data", m.Config.Data, "mysql", m.Config.MySQLDSN != "", "version", version)
	return nil
}

// Close stops the HTTP server gracefully, then the jobs, then the database.
func (m *Main) Close() error {
	timeout := 20 * time.Second
	if m.Config != nil && m.Config.HTTP.ShutdownTimeout > 0 {
		timeout = m.Config.HTTP.ShutdownTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if m.http != nil {
		errs = append(errs, m.http.Shutdown(ctx))
		m.http = nil
	}
	if m.App != nil {
		errs = append(errs, m.App.Close(ctx))
		m.App = nil
	}
	if m.Log != nil {
		m.Log.Info("kaohe stopped")
	}
	return errors.Join(errs...)
}

// runUser is `kaohe user add`: it creates an account as the system.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const use = "usage: kaohe user add --username NAME --role ROLE [--unit CODE] [--password PW]"
	if len(args) == 0 || args[0] != "add" {
		return errors.New(use)
	}
	fset := newCommandFlags("user add", use, getenv, stdout, stderr)
	username := fset.String("username", "", "account name")
	role := fset.String("role", "", "office, unit or viewer")
	unit := fset.String("unit", "", "unit code (role unit)")
	password := fset.String("password", "", "password (random when empty)")
	return fset.run(ctx, args[1:], nil, true, func(m *Main) error {
		return createAccount(ctx, m, service.NewUser{Username: *username, Password: *password, Role: workflow.Role(*role), UnitCode: *unit}, stdout)
	})
}

// createAccount is runUser on the opened program m: it creates u, with a random
// password when u has none, and prints it.
func createAccount(ctx context.Context, m *Main, u service.NewUser, stdout io.Writer) error {
	pw := u.Password
	generated := pw == ""
	if generated {
		pw = service.NewToken()[:16]
	}
	u.Password = pw
	created, err := m.App.Service.CreateUser(ctx, service.SystemActor, u)
	if err != nil {
		var e *workflow.Error
		if errors.As(err, &e) && len(e.Details) > 0 {
			var msgs []string
			for _, d := range e.Details {
				msgs = append(msgs, d.Path+": "+d.Message)
			}
			return fmt.Errorf("%s: %s", e.Message, strings.Join(msgs, "; "))
		}
		return err
	}
	fmt.Fprintf(stdout, "created %s account %s", created.Role, created.Username)
	if generated {
		fmt.Fprintf(stdout, " with password %s", pw)
	}
	fmt.Fprintln(stdout)
	return nil
}

// openCommand prepares a one-shot command: it reads the configuration as
// serve does, with the command's --config and --data, and opens the
// program, migrating the database first unless migrate is false (commands
// that report or must not change it). The caller must Close the returned
// Main.
func openCommand(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, configPath, data string, migrate bool) (*Main, error) {
	m := NewMain(getenv, stdout, stderr)
	var args []string
	if configPath != "" {
		args = append(args, "--config", configPath)
	}
	if data != "" {
		args = append(args, "--data", data)
	}
	if err := m.ParseFlags(args); err != nil {
		return nil, err
	}
	m.noMigrate = !migrate
	if err := m.open(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}
