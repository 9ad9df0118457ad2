package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"kaohe/configs"
	"kaohe/internal/demo"
	"kaohe/jobs"
	"kaohe/workflow"
	"kaohe/workflow/service"
	"kaohe/workflow/store"
)

// demoOfficeEmail receives the office digests of the demo when the
// configuration names no office address.
const demoOfficeEmail = "bgs@dlzgh.example.cn"

// runDemo is `kaohe demo`: it plays the 2019 year into a new data
// directory (internal/demo), then serves it with the clock stopped at
// --at, until interrupted. The demo always uses embedded SQLite, evidence
// files in the data directory, mail as .eml files (DATA/outbox) and group
// robots served on loopback that keep their messages as .md files
// (DATA/robots), whatever the configuration says of a database, an object
// store or an SMTP server: it must never write into real data nor post to
// a real group.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fl, err := parseDemoFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := demoConfig(fl, getenv)
	if err != nil {
		return err
	}
	started := time.Now() // wall-clock time, for the summary
	clock := workflow.NewManualClock(demo.Start)
	robots, err := demo.StartRobots(filepath.Join(cfg.Data, "robots"), clock)
	if err != nil {
		return err
	}
	defer robots.Close()
	// Only the demo's own robots: a robot a visitor adds in the pages
	// cannot reach a real group either.
	cfg.Robots.AllowedHosts = []string{robots.Host}
	m := NewMain(getenv, stdout, stderr)
	m.Config = cfg
	m.Clock = clock
	if err := m.open(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "kaohe demo：正在数据目录 %s 中演示%d年度（时钟停在 %s）…\n", cfg.Data, demo.Year, fl.until.In(demoZone()).Format("2006-01-02 15:04"))
	outbox := filepath.Join(cfg.Data, "outbox")
	res, err := demo.Play(ctx, m.App, demo.Options{Until: fl.until, Password: fl.password, Mailer: &jobs.EMLMailer{Dir: outbox},
		From: cmp.Or(cfg.SMTP.From, "kaohe@localhost"), Robots: robots, Log: quietLog(m.Log)})
	if err != nil {
		m.Close()
		return err
	}
	if err := m.serve(ctx); err != nil {
		m.Close()
		return err
	}
	printDemo(stdout, m.Addr, cfg.Data, outbox, robots.Dir, fl.password, fl.generated, res, time.Since(started))
	<-ctx.Done()
	return m.Close()
}

// demoFlags is the command line of `kaohe demo`, checked.
type demoFlags struct {
	configPath, addr, data string
	until                  time.Time // where the clock stops
	password               string
	generated              bool // the password is a random one, to be printed
}

// parseDemoFlags reads and checks the demo's command line: --at within the
// year's play, a password long enough (a random one when none is given).
func parseDemoFlags(args []string, stderr io.Writer) (demoFlags, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML configuration file (address, logging)")
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080)")
	data := fs.String("data", "", "a new data directory (default: a new temporary one)")
	atFlag := fs.String("at", "", "where the clock stops, RFC 3339 (default: the end of 2019, "+demo.EndOfYear.Format(time.RFC3339)+")")
	password := fs.String("password", "", "every account's password (default: a random one, printed)")
	if err := fs.Parse(args); err != nil {
		return demoFlags{}, err
	}
	if fs.NArg() > 0 {
		return demoFlags{}, fmt.Errorf("demo: unexpected argument %q", fs.Arg(0))
	}
	fl := demoFlags{configPath: *configPath, addr: *addr, data: *data, until: demo.EndOfYear,
		password: *password, generated: *password == ""}
	if *atFlag != "" {
		t, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return demoFlags{}, fmt.Errorf("demo: --at %q: want RFC 3339, such as 2019-10-08T10:00:00+08:00", *atFlag)
		}
		if t.Before(demo.Start) {
			return demoFlags{}, fmt.Errorf("demo: --at %s is before the year's play begins (%s)", *atFlag, demo.Start.Format(time.RFC3339))
		}
		fl.until = t
	}
	if fl.generated {
		fl.password = service.NewToken()[:16]
	}
	if len(fl.password) < workflow.MinPasswordBytes {
		return demoFlags{}, fmt.Errorf("demo: --password must have at least %d characters", workflow.MinPasswordBytes)
	}
	return fl, nil
}

// demoConfig is the configuration the demo runs with: the file's and the
// environment's, with a new data directory and everything that could reach
// real data or real people (database, object store, SMTP, plans) taken out.
func demoConfig(fl demoFlags, getenv func(string) string) (*configs.Config, error) {
	cfg, err := configs.Load(fl.configPath, getenv)
	if err != nil {
		return nil, err
	}
	if cfg.Data, err = demoDataDir(fl.data); err != nil {
		return nil, err
	}
	cfg.Addr = cmp.Or(fl.addr, cfg.Addr)
	cfg.MySQLDSN, cfg.Evidence = "", configs.Evidence{}
	cfg.SMTP.Addr, cfg.ClockStart, cfg.PlansDir = "", "", ""
	cfg.AdminPassword, cfg.LazySync = fl.password, true
	cfg.OfficeEmail = cmp.Or(cfg.OfficeEmail, demoOfficeEmail)
	cfg.PublicURL = cmp.Or(cfg.PublicURL, demoPublicURL(cfg.Addr))
	return cfg, nil
}

// demoPublicURL is the address the demo's pages will be served at, for
// the links in its robot messages: "" when it is not known before the
// server listens (port 0).
func demoPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" || port == "" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demoDataDir returns dir, which must not hold a database yet, or a new
// temporary directory when dir is empty.
func demoDataDir(dir string) (string, error) {
	if dir == "" {
		return os.MkdirTemp("", "kaohe-demo-")
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile)); err == nil {
		return "", fmt.Errorf("demo: %s already holds a database; the demo plays into a new data directory", dir)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return dir, nil
}

// quietLog keeps the warnings of l: the play's jobs would log every
// reminder pass of the year.
func quietLog(l *slog.Logger) *slog.Logger {
	return slog.New(levelHandler{l.Handler(), slog.LevelWarn})
}

type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func demoZone() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.UTC
	}
	return loc
}

// printDemo prints where the demo is served, the accounts and the mail.
func printDemo(w io.Writer, addr, data, outbox, robots, pw string, generated bool, res *demo.Result, took time.Duration) {
	fmt.Fprintf(w, "演示完成（用时%.1f秒），时钟停在 %s。\n\n", took.Seconds(), res.Until.In(demoZone()).Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "  网址      http://%s/\n", addr)
	note := ""
	if generated {
		note = "（随机生成，可用 --password 指定）"
	}
	fmt.Fprintf(w, "  密码      %s，所有账号相同%s\n", pw, note)
	for _, role := range []workflow.Role{workflow.RoleOffice, workflow.RoleViewer, workflow.RoleUnit} {
		label := map[workflow.Role]string{workflow.RoleOffice: "办公室", workflow.RoleUnit: "单　位", workflow.RoleViewer: "领　导"}[role]
		for _, a := range res.Accounts {
			if a.Role == role {
				fmt.Fprintf(w, "  %s    %-8s %s\n", label, a.Username, a.Name)
				label = "      "
			}
		}
	}
	fmt.Fprintf(w, "  邮件      %d封，写在 %s（.eml）\n", res.Emails, outbox)
	fmt.Fprintf(w, "  群机器人  %d条，写在 %s（每个群一个目录，.md）\n", res.RobotMessages, robots)
	fmt.Fprintf(w, "  数据      %s（演示数据，可随时删除）\n", data)
	fmt.Fprintln(w, "按 Ctrl+C 停止。")
}
