// Package app builds kaohe from one configuration: the store, the evidence
// files, the service, the HTTP handler and the scheduled jobs. The server
// command, the other subcommands and every test harness build the program
// through Open, so that what the tests run is what production runs.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"kaohe/api"
	"kaohe/configs"
	"kaohe/internal/robot"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// App is one running kaohe: its parts are ready once Open returns, the
// jobs once StartJobs returns. Close releases everything.
type App struct {
	Config  *configs.Config
	Clock   workflow.Clock
	Log     *slog.Logger
	Store   *store.DB
	Files   service.FileStore
	Service *service.Service
	// Metrics is the Prometheus registry behind GET /metrics.
	Metrics *prometheus.Registry
	// Dispatcher sends the outbox; Scheduler runs the jobs (both nil until
	// StartJobs, and with jobs.enabled false).
	Dispatcher *jobs.Dispatcher
	Scheduler  *jobs.Scheduler
	// Version is the program's version, recorded in backup manifests.
	Version string
	// Robots sends to group robots: test messages, and the outbox's robot
	// messages through the dispatcher.
	Robots *robot.Client

	closers []func(context.Context) error
}

// Open opens the database (creating or upgrading its schema), the evidence
// store and the service, and loads the plans (the embedded ones, then those
// of plans_dir). The caller must Close the App.
func Open(ctx context.Context, cfg *configs.Config, clock workflow.Clock, log *slog.Logger) (*App, error) {
	return open(ctx, cfg, clock, log, true)
}

// OpenAsIs is Open for the commands that must not change the database
// (check, backup, migrate before it reports): no migration, no plans
// loaded.
func OpenAsIs(ctx context.Context, cfg *configs.Config, clock workflow.Clock, log *slog.Logger) (*App, error) {
	return open(ctx, cfg, clock, log, false)
}

func open(ctx context.Context, cfg *configs.Config, clock workflow.Clock, log *slog.Logger, migrate bool) (*App, error) {
	a := &App{Config: cfg, Clock: clock, Log: log}
	if err := a.open(ctx, migrate); err != nil {
		a.Close(ctx)
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context, migrate bool) error {
	cfg := a.Config
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{DSN: cfg.MySQLDSN, DataDir: cfg.Data, Logger: a.Log, NoMigrate: !migrate, LazySync: cfg.LazySync})
	if err != nil {
		return err
	}
	a.Store = db
	a.closers = append(a.closers, func(context.Context) error { return db.Close() })
	if a.Files, err = a.OpenEvidence(cfg.Evidence.URL); err != nil {
		return err
	}
	rules, err := reminderRules(cfg)
	if err != nil {
		return err
	}
	a.Robots = &robot.Client{AllowedHosts: cfg.Robots.AllowedHosts, Timeout: cfg.Robots.Timeout}
	a.Service = service.New(db, a.Files, a.Clock, service.Options{
		TokenTTL: cfg.Session.TTL,
		Throttle: workflow.LoginThrottle{FreePerUser: cfg.Login.MaxFailures, FreePerAddress: cfg.Login.MaxAddressFailures,
			Window: cfg.Login.Window, MaxDelay: cfg.Login.MaxDelay},
		BcryptCost:        cfg.Login.BcryptCost,
		Upload:            service.UploadLimits{MaxFileBytes: cfg.Upload.MaxFileBytes, MaxFiles: cfg.Upload.MaxFiles},
		WarningDays:       cfg.Status.WarningDays,
		OfficeEmails:      cfg.OfficeEmails(),
		Reminders:         rules,
		BackupsScheduled:  a.backupsScheduled(),
		RedirectDownloads: cfg.Evidence.Redirect,
		RobotAllowedHosts: cfg.Robots.AllowedHosts,
		Robots:            a.Robots,
	})
	a.Metrics = prometheus.NewRegistry()
	a.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if !migrate {
		return nil
	}
	return a.loadPlans(ctx)
}

func reminderRules(cfg *configs.Config) (workflow.ReminderRules, error) {
	at, err := workflow.ParseClockTime(cfg.Reminders.At)
	if err != nil {
		return workflow.ReminderRules{}, fmt.Errorf("reminders.at: %w", err)
	}
	return workflow.ReminderRules{LeadDays: cfg.Reminders.LeadDays, At: at}, nil
}

// loadPlans brings the plan files into the database: the embedded ones and
// those of plans_dir, a file of plans_dir replacing an embedded plan of the
// same year (and, within plans_dir, the last file by name winning). Each
// year's file goes through Service.LoadPlanFile: a file not loaded before
// becomes the year's newest version, published, so that an edited file
// replaces the plan it was; a file loaded before changes nothing, so that
// the office's corrections made since in the pages stay in force.
func (a *App) loadPlans(ctx context.Context) error {
	embedded, err := fs.Glob(configs.Files, "plans/*.yaml")
	if err != nil {
		return err
	}
	var files []string
	if dir := a.Config.PlansDir; dir != "" {
		if files, err = filepath.Glob(filepath.Join(dir, "*.yaml")); err != nil {
			return err
		}
	}
	type planFile struct {
		name string
		plan *workflow.Plan
	}
	byYear := map[int]planFile{}
	read := func(name string) ([]byte, error) { return configs.Files.ReadFile(name) }
	for _, group := range []struct {
		names []string
		read  func(string) ([]byte, error)
	}{{embedded, read}, {files, os.ReadFile}} {
		sort.Strings(group.names)
		for _, n := range group.names {
			b, err := group.read(n)
			if err != nil {
				return err
			}
			p, err := workflow.LoadPlan(b)
			if err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			byYear[p.Year] = planFile{n, p}
		}
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	sort.Ints(years)
	for _, y := range years {
		f := byYear[y]
		res, err := a.Service.LoadPlanFile(ctx, f.plan, filepath.Base(f.name))
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if !res.Stored {
			continue
		}
		a.Log.Info("plan loaded and published", "year", y, "version", res.Version, "source", f.name)
		for _, v := range res.Problems {
			a.Log.Warn("plan file has a problem", "source", f.name, "path", v.Path, "rule", v.Rule, "message", v.Message)
		}
		for _, u := range res.Broken {
			a.Log.Warn("plan file breaks a unit's stored tables", "source", f.name, "unit", u.Unit, "state", u.State, "violations", len(u.Violations))
		}
	}
	return nil
}

// Handler returns the HTTP handler: the API, the pages, the probes and the
// metrics.
func (a *App) Handler() http.Handler {
	h := a.Config.HTTP
	srv := &api.Server{Service: a.Service, Log: a.Log, MaxBodyBytes: h.MaxBodyBytes,
		MaxHeaderBytes: h.MaxHeaderBytes, MaxQueryBytes: h.MaxQueryBytes, TrustedProxies: h.TrustedProxies,
		UploadReadTimeout: h.UploadReadTimeout, Metrics: a.Metrics, Notify: a.notifyDispatcher, PublicURL: a.Config.PublicURL}
	return srv.Handler()
}

func (a *App) notifyDispatcher() {
	if a.Dispatcher != nil {
		a.Dispatcher.Notify()
	}
}

// StartJobs starts the mail dispatcher and the scheduler (reminders,
// monthly gathering, year-end scoring), unless jobs.enabled is false.
// Close stops them: the scheduler first (cron's Stop waits for a running
// tick), then the dispatcher, then the database.
func (a *App) StartJobs(ctx context.Context) error {
	cfg := a.Config
	met := jobs.NewMetrics(a.Metrics, a.Store)
	if !cfg.Jobs.Enabled {
		a.Log.Info("scheduled jobs disabled (jobs.enabled: false)")
		return nil
	}
	name := jobs.InstanceName()
	a.Dispatcher = &jobs.Dispatcher{Store: a.Store, Clock: a.Clock, Mailer: a.mailer(), From: cmp.Or(cfg.SMTP.From, "kaohe@localhost"),
		Robots:   a.RobotSender(),
		Attempts: cfg.Outbox.Attempts, BaseDelay: cfg.Outbox.BaseDelay, ClaimTTL: cfg.Outbox.ClaimTTL,
		Window: cfg.Outbox.Window, Connections: cfg.Outbox.Connections, Name: name, Log: a.Log, Metrics: met}
	importDir := cmp.Or(cfg.Jobs.MonthlyImportDir, filepath.Join(cfg.Data, "import"))
	reminders := a.Reminders()
	monthly := &jobs.Monthly{Service: a.Service, ImportDir: importDir, Log: a.Log}
	scoring := &jobs.Scoring{Service: a.Service, Log: a.Log}
	loc := time.UTC
	if ps, err := a.Service.Plans(ctx); err == nil && len(ps) > 0 {
		loc = ps[len(ps)-1].Location()
	}
	a.Scheduler = &jobs.Scheduler{Store: a.Store, Clock: a.Clock, Location: loc, Tick: cfg.Jobs.Tick, Lease: cfg.Jobs.Lease,
		Holder: name, Log: a.Log, Metrics: met, AfterRun: a.Dispatcher.Notify, Jobs: []jobs.Job{
			{Name: "reminders", Run: func(ctx context.Context) error { _, err := reminders.Run(ctx); return err }},
			{Name: "monthly", Run: monthly.Run},
			{Name: "scoring", Run: scoring.Run},
		}}
	backups, err := a.backupJob(loc)
	if err != nil {
		return err
	}
	if backups != nil {
		a.Scheduler.Jobs = append(a.Scheduler.Jobs, jobs.Job{Name: "backup", Run: backups.Run})
	}
	dctx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		a.Dispatcher.Run(dctx)
	}()
	if err := a.Scheduler.Start(ctx); err != nil {
		stopDispatch()
		<-dispatched
		return err
	}
	a.closers = append(a.closers, func(ctx context.Context) error {
		err := a.Scheduler.Stop(ctx)
		if backups != nil {
			backups.Wait() // Stop cancelled it: a backup in progress ends soon
		}
		stopDispatch()
		select {
		case <-dispatched:
		case <-ctx.Done():
			err = errors.Join(err, errors.New("mail dispatcher did not stop in time"))
		}
		return err
	})
	a.Log.Info("scheduled jobs started", "holder", name, "tick", cfg.Jobs.Tick, "reminders", cfg.Reminders.LeadDays, "at", cfg.Reminders.At)
	return nil
}

// RobotSender is the dispatcher's sender of robot messages, on this
// App's robot client, store and clock (tests build dispatchers with it).
func (a *App) RobotSender() *jobs.RobotSender {
	return &jobs.RobotSender{Store: a.Store, Client: a.Robots, Clock: a.Clock}
}

// Reminders is the reminder pass as the scheduler runs it.
func (a *App) Reminders() *jobs.Reminders {
	return &jobs.Reminders{Service: a.Service, PublicURL: a.Config.PublicURL, Log: a.Log}
}

// mailer is SMTP when an address is configured, else .eml files under
// DATA/outbox.
func (a *App) mailer() jobs.Mailer {
	cfg := a.Config
	if cfg.SMTP.Addr != "" {
		return &jobs.SMTPMailer{Addr: cfg.SMTP.Addr, User: cfg.SMTP.User, Password: cfg.SMTP.Password, Timeout: cfg.SMTP.Timeout}
	}
	dir := filepath.Join(cfg.Data, "outbox")
	a.Log.Info("no SMTP server configured: mail is written as .eml files", "dir", dir)
	return &jobs.EMLMailer{Dir: dir}
}

// Close stops the jobs and closes the database, in the reverse order of
// starting, within ctx.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i](ctx))
	}
	a.closers = nil
	return errors.Join(errs...)
}
