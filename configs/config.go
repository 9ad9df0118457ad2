package configs

import (
	"bytes"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
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
	// ClockAnchor is the real instant at which a clock_start clock reads
	// clock_start (when the server starts, if empty): servers sharing a
	// database on a demo clock must share it, or their claims and leases
	// disagree by the time between their starts.
	ClockAnchor string `yaml:"clock_anchor"`
	PlansDir    string `yaml:"plans_dir"`
	// LazySync commits SQLite transactions without waiting for the disk
	// (store.Options.LazySync). kaohe demo sets it for its throwaway data
	// directory; no file or variable can.
	LazySync bool `yaml:"-"`
	Log      struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"log"`
	Session struct {
		TTL time.Duration `yaml:"ttl"`
	} `yaml:"session"`
	Login struct {
		MaxFailures        int           `yaml:"max_failures"`
		MaxAddressFailures int           `yaml:"max_address_failures"`
		Window             time.Duration `yaml:"window"`
		MaxDelay           time.Duration `yaml:"max_delay"`
		BcryptCost         int           `yaml:"bcrypt_cost"`
	} `yaml:"login"`
	HTTP struct {
		ReadTimeout time.Duration `yaml:"read_timeout"`
		// UploadReadTimeout replaces ReadTimeout for an authorised
		// evidence upload.
		UploadReadTimeout time.Duration `yaml:"upload_read_timeout"`
		WriteTimeout      time.Duration `yaml:"write_timeout"`
		IdleTimeout       time.Duration `yaml:"idle_timeout"`
		ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
		MaxBodyBytes      int64         `yaml:"max_body_bytes"`
		MaxHeaderBytes    int           `yaml:"max_header_bytes"`
		MaxQueryBytes     int           `yaml:"max_query_bytes"`
		// TrustedProxies are the addresses or CIDR ranges of reverse
		// proxies whose X-Forwarded-For names the client; empty trusts
		// none, and the client is the connection's peer.
		TrustedProxies []string `yaml:"trusted_proxies"`
	} `yaml:"http"`
	Upload struct {
		MaxFileBytes int64 `yaml:"max_file_bytes"`
		MaxFiles     int   `yaml:"max_files"`
	} `yaml:"upload"`
	Status struct {
		WarningDays int `yaml:"warning_days"`
	} `yaml:"status"`
	Evidence Evidence `yaml:"evidence"`
	SMTP     struct {
		Addr     string        `yaml:"addr"`
		From     string        `yaml:"from"`
		User     string        `yaml:"user"`
		Password string        `yaml:"password"`
		Timeout  time.Duration `yaml:"timeout"`
	} `yaml:"smtp"`
	OfficeEmail string `yaml:"office_email"`
	// PublicURL is the address users reach the pages at, for the links
	// in robot messages and calendar addresses.
	PublicURL string `yaml:"public_url"`
	Robots    struct {
		// AllowedHosts are host[:port]s a robot webhook may use besides
		// the official qyapi.weixin.qq.com and oapi.dingtalk.com.
		AllowedHosts []string      `yaml:"allowed_hosts"`
		Timeout      time.Duration `yaml:"timeout"`
	} `yaml:"robots"`
	Reminders struct {
		LeadDays []int  `yaml:"lead_days"`
		At       string `yaml:"at"`
	} `yaml:"reminders"`
	Outbox struct {
		Attempts  int           `yaml:"attempts"`
		BaseDelay time.Duration `yaml:"base_delay"`
		// ClaimTTL is how long a dispatcher's claim on a message holds;
		// a send must end a quarter of it before it runs out.
		ClaimTTL time.Duration `yaml:"claim_ttl"`
		// Window is the most messages the mail server may have accepted
		// before their "sent" is committed: the most a crash sends twice.
		Window int `yaml:"window"`
		// Connections is how many SMTP connections send at once.
		Connections int `yaml:"connections"`
	} `yaml:"outbox"`
	Backups struct {
		Dir  string `yaml:"dir"`
		At   string `yaml:"at"`
		Keep int    `yaml:"keep"`
	} `yaml:"backups"`
	Jobs struct {
		Enabled          bool          `yaml:"enabled"`
		Lease            time.Duration `yaml:"lease"`
		Tick             time.Duration `yaml:"tick"`
		MonthlyImportDir string        `yaml:"monthly_import_dir"`
	} `yaml:"jobs"`
}

// Evidence says where evidence files are kept (see kaohe.yaml).
type Evidence struct {
	// URL is "" (DATA/evidence), file:///path or s3://bucket/prefix.
	URL string `yaml:"url"`
	// StagingDir is where uploads to S3 are staged (DATA/staging when
	// empty).
	StagingDir string `yaml:"staging_dir"`
	// Redirect sends downloads from S3 as a redirect to a presigned URL
	// valid for RedirectTTL, instead of streaming them through the server.
	Redirect    bool          `yaml:"redirect"`
	RedirectTTL time.Duration `yaml:"redirect_ttl"`
	// S3 is the endpoint and the credentials, usually from the variables
	// the AWS tools read.
	S3 struct {
		Endpoint        string `yaml:"endpoint"`
		Region          string `yaml:"region"`
		AccessKeyID     string `yaml:"access_key_id"`
		SecretAccessKey string `yaml:"secret_access_key"`
		SessionToken    string `yaml:"session_token"`
	} `yaml:"s3"`
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
	if err := c.readEnv(getenv); err != nil {
		return nil, err
	}
	return c, c.Check()
}

// readEnv overrides c with the environment variables that are set.
func (c *Config) readEnv(getenv func(string) string) error {
	for _, vars := range c.stringVars() {
		for env, dst := range vars {
			if v := getenv(env); v != "" {
				*dst = v
			}
		}
	}
	c.HTTP.TrustedProxies = envList(getenv("KAOHE_TRUSTED_PROXIES"), c.HTTP.TrustedProxies)
	c.Robots.AllowedHosts = envList(getenv("KAOHE_ROBOT_ALLOWED_HOSTS"), c.Robots.AllowedHosts)
	if v := getenv("KAOHE_EVIDENCE_REDIRECT"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("config: KAOHE_EVIDENCE_REDIRECT: want true or false")
		}
		c.Evidence.Redirect = b
	}
	return nil
}

// stringVars maps the environment variables of c's string settings to
// them, in rounds: a variable of a later round wins over one of an earlier
// round that sets the same setting.
func (c *Config) stringVars() []map[string]*string {
	return []map[string]*string{{
		"KAOHE_ADDR":           &c.Addr,
		"KAOHE_DATA":           &c.Data,
		"KAOHE_MYSQL_DSN":      &c.MySQLDSN,
		"KAOHE_ADMIN_PASSWORD": &c.AdminPassword,
		"KAOHE_CLOCK_START":    &c.ClockStart,
		"KAOHE_CLOCK_ANCHOR":   &c.ClockAnchor,
		"KAOHE_PLANS_DIR":      &c.PlansDir,
		"KAOHE_SMTP_ADDR":      &c.SMTP.Addr,
		"KAOHE_SMTP_FROM":      &c.SMTP.From,
		"KAOHE_SMTP_USER":      &c.SMTP.User,
		"KAOHE_SMTP_PASSWORD":  &c.SMTP.Password,
		"KAOHE_OFFICE_EMAIL":   &c.OfficeEmail,
		"KAOHE_PUBLIC_URL":     &c.PublicURL,
		"KAOHE_BACKUP_DIR":     &c.Backups.Dir,
		"KAOHE_LOG_LEVEL":      &c.Log.Level,
		"KAOHE_LOG_FORMAT":     &c.Log.Format,
		"KAOHE_EVIDENCE_URL":   &c.Evidence.URL,
		// The AWS tools' variables, for the S3 evidence store. A
		// service-specific endpoint wins over the general one, and
		// AWS_REGION over AWS_DEFAULT_REGION (the next round).
		"AWS_ENDPOINT_URL":      &c.Evidence.S3.Endpoint,
		"AWS_DEFAULT_REGION":    &c.Evidence.S3.Region,
		"AWS_ACCESS_KEY_ID":     &c.Evidence.S3.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY": &c.Evidence.S3.SecretAccessKey,
		"AWS_SESSION_TOKEN":     &c.Evidence.S3.SessionToken,
	}, {
		"AWS_ENDPOINT_URL_S3": &c.Evidence.S3.Endpoint,
		"AWS_REGION":          &c.Evidence.S3.Region,
	}}
}

// envList reads a comma-separated list variable's value v, blanks left
// out; an unset variable (v empty) keeps def.
func envList(v string, def []string) []string {
	if v == "" {
		return def
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Check reports settings that cannot work, every one of them at once.
func (c *Config) Check() error {
	var errs []string
	for _, check := range []func() []string{c.checkClock, c.checkRequests, c.checkSchedules, c.checkOutbox, c.checkAddresses} {
		errs = append(errs, check()...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}

// checkClock checks the data directory and the demo clock's settings.
func (c *Config) checkClock() (errs []string) {
	if c.Data == "" {
		errs = append(errs, "data directory is empty")
	}
	if c.ClockStart != "" {
		if _, err := time.Parse(time.RFC3339, c.ClockStart); err != nil {
			errs = append(errs, "clock_start: "+err.Error())
		}
	}
	if c.ClockAnchor != "" {
		if _, err := time.Parse(time.RFC3339, c.ClockAnchor); err != nil {
			errs = append(errs, "clock_anchor: "+err.Error())
		} else if c.ClockStart == "" {
			errs = append(errs, "clock_anchor is set without clock_start")
		}
	}
	return errs
}

// checkRequests checks what bounds a request: proxies, login throttling,
// upload limits.
func (c *Config) checkRequests() (errs []string) {
	for _, p := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				errs = append(errs, "http.trusted_proxies: "+p+" is neither an address nor a CIDR range")
			}
		}
	}
	if c.Login.MaxFailures < 1 || c.Login.MaxAddressFailures < 1 || c.Login.Window <= 0 || c.Login.MaxDelay <= 0 {
		errs = append(errs, "login: max_failures, max_address_failures, window and max_delay must be positive")
	}
	if c.Upload.MaxFileBytes <= 0 || c.Upload.MaxFiles <= 0 {
		errs = append(errs, "upload limits must be positive")
	}
	return errs
}

// checkSchedules checks the times and counts of the scheduled jobs.
func (c *Config) checkSchedules() (errs []string) {
	if _, err := time.Parse("15:04", c.Reminders.At); err != nil {
		errs = append(errs, "reminders.at: want HH:MM")
	}
	for _, d := range c.Reminders.LeadDays {
		if d < 0 {
			errs = append(errs, "reminders.lead_days must not be negative")
		}
	}
	if _, err := time.Parse("15:04", c.Backups.At); err != nil {
		errs = append(errs, "backups.at: want HH:MM")
	}
	if c.Backups.Keep < 1 {
		errs = append(errs, "backups.keep must be at least 1")
	}
	if c.Jobs.Tick <= 0 || c.Jobs.Tick > time.Minute {
		errs = append(errs, "jobs.tick must be between 0 and 1m")
	}
	return errs
}

// checkOutbox checks the dispatcher's settings against the timeouts of
// what it sends through.
func (c *Config) checkOutbox() (errs []string) {
	if c.Outbox.Attempts < 1 {
		errs = append(errs, "outbox.attempts must be at least 1")
	}
	if c.Outbox.ClaimTTL <= 0 {
		errs = append(errs, "outbox.claim_ttl must be positive")
	}
	if c.Robots.Timeout <= 0 {
		errs = append(errs, "robots.timeout must be positive")
	}
	if c.Outbox.Window < 1 {
		errs = append(errs, "outbox.window must be at least 1")
	}
	if c.Outbox.Connections < 1 {
		errs = append(errs, "outbox.connections must be at least 1")
	}
	// A message starts only while half its claim is left and must be sent
	// a quarter before the claim runs out (see jobs.Dispatcher), so the
	// quarter left for a send must hold at least one whole SMTP step or
	// robot request.
	smtpTimeout := c.SMTP.Timeout
	if smtpTimeout <= 0 {
		smtpTimeout = 30 * time.Second // jobs.SMTPMailer's default
	}
	if c.Outbox.ClaimTTL > 0 && (c.Outbox.ClaimTTL < 4*smtpTimeout || c.Outbox.ClaimTTL < 4*c.Robots.Timeout) {
		errs = append(errs, fmt.Sprintf("outbox.claim_ttl (%s) must be at least 4 × smtp.timeout (%s) and 4 × robots.timeout (%s)",
			c.Outbox.ClaimTTL, smtpTimeout, c.Robots.Timeout))
	}
	return errs
}

// checkAddresses checks the addresses kaohe is given: the evidence store,
// its own public address, the robots' hosts. It writes the robots' hosts
// back in the form they are compared in (lower case, trimmed).
func (c *Config) checkAddresses() (errs []string) {
	if u := c.Evidence.URL; u != "" && !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "s3://") {
		errs = append(errs, "evidence.url: want file:///path or s3://bucket/prefix")
	}
	if c.Evidence.Redirect && c.Evidence.RedirectTTL <= 0 {
		errs = append(errs, "evidence.redirect_ttl must be positive")
	}
	if u := c.PublicURL; u != "" {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
			errs = append(errs, "public_url: want http(s)://host[:port][/path]")
		}
	}
	for i, h := range c.Robots.AllowedHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		c.Robots.AllowedHosts[i] = h
		if p, err := url.Parse("http://" + h); err != nil || p.Host != h || h == "" {
			errs = append(errs, fmt.Sprintf("robots.allowed_hosts: %q: want host or host:port", h))
		}
	}
	return errs
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
