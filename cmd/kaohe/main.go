// Command kaohe runs the assessment server and its administration commands.
//
//	kaohe serve [--addr 127.0.0.1:8080] [--data DIR] [--config FILE]
//	kaohe migrate [--data DIR] [--config FILE]
//	kaohe user add --username NAME --role office|unit|viewer [--unit CODE] [--password PW]
//	kaohe score --year 2019 [--publish ID]
//	kaohe version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the plan's zone must exist in a bare container

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kaohe/api"
	"kaohe/configs"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/evidence"
	"kaohe/workflow/store"
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
  kaohe migrate [--data DIR] [--config FILE]                 create or upgrade the schema
  kaohe user add --username NAME --role ROLE [--unit CODE] [--password PW] [--data DIR] [--config FILE]
  kaohe score   --year YEAR [--publish ID] [--data DIR] [--config FILE]   year-end scoring run
  kaohe version
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
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
	case "migrate":
		m := NewMain(getenv, stdout, stderr)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.openStore(ctx); err != nil {
			return err
		}
		defer m.Close()
		fmt.Fprintln(stdout, "schema up to date")
		return nil
	case "user":
		return runUser(ctx, args[1:], getenv, stdout, stderr)
	case "score":
		return runScore(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "kaohe", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// Main is the server program: ParseFlags, Run, then Close. Tests run it on
// 127.0.0.1:0 and read Addr.
type Main struct {
	Config  *configs.Config
	Clock   workflow.Clock
	Log     *slog.Logger
	Store   *store.DB
	Service *workflow.Service
	// Addr is the address the server listens on once Run returns.
	Addr string
	// Metrics is the Prometheus registry behind GET /metrics.
	Metrics *prometheus.Registry
	// Dispatcher sends the outbox; Scheduler runs the jobs (nil with
	// jobs.enabled false).
	Dispatcher *jobs.Dispatcher
	Scheduler  *jobs.Scheduler

	// What the jobs read and call. ReminderData supplies nodes and monthly
	// counts to the reminders and the monthly summaries (the execution
	// records when nil), MonthlyImporter records counts from the import
	// folder (as monthly reports when nil), and Score runs the year-end
	// scoring (Service.RunScoring as the system when nil). Tests replace
	// them.
	ReminderData    workflow.ReminderData
	MonthlyImporter jobs.MonthlyImporter
	Score           func(ctx context.Context, year int) error

	getenv     func(string) string
	stdout     io.Writer
	stderr     io.Writer
	configPath string
	http       *http.Server
	closers    []func(context.Context) error
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
	m.Config, m.configPath = cfg, *configPath
	return nil
}

func (m *Main) setup() error {
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
			m.Log.Warn("KAOHE_CLOCK_START is set: the server's clock is not the real time; for demos and acceptance runs only", "start", start)
		}
	}
	return os.MkdirAll(cfg.Data, 0o750)
}

func (m *Main) openStore(ctx context.Context) error {
	if m.Log == nil {
		if err := m.setup(); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, store.Options{DSN: m.Config.MySQLDSN, DataDir: m.Config.Data, Logger: m.Log})
	if err != nil {
		return err
	}
	m.Store = db
	m.closers = append(m.closers, func(context.Context) error { return db.Close() })
	files, err := evidence.Open(filepath.Join(m.Config.Data, "evidence"))
	if err != nil {
		return err
	}
	m.Service = &workflow.Service{
		Store: db, Clock: m.Clock,
		TokenTTL: m.Config.Session.TTL, LoginLimit: m.Config.Login.MaxFailures, LoginWindow: m.Config.Login.Window,
		OnRelease:    workflow.MaterializeNodes,
		ScoringFacts: workflow.ExecutionFacts{},
		Files:        files,
		Upload:       workflow.UploadLimits{MaxFileBytes: m.Config.Upload.MaxFileBytes, MaxFiles: m.Config.Upload.MaxFiles},
		WarningDays:  m.Config.Status.WarningDays,
	}
	return nil
}

// Run opens the database, loads the plans, creates the first account,
// starts the HTTP server and returns once it listens.
func (m *Main) Run(ctx context.Context) error {
	if err := m.setup(); err != nil {
		return err
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	if err := m.loadPlans(ctx); err != nil {
		return err
	}
	pw, err := m.Service.EnsureAdmin(ctx, m.Config.AdminPassword)
	if err != nil {
		return err
	}
	if pw != "" && m.Config.AdminPassword == "" {
		fmt.Fprintf(m.stdout, "首次启动：已创建办公室账号 admin，密码 %s （仅显示一次，请登录后修改）\n", pw)
	} else if pw != "" {
		m.Log.Info("created office account admin with KAOHE_ADMIN_PASSWORD")
	}

	if err := m.startJobs(ctx); err != nil {
		return err
	}

	srv := &api.Server{Service: m.Service, Ready: m.Store.Ping, Log: m.Log, MaxBodyBytes: m.Config.HTTP.MaxBodyBytes,
		Metrics: m.Metrics, Notify: m.notifyDispatcher}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	m.Addr = ln.Addr().String()
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       m.Config.HTTP.ReadTimeout,
		WriteTimeout:      m.Config.HTTP.WriteTimeout,
		IdleTimeout:       m.Config.HTTP.IdleTimeout,
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

// startJobs creates the metrics registry, the mailer (SMTP, or .eml files
// under DATA/outbox without an SMTP address), the dispatcher and the
// scheduler, and starts both unless jobs.enabled is false. Close stops
// them: the scheduler first (cron's Stop waits for a running tick), then
// the dispatcher, then the database.
func (m *Main) startJobs(ctx context.Context) error {
	cfg := m.Config
	m.Metrics = prometheus.NewRegistry()
	m.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	met := jobs.NewMetrics(m.Metrics, m.Store)
	if !cfg.Jobs.Enabled {
		m.Log.Info("scheduled jobs disabled (jobs.enabled: false)")
		return nil
	}
	at, err := workflow.ParseClockTime(cfg.Reminders.At)
	if err != nil {
		return err
	}
	rules := workflow.ReminderRules{LeadDays: cfg.Reminders.LeadDays, At: at}
	var mailer jobs.Mailer
	if cfg.SMTP.Addr != "" {
		mailer = &jobs.SMTPMailer{Addr: cfg.SMTP.Addr, User: cfg.SMTP.User, Password: cfg.SMTP.Password, Timeout: cfg.SMTP.Timeout}
	} else {
		dir := filepath.Join(cfg.Data, "outbox")
		mailer = &jobs.EMLMailer{Dir: dir}
		m.Log.Info("no SMTP server configured: mail is written as .eml files", "dir", dir)
	}
	from := cfg.SMTP.From
	if from == "" {
		from = "kaohe@localhost"
	}
	name := jobs.InstanceName()
	m.Dispatcher = &jobs.Dispatcher{Store: m.Store, Clock: m.Clock, Mailer: mailer, From: from,
		Attempts: cfg.Outbox.Attempts, BaseDelay: cfg.Outbox.BaseDelay, Window: cfg.Outbox.Window, Connections: cfg.Outbox.Connections,
		Name: name, Log: m.Log, Metrics: met}
	importDir := cfg.Jobs.MonthlyImportDir
	if importDir == "" {
		importDir = filepath.Join(cfg.Data, "import")
	}
	if m.ReminderData == nil {
		m.ReminderData = workflow.ExecutionReminders{}
	}
	if m.MonthlyImporter == nil {
		m.MonthlyImporter = jobs.RecordCounts{}
	}
	if m.Score == nil {
		m.Score = func(ctx context.Context, year int) error {
			_, err := m.Service.RunScoring(ctx, workflow.SystemActor, year)
			return err
		}
	}
	reminders := &jobs.Reminders{Store: m.Store, Clock: m.Clock, Rules: rules, Data: m.ReminderData, Office: cfg.OfficeEmails(), Log: m.Log}
	monthly := &jobs.Monthly{Store: m.Store, Clock: m.Clock, Rules: rules, Data: m.ReminderData, Importer: m.MonthlyImporter, ImportDir: importDir, Log: m.Log}
	scoring := &jobs.Scoring{Store: m.Store, Clock: m.Clock, Score: m.Score, Log: m.Log}
	loc := time.UTC
	if ps, err := m.Service.Plans(ctx); err == nil && len(ps) > 0 {
		loc = ps[len(ps)-1].Location()
	}
	m.Scheduler = &jobs.Scheduler{Store: m.Store, Clock: m.Clock, Location: loc, Tick: cfg.Jobs.Tick, Lease: cfg.Jobs.Lease,
		Holder: name, Log: m.Log, Metrics: met, AfterRun: m.Dispatcher.Notify, Jobs: []jobs.Job{
			{Name: "reminders", Run: func(ctx context.Context) error { _, err := reminders.Run(ctx); return err }},
			{Name: "monthly", Run: monthly.Run},
			{Name: "scoring", Run: scoring.Run},
		}}
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		m.Dispatcher.Run(dctx)
	}()
	if err := m.Scheduler.Start(ctx); err != nil {
		stopDispatch()
		<-dispatched
		return err
	}
	m.closers = append(m.closers, func(ctx context.Context) error {
		err := m.Scheduler.Stop(ctx)
		stopDispatch()
		select {
		case <-dispatched:
		case <-ctx.Done():
			err = errors.Join(err, errors.New("mail dispatcher did not stop in time"))
		}
		return err
	})
	m.Log.Info("scheduled jobs started", "holder", name, "tick", cfg.Jobs.Tick, "reminders", cfg.Reminders.LeadDays, "at", cfg.Reminders.At,
		"node_and_monthly_data", m.ReminderData != nil, "scoring_hook", m.Score != nil)
	return nil
}

func (m *Main) notifyDispatcher() {
	if m.Dispatcher != nil {
		m.Dispatcher.Notify()
	}
}

// loadPlans stores every embedded plan and every plan in plans_dir.
func (m *Main) loadPlans(ctx context.Context) error {
	sources := map[string][]byte{}
	entries, err := fs.Glob(configs.Files, "plans/*.yaml")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := configs.Files.ReadFile(e)
		if err != nil {
			return err
		}
		sources["embedded:"+e] = b
	}
	if dir := m.Config.PlansDir; dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			sources[f] = b
		}
	}
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names) // files in plans_dir override embedded ones of the same year
	for _, n := range names {
		p, err := workflow.LoadPlan(sources[n])
		if err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		if err := m.Service.LoadPlan(ctx, p); err != nil {
			return err
		}
		m.Log.Info("plan loaded", "year", p.Year, "source", n)
	}
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
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i](ctx))
	}
	m.closers = nil
	if m.Log != nil {
		m.Log.Info("kaohe stopped")
	}
	return errors.Join(errs...)
}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: kaohe user add --username NAME --role ROLE [--unit CODE] [--password PW]")
	}
	fset := flag.NewFlagSet("user add", flag.ContinueOnError)
	fset.SetOutput(stderr)
	username := fset.String("username", "", "account name")
	role := fset.String("role", "", "office, unit or viewer")
	unit := fset.String("unit", "", "unit code (role unit)")
	password := fset.String("password", "", "password (random when empty)")
	configPath := fset.String("config", "", "YAML configuration file")
	data := fset.String("data", "", "data directory")
	if err := fset.Parse(args[1:]); err != nil {
		return err
	}
	m, err := openCommand(ctx, getenv, stdout, stderr, *configPath, *data)
	if err != nil {
		return err
	}
	defer m.Close()
	pw := *password
	generated := pw == ""
	if generated {
		pw = workflow.NewToken()[:16]
	}
	u, err := m.Service.CreateUser(ctx, workflow.SystemActor, workflow.NewUser{Username: *username, Password: pw, Role: workflow.Role(*role), UnitCode: *unit})
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
	fmt.Fprintf(stdout, "created %s account %s", u.Role, u.Username)
	if generated {
		fmt.Fprintf(stdout, " with password %s", pw)
	}
	fmt.Fprintln(stdout)
	return nil
}

// openCommand prepares a one-shot command (user add, score): it reads the
// configuration as serve does, with the command's --config and --data, and
// opens the store. The caller must Close the returned Main.
func openCommand(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, configPath, data string) (*Main, error) {
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
	if err := m.openStore(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}
