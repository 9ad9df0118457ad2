package configs

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is every setting of the server, with the defaults of kaohe.yaml.
// It is loaded once at start and passed down; nothing reads it globally.
type Config struct {
	Addr          string `yaml:"addr"`
	Data          string `yaml:"data"`
	MySQLDSN      string `yaml:"mysql_dsn"`
	AdminPassword string `yaml:"admin_password"`
	ClockStart    string `yaml:"clock_start"`
	PlansDir      string `yaml:"plans_dir"`
	Log           struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
	Session struct {
		TTL time.Duration `yaml:"ttl"`
	} `yaml:"session"`
	Login struct {
		MaxFailures int           `yaml:"max_failures"`
		Window      time.Duration `yaml:"window"`
	} `yaml:"login"`
	HTTP struct {
		ReadTimeout     time.Duration `yaml:"read_timeout"`
		WriteTimeout    time.Duration `yaml:"write_timeout"`
		IdleTimeout     time.Duration `yaml:"idle_timeout"`
		ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
		MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	} `yaml:"http"`
	Upload struct {
		MaxFileBytes int64 `yaml:"max_file_bytes"`
		MaxFiles     int   `yaml:"max_files"`
	} `yaml:"upload"`
	Status struct {
		WarningDays int `yaml:"warning_days"`
	} `yaml:"status"`
	SMTP struct {
		Addr     string        `yaml:"addr"`
		From     string        `yaml:"from"`
		User     string        `yaml:"user"`
		Password string        `yaml:"password"`
		Timeout  time.Duration `yaml:"timeout"`
	} `yaml:"smtp"`
	OfficeEmail string `yaml:"office_email"`
	Reminders   struct {
		LeadDays []int  `yaml:"lead_days"`
		At       string `yaml:"at"`
	} `yaml:"reminders"`
	Outbox struct {
		Attempts  int           `yaml:"attempts"`
		BaseDelay time.Duration `yaml:"base_delay"`
		// Window is the most messages the mail server may have accepted
		// before their "sent" is committed: the most a crash sends twice.
		Window int `yaml:"window"`
		// Connections is how many SMTP connections send at once.
		Connections int `yaml:"connections"`
	} `yaml:"outbox"`
	Jobs struct {
		Enabled          bool          `yaml:"enabled"`
		Lease            time.Duration `yaml:"lease"`
		Tick             time.Duration `yaml:"tick"`
		MonthlyImportDir string        `yaml:"monthly_import_dir"`
	} `yaml:"jobs"`
}

// Default returns the configuration of the embedded kaohe.yaml.
func Default() *Config {
	b, err := Files.ReadFile("kaohe.yaml")
	if err != nil {
		panic(err)
	}
	c, err := parse(b, nil)
	if err != nil {
		panic(err)
	}
	return c
}

func parse(b []byte, base *Config) (*Config, error) {
	c := base
	if c == nil {
		c = &Config{}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && err.Error() != "EOF" {
		return nil, err
	}
	return c, nil
}

// Load returns the defaults, overridden by the YAML file at path (if not
// empty), overridden by the environment (getenv, usually os.Getenv).
func Load(path string, getenv func(string) string) (*Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if c, err = parse(b, c); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for env, dst := range map[string]*string{
		"KAOHE_ADDR":           &c.Addr,
		"KAOHE_DATA":           &c.Data,
		"KAOHE_MYSQL_DSN":      &c.MySQLDSN,
		"KAOHE_ADMIN_PASSWORD": &c.AdminPassword,
		"KAOHE_CLOCK_START":    &c.ClockStart,
		"KAOHE_PLANS_DIR":      &c.PlansDir,
		"KAOHE_SMTP_ADDR":      &c.SMTP.Addr,
		"KAOHE_SMTP_FROM":      &c.SMTP.From,
		"KAOHE_SMTP_USER":      &c.SMTP.User,
		"KAOHE_SMTP_PASSWORD":  &c.SMTP.Password,
		"KAOHE_OFFICE_EMAIL":   &c.OfficeEmail,
		"KAOHE_LOG_LEVEL":      &c.Log.Level,
		"KAOHE_LOG_FORMAT":     &c.Log.Format,
	} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	return c, c.Check()
}

// Check reports settings that cannot work.
func (c *Config) Check() error {
	var errs []string
	if c.Data == "" {
		errs = append(errs, "data directory is empty")
	}
	if c.ClockStart != "" {
		if _, err := time.Parse(time.RFC3339, c.ClockStart); err != nil {
			errs = append(errs, "clock_start: "+err.Error())
		}
	}
	if c.Upload.MaxFileBytes <= 0 || c.Upload.MaxFiles <= 0 {
		errs = append(errs, "upload limits must be positive")
	}
	if _, err := time.Parse("15:04", c.Reminders.At); err != nil {
		errs = append(errs, "reminders.at: want HH:MM")
	}
	for _, d := range c.Reminders.LeadDays {
		if d < 0 {
			errs = append(errs, "reminders.lead_days must not be negative")
		}
	}
	if c.Jobs.Tick <= 0 || c.Jobs.Tick > time.Minute {
		errs = append(errs, "jobs.tick must be between 0 and 1m")
	}
	if c.Outbox.Attempts < 1 {
		errs = append(errs, "outbox.attempts must be at least 1")
	}
	if c.Outbox.Window < 1 {
		errs = append(errs, "outbox.window must be at least 1")
	}
	if c.Outbox.Connections < 1 {
		errs = append(errs, "outbox.connections must be at least 1")
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// OfficeEmails splits office_email into addresses.
func (c *Config) OfficeEmails() []string {
	var out []string
	for _, a := range strings.Split(c.OfficeEmail, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
